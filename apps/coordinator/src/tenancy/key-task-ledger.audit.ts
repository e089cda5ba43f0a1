import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { JobRepository, KeyLedgerRepository, LedgerEntry } from '@kiln/store';
import { isTerminalJobState } from '@kiln/tasks';
import { runEvery } from '@kiln/telemetry';

const AUDIT_INTERVAL_MS = 30_000;
/**
 * A reservation is made just before its job is stored; one this old with no
 * job record belongs to a request whose coordinator died in between.
 */
const UNSTORED_GRACE_MS = 60_000;

/**
 * Keeps the per-key task ledger true whatever crashed: gives back the tasks
 * of jobs that have ended (JobFinisher.settle normally does it first) and of
 * reservations whose job was never stored or no longer exists. Any
 * coordinator may run it; giving back is idempotent.
 */
@Injectable()
export class KeyTaskLedgerAudit implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(KeyTaskLedgerAudit.name);
  private stopPasses = (): void => undefined;

  constructor(
    private readonly ledger: KeyLedgerRepository,
    private readonly jobs: JobRepository,
  ) {}

  onApplicationBootstrap(): void {
    this.stopPasses = runEvery(AUDIT_INTERVAL_MS, () => this.audit(), (e) => this.logger.warn(`ledger audit failed: ${e.message}`));
  }

  onModuleDestroy(): void {
    this.stopPasses();
  }

  /** One pass over every key's reservations; returns how many it gave back. */
  async audit(): Promise<number> {
    const now = await this.ledger.now();
    let released = 0;
    for (const keyId of await this.ledger.holders()) {
      const stale = await this.staleEntries(await this.ledger.entries(keyId), now);
      if (stale.length) released += await this.ledger.release(keyId, stale);
    }
    if (released) this.logger.warn(`gave back the tasks of ${released} job(s) that had ended or were never stored`);
    return released;
  }

  private async staleEntries(entries: LedgerEntry[], now: number): Promise<string[]> {
    const states = await this.jobs.states(entries.map((entry) => entry.jobId));
    return entries
      .filter((entry, index) => {
        const state = states[index];
        return state ? isTerminalJobState(state) : now - entry.reservedAt > UNSTORED_GRACE_MS;
      })
      .map((entry) => entry.jobId);
  }
}
