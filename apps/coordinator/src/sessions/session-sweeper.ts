import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { KilnConfig } from '@kiln/config';
import { SessionRepository } from '@kiln/store';
import { isEndedSession, SessionRecord, sessionExpiry } from '@kiln/tasks';
import { runEvery } from '@kiln/telemetry';
import { SessionPlacement } from './session-placement';

const SWEEP_INTERVAL_MS = 2000;
/** A session still starting this long after it was made lost its coordinator on the way. */
const START_LIMIT_MS = 180_000;

/**
 * What ends sessions whose worker cannot: a worker that is gone (its
 * heartbeat stale past nodes.timeoutMs, or a new instance) takes its
 * sessions with it, so they end `lost` (its containers are the orphan
 * reaper's); one that outlived its idle time or deadline by more than its
 * worker would have let it is ended `expired`. Either way its key's slot is
 * given back. Any coordinator may sweep; a session ends once.
 */
@Injectable()
export class SessionSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SessionSweeper.name);
  private stopPasses = (): void => undefined;

  constructor(
    private readonly store: SessionRepository,
    private readonly placement: SessionPlacement,
    private readonly config: KilnConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.stopPasses = runEvery(SWEEP_INTERVAL_MS, () => this.sweep(), (e) => this.logger.warn(`session sweep failed: ${e.message}`));
  }

  onModuleDestroy(): void {
    this.stopPasses();
  }

  /** One sweep; how many sessions it ended. */
  async sweep(now = Date.now()): Promise<number> {
    let ended = 0;
    for (const { id } of await this.store.live()) {
      const record = await this.store.get(id);
      if (!record || isEndedSession(record.state)) {
        await this.store.forgetLive(id);
        continue;
      }
      const end = await this.verdict(record, now);
      if (end && (await this.store.end(record.meta, end.state, end.reason))) {
        this.logger.warn(`session ${id} ${end.state}: ${end.reason}`);
        ended++;
      }
    }
    return ended;
  }

  private async verdict(record: SessionRecord, now: number): Promise<{ state: 'lost' | 'expired'; reason: string } | null> {
    const { meta } = record;
    if (!(await this.placement.alive(meta.workerId, meta.workerInstance))) return { state: 'lost', reason: `its worker ${meta.workerId} is gone` };
    if (record.state === 'starting' && now - meta.createdAt > START_LIMIT_MS) return { state: 'lost', reason: 'it never started' };
    // Its worker expires it on time; this is for a worker that is there but failed to.
    if (record.state === 'ready' && now > sessionExpiry(record) + this.config.coordinator.sessions.workerTimeoutMs) {
      return { state: 'expired', reason: now > meta.deadline ? 'it reached its maximum lifetime' : `it was idle for ${meta.idleTimeoutMs} ms (idleTimeoutMs)` };
    }
    return null;
  }
}
