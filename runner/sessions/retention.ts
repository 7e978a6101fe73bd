import type { SessionStore } from '../store/types.ts';
import type { SessionManagerConfig } from './session-manager-options.ts';

const DEFAULT_INTERVAL_MS = 3_600_000;

/**
 * The retention policy: sessions past its age or per-tenant count are pruned from the store once
 * at start and then every interval, when the policy sets either limit.
 */
export class Retention {
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly sessions: Pick<SessionStore, 'prune'>,
    private readonly policy: NonNullable<SessionManagerConfig['retention']> = {},
  ) {
    if (!this.limited) return;
    this.timer = setInterval(() => void this.prune().catch(() => undefined), policy.intervalMs ?? DEFAULT_INTERVAL_MS);
    this.timer.unref();
    void this.prune().catch(() => undefined);
  }

  /** Applies the policy now; 0 without a limit. */
  async prune(): Promise<number> {
    if (!this.limited) return 0;
    const { maxAgeMs, maxSessionsPerTenant } = this.policy;
    return this.sessions.prune({ maxAgeMs, maxSessionsPerTenant });
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private get limited(): boolean {
    return this.policy.maxAgeMs !== undefined || this.policy.maxSessionsPerTenant !== undefined;
  }
}
