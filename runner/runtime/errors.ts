/** A send whose message or response an intervention handler dropped. */
export class MessageDroppedError extends Error {
  constructor(
    readonly messageId: string,
    stage: 'send' | 'response',
  ) {
    super(`message ${messageId} was dropped by an intervention handler (${stage})`);
    this.name = 'MessageDroppedError';
  }
}

/** A send addressed to an agent type nobody registered. */
export class RecipientNotFoundError extends Error {
  constructor(readonly recipient: string) {
    super(`Recipient not found: no factory is registered for agent "${recipient}"`);
    this.name = 'RecipientNotFoundError';
  }
}

/** A send that was pending (or a handler that was running) when its key was closed. */
export class KeyClosedError extends Error {
  constructor(readonly key: string) {
    super(`key "${key}" was closed`);
    this.name = 'KeyClosedError';
  }
}
