import type { Redis } from 'ioredis';

/**
 * Counts the requests this process makes to Redis, each one a round trip it would wait for if
 * nothing were batched: a command is one, a MULTI/EXEC transaction is one, a Lua script is one
 * (Redis's own counters cannot tell: they also count every command a script runs). Auto-pipelining
 * may put several of them in one network write; they still count one each.
 */
export class RoundTrips {
  total = 0;

  /** Counts the client's requests, and those of every client duplicated from it. */
  watch<T extends Redis>(client: T): T {
    const counter = this;
    const send = client.sendCommand.bind(client) as (command: unknown, stream?: unknown) => unknown;
    let transaction: unknown;
    client.sendCommand = ((command: { name: string }, stream?: unknown) => {
      if (command.name === 'multi') transaction = stream ?? command;
      else if (command.name === 'exec' && transaction !== undefined) transaction = undefined;
      else if (transaction !== undefined && stream === transaction) return send(command, stream);
      if (command.name !== 'exec') counter.total += 1;
      return send(command, stream);
    }) as unknown as Redis['sendCommand'];
    const duplicate = client.duplicate.bind(client);
    client.duplicate = ((...args: Parameters<Redis['duplicate']>) =>
      counter.watch(duplicate(...args))) as Redis['duplicate'];
    return client;
  }
}
