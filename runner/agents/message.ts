import type { Role } from '../../schemas/protocol.ts';

/** The message agents exchange on topics. Plain data so it can be cloned, stored and sent. */
export interface ChatMessage {
  id: string;
  turnId: string;
  role: Role;
  content: string;
  /** Agent type that wrote it, or "user". */
  sender: string;
}
