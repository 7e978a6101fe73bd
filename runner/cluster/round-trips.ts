import type { Redis } from 'ioredis';

/**
 * Counts network round trips to Redis made by this process: a single command is one, and a
 * pipeline, a MULTI or an auto-pipelined batch is one (its commands share one write, which ioredis
 * marks with one stream object). Redis's own counters cannot tell this: they count every command,
 * including the ones a Lua script runs inside one call.
 */
export class RoundTrips {
  total = 0;

  /** Counts the client's traffic, and that of every client duplicated from it. */
  watch<T extends Redis>(client: T): T {
    const counter = this;
    const send = client.sendCommand.bind(client);
    let batch: unknown;
    client.sendCommand = ((command: Parameters<Redis['sendCommand']>[0], stream?: unknown) => {
      if (stream === undefined) counter.total += 1;
      else if (stream !== batch) {
        batch = stream;
        counter.total += 1;
      }
      return (send as (c: unknown, s?: unknown) => unknown)(command, stream);
    }) as Redis['sendCommand'];
    const duplicate = client.duplicate.bind(client);
    client.duplicate = ((...args: Parameters<Redis['duplicate']>) => counter.watch(duplicate(...args))) as Redis['duplicate'];
    return client;
  }
}
