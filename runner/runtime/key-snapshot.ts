import { copyMessage } from './copy.ts';
import type { Envelope } from './envelope.ts';
import { AgentId, TopicId } from './ids.ts';
import type { KeyState } from './key-state.ts';
import type { KeySnapshot } from './types.ts';

/** A pending message of a snapshot, parsed: `recipients` undefined routes it by the subscriptions. */
export interface ParsedPending {
  topicId: TopicId;
  recipients: AgentId[] | undefined;
  message: unknown;
  sender: AgentId | null;
  messageId: string;
}

/**
 * The publishes a key's mailboxes still hold, oldest first, each with the mailboxes that hold it
 * (saveKey). A send's caller is a live promise that no snapshot can carry over: sends are left out.
 */
export function pendingOf(home: KeyState): KeySnapshot['pending'] {
  const recipients = new Map<Envelope, string[]>();
  for (const box of home.instances.values()) {
    for (const envelope of box.pending()) {
      if (envelope.call !== null || envelope.cancelled) continue;
      let names = recipients.get(envelope);
      if (names === undefined) recipients.set(envelope, (names = []));
      names.push(box.id.toString());
    }
  }
  const ordered = [...recipients].sort(([a], [b]) => a.seq - b.seq);
  return ordered.map(([envelope, names]) => ({
    topic: envelope.topicId!.toString(),
    message: copyMessage(envelope.message),
    sender: envelope.sender?.toString() ?? null,
    messageId: envelope.messageId,
    recipients: names,
  }));
}

/** A snapshot checked whole before anything of it is loaded (loadKey): every name belongs to its key. */
export function parseSnapshot(snapshot: KeySnapshot): {
  key: string;
  states: Array<readonly [AgentId, unknown]>;
  messages: ParsedPending[];
} {
  const { key, agents, pending } = checkSnapshot(snapshot);
  const states = Object.entries(agents).map(([name, state]) => {
    const id = AgentId.parse(name);
    if (id.key !== key) throw new TypeError(`loadKey: agents["${name}"] belongs to key "${id.key}", not "${key}"`);
    return [id, state] as const;
  });
  const messages = pending.map((p, i) => {
    const topicId = TopicId.parse(p.topic);
    if (topicId.source !== key)
      throw new TypeError(
        `loadKey: pending[${i}].topic "${p.topic}" belongs to source "${topicId.source}", not "${key}"`,
      );
    const recipients = p.recipients?.map((r) => AgentId.parse(r));
    const stray = recipients?.find((r) => r.key !== key);
    if (stray) throw new TypeError(`loadKey: pending[${i}].recipients names "${stray}", not an agent of key "${key}"`);
    return {
      topicId,
      recipients,
      message: restored(p.message, i),
      sender: p.sender === null ? null : AgentId.parse(p.sender),
      messageId: p.messageId,
    };
  });
  return { key, states, messages };
}

function restored(message: unknown, i: number): unknown {
  try {
    return copyMessage(message);
  } catch (error) {
    throw new TypeError(`loadKey: pending[${i}].message: ${(error as Error).message}`);
  }
}

function checkSnapshot(snapshot: KeySnapshot): KeySnapshot {
  if (typeof snapshot !== 'object' || snapshot === null) throw new TypeError('loadKey: snapshot must be an object');
  if (typeof snapshot.key !== 'string') throw new TypeError('loadKey: snapshot.key must be a string');
  if (typeof snapshot.agents !== 'object' || snapshot.agents === null || Array.isArray(snapshot.agents)) {
    throw new TypeError('loadKey: snapshot.agents must be an object of "type/key": state');
  }
  if (!Array.isArray(snapshot.pending)) throw new TypeError('loadKey: snapshot.pending must be an array');
  snapshot.pending.forEach((p, i) => {
    if (typeof p?.topic !== 'string')
      throw new TypeError(`loadKey: pending[${i}].topic must be a "type/source" string`);
    if (typeof p.messageId !== 'string') throw new TypeError(`loadKey: pending[${i}].messageId must be a string`);
    if (p.sender !== null && typeof p.sender !== 'string')
      throw new TypeError(`loadKey: pending[${i}].sender must be a "type/key" string or null`);
    if (
      p.recipients !== undefined &&
      !(Array.isArray(p.recipients) && p.recipients.every((r) => typeof r === 'string'))
    ) {
      throw new TypeError(`loadKey: pending[${i}].recipients must be an array of "type/key" strings`);
    }
  });
  return snapshot;
}
