import { isChatEvent, type ServerEventName, type ServerEvents } from '../../schemas/protocol.ts';

/**
 * Two Socket.IO rooms per session: `s:` for the chat events every client gets, `t:` for the trace
 * events only `all` sockets join (see isChatEvent). Rooms are named after the tenant and the
 * session, so a room can be re-subscribed from its name alone when Socket.IO restores a recovered
 * socket into it. Here, not in the server, because the cluster emits to them too.
 */
export const roomOf = (tenant: string, sessionId: string, chat = true) => `${chat ? 's' : 't'}:${tenant}:${sessionId}`;

/** The room an event of this session goes to. */
export const roomFor = <E extends ServerEventName>(
  tenant: string,
  sessionId: string,
  event: E,
  payload: ServerEvents[E],
) => roomOf(tenant, sessionId, isChatEvent(event, payload));

/** Both rooms of a session. */
export const roomsOf = (tenant: string, sessionId: string) => [
  roomOf(tenant, sessionId),
  roomOf(tenant, sessionId, false),
];

/** The tenant, session and kind a room name stands for; undefined for any other room. */
export function parseRoom(room: string): { tenant: string; sessionId: string; chat: boolean } | undefined {
  const m = /^([st]):([^:]+):(.+)$/.exec(room);
  return m ? { chat: m[1] === 's', tenant: m[2]!, sessionId: m[3]! } : undefined;
}
