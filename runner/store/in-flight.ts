/**
 * The writes a store has started and not yet finished, so that close() can wait for them: once
 * close() resolves, nothing the store was asked to write lands any more (another process may own
 * the files or keys by then, and a late write would tear what it wrote).
 */
export class InFlight {
  private readonly running = new Set<Promise<unknown>>();

  run<T>(work: () => Promise<T>): Promise<T> {
    const done = work();
    this.running.add(done);
    done.then(
      () => this.running.delete(done),
      () => this.running.delete(done),
    );
    return done;
  }

  /** Resolves once every write started so far has settled, including those started meanwhile. */
  async settled(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running]);
  }
}
