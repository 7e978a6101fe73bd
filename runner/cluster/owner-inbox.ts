import type { SessionInfo } from '../../schemas/protocol.ts';
import { AppError, invalid, notFound } from '../errors.ts';
import type { Caller, CreateOptions } from '../sessions/types.ts';
import type { CallBody, ClusterNode } from './cluster-node.ts';
import type { LocalSessions } from './cluster-sessions.ts';
import type { InboxEntry } from './inbox.ts';
import type { OwnedSession } from './lease.ts';
import { isOwnerOp, type OwnerCall, type OwnerOp, type OwnerOpResult } from './owner-ops.ts';

/** What the inbox needs of ClusterSessions. */
export interface InboxHost {
  local: LocalSessions;
  node: ClusterNode;
  leaving(): boolean;
  owns(id: string): boolean;
  mayAccess(caller: Caller, id: string): Promise<boolean>;
  /** Takes a session nobody owns; false when another process holds it. */
  takeIfFree(caller: Caller, id: string): Promise<boolean>;
  createHere(caller: Caller, options: CreateOptions): Promise<SessionInfo>;
  adopt(session: OwnedSession): Promise<void>;
  runHere<K extends OwnerOp>(op: K, call: OwnerCall<K>): Promise<OwnerOpResult<K>>;
  /** Another process asked about the session: its rooms' events go across from now on. */
  share(id: string): void;
  /** A process elsewhere listens to the session's events. */
  watch(id: string): void;
}

/**
 * What other processes ask of this one, through its Redis inbox: to adopt a session handed over,
 * to create one placed here, or to run an operation on a session it owns (passed on when the lease
 * moved meanwhile). A foreign caller is refused before anything changes here.
 */
export class OwnerInbox {
  constructor(private readonly host: InboxHost) {}

  async handle(entry: InboxEntry): Promise<void | { ackWhen: Promise<unknown> }> {
    if (entry.kind === 'adopt') {
      const session = { tenant: String(entry.body.tenant), sessionId: entry.sessionId };
      if (this.host.leaving()) {
        await this.host.node.forward(entry);
        return;
      }
      const taken = await this.host.node.leases.acquire(session);
      if (taken.acquired) await this.host.adopt(session);
      return;
    }
    if (entry.kind !== 'call') return;
    const call = entry.body as unknown as CallBody;
    if (call.op === 'create') {
      const { caller, options } = call.args as { caller: Caller; options: CreateOptions };
      await this.answer(call, () => this.host.createHere(caller, options));
      return;
    }
    const args = call.args as OwnerCall;
    // A foreign caller is refused before anything changes here (sharing the rooms costs every
    // event a trip through Redis from then on).
    if (call.op !== 'share' && !(await this.host.mayAccess(args.caller, args.id))) {
      await this.host.node.answer(call, { error: notFound('session', args.id) });
      return;
    }
    this.host.share(args.id);
    // Whoever owns the session now (a new owner shares it from the start) sends its events across.
    if (call.op === 'share') {
      await this.host.node.answer(call, { value: null });
      return;
    }
    if (!this.host.owns(args.id)) {
      // The lease moved since the sender looked (or lapsed here): take the session if it is free
      // or still ours, else pass the call on to its owner.
      let taken: boolean;
      try {
        taken = await this.host.takeIfFree(args.caller, args.id);
      } catch (error) {
        await this.host.node.answer(call, { error });
        return;
      }
      if (!taken) {
        if (await this.host.node.forward(entry)) return;
        await this.host.node.answer(call, {
          error: new AppError('unavailable', 503, `session "${args.id}" has no owner that can take it; retry`),
        });
        return;
      }
    }
    const op = call.op;
    if (op === 'watch') {
      await this.answer(call, async () => {
        await this.host.local.get(args.caller, args.id); // the access check: a foreign session is "not found"
        this.host.watch(args.id);
        return null;
      });
      return;
    }
    if (!isOwnerOp(op)) {
      await this.host.node.answer(call, { error: invalid(`unknown session operation "${op}"`) });
      return;
    }
    if (op === 'settled') return { ackWhen: this.answer(call, () => this.host.runHere(op, args)) };
    const answered = await this.answer(call, () => this.host.runHere(op, args));
    // A message is acknowledged once its turn is over and persisted, not when it is accepted.
    if (op === 'send' && answered) return { ackWhen: this.host.local.settled(args.caller, args.id) };
  }

  private async answer(call: CallBody, run: () => Promise<unknown>): Promise<boolean> {
    try {
      const value = await run();
      await this.host.node.answer(call, { value: value ?? null });
      return true;
    } catch (error) {
      await this.host.node.answer(call, { error });
      return false;
    }
  }
}
