import type { MessageEvent, SessionInfo } from '../../../schemas/protocol.ts';
import { request } from './http.ts';

const enc = encodeURIComponent;

export const sessionsApi = {
  list: (graphId: string) =>
    request<{ sessions: SessionInfo[] }>('GET', `/sessions?graphId=${enc(graphId)}`).then((r) => r.sessions),
  transcript: (id: string) =>
    request<{ messages: MessageEvent[] }>('GET', `/sessions/${enc(id)}/transcript`).then((r) => r.messages),
};
