import type { Caller, Sessions } from '../sessions/types.ts';
import { withTraceContext, type TraceCarrier } from '../telemetry/propagation.ts';

/**
 * The Sessions operations that run where the session lives (its lease holder). One asked of a
 * session owned elsewhere travels to the owner as its name and its arguments after the caller
 * and the session id, as JSON. Adding an operation is adding its name here.
 */
export const OWNER_OPS = [
  'get',
  'transcript',
  'send',
  'settled',
  'reply',
  'pause',
  'resume',
  'abort',
  'close',
  'delete',
] as const satisfies readonly (keyof Sessions)[];
export type OwnerOp = (typeof OWNER_OPS)[number];

/** An operation's arguments after the caller and the session id, as Sessions types them. */
export type OwnerOpArgs<K extends OwnerOp> = Sessions[K] extends (
  caller: Caller,
  id: string,
  ...rest: infer A
) => unknown
  ? A
  : never;
export type OwnerOpResult<K extends OwnerOp> = Awaited<ReturnType<Sessions[K]>>;

/** What travels to the owner. The internal calls (`watch`, `share`) carry no arguments. */
export interface OwnerCall<K extends OwnerOp = OwnerOp> {
  caller: Caller;
  id: string;
  args: OwnerOpArgs<K>;
  /** The caller's trace context, so the owner's work continues the caller's trace (`send`). */
  trace?: TraceCarrier;
}

export const isOwnerOp = (op: string): op is OwnerOp => (OWNER_OPS as readonly string[]).includes(op);

/** Runs the call on the owner's own session manager. */
export function runOwnerOp<K extends OwnerOp>(
  sessions: Sessions,
  op: K,
  call: OwnerCall<K>,
): Promise<OwnerOpResult<K>> {
  const method = sessions[op] as unknown as (
    caller: Caller,
    id: string,
    ...args: OwnerOpArgs<K>
  ) => Promise<OwnerOpResult<K>>;
  return withTraceContext(call.trace, () => method.call(sessions, call.caller, call.id, ...call.args));
}

/** A call of the cluster's own (`watch`, `share`): the caller and the session only. */
export type BareCall = Pick<OwnerCall, 'caller' | 'id'> & { args: [] };
