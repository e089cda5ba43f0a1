import { HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { KeyLedgerRepository } from '@kiln/store';
import { JobMeta } from '@kiln/tasks';
import { Principal } from '../auth/principal';
import { KeyLimits } from './key-limits';

/** 429: this key has too many tasks in Kiln; other keys are not affected. */
export class KeyTasksExceededException extends HttpException {
  constructor(held: number, requested: number, maxTasks: number) {
    super(
      {
        error:
          `this API key has ${held} unfinished tasks (waiting or running) and this request needs ${requested} more; ` +
          `coordinator.perKey.maxTasks allows ${maxTasks} per key: try again when some of its jobs have finished`,
      },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}

/**
 * Per-key admission: the jobs of one request (one job, or a whole Judge0
 * batch) are counted against their key's coordinator.perKey.maxTasks
 * together, all admitted or none.
 */
@Injectable()
export class KeyAdmission {
  constructor(
    private readonly limits: KeyLimits,
    private readonly ledger: KeyLedgerRepository,
  ) {}

  /** Reserves the jobs' tasks for their key, or throws KeyTasksExceededException. */
  async admit(jobs: JobMeta[], principal: Principal): Promise<void> {
    const limit = this.limits.of(principal);
    if (!limit || !principal.keyId) return;
    const reservation = await this.ledger.reserve(principal.keyId, jobs, limit.maxTasks);
    if (!reservation.granted) throw new KeyTasksExceededException(reservation.held, reservation.requested, limit.maxTasks);
  }

  /** Gives back what admit reserved for jobs that were not stored after all (a failed request). */
  async withdraw(jobs: JobMeta[], principal: Principal): Promise<void> {
    if (principal.keyId && jobs.length) await this.ledger.release(principal.keyId, jobs.map((meta) => meta.id));
  }

  /** A job has ended: its tasks no longer count (idempotent). */
  async ended(meta: JobMeta): Promise<void> {
    if (meta.owner) await this.ledger.release(meta.owner, [meta.id]);
  }
}
