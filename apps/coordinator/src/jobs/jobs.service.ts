import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { KilnConfig } from '@kiln/config';
import { JobRepository } from '@kiln/store';
import { isTerminalJobState, JobRecord, JobState, JobView, toJobView, Verdict } from '@kiln/tasks';
import { Principal } from '../auth/principal';
import { JobFinisher } from './job-finisher';
import { JobWaiters, WaitOutcome } from './job-waiters';

/** How long a stopping coordinator tries to read a job for its last answer. */
const STOPPING_READ_MS = 500;

/** Reads, waits for and cancels jobs (JobSubmission accepts them). */
@Injectable()
export class JobsService {
  constructor(
    private readonly store: JobRepository,
    private readonly finisher: JobFinisher,
    private readonly waiters: JobWaiters,
    private readonly config: KilnConfig,
  ) {}

  /** The job as answered, its output included. */
  async view(id: string, principal: Principal): Promise<JobView> {
    return toJobView(await this.require(id, principal, true));
  }

  /** The job's state and verdict, without loading its output (SSE, checks). */
  async status(id: string, principal: Principal): Promise<{ state: JobState; verdict: Verdict | null }> {
    const job = await this.require(id, principal);
    return { state: job.state, verdict: job.verdict };
  }

  /**
   * Waits for the job to end, at most its own limits (its compiles, then
   * every test and its checker or interactor one after the other) plus the configured margin.
   */
  async waitForEnd(job: JobRecord): Promise<{ outcome: WaitOutcome; view: JobView }> {
    const { limits, compiled, testCount } = job.meta;
    const judge = job.meta.checker ?? job.meta.interactor;
    const perTestMs = limits.timeoutMs + (judge?.limits.timeoutMs ?? 0);
    const runsMs = perTestMs * Math.max(1, testCount ?? 0);
    const compilesMs = (compiled ? limits.compileTimeoutMs : 0) + (judge?.compiled ? judge.limits.compileTimeoutMs : 0);
    const budget = runsMs + compilesMs + this.config.coordinator.execute.waitMarginMs;
    const id = job.meta.id;
    const { outcome, record } = await this.waiters.wait(id, budget, () => this.hasEnded(id));
    const answered = record ?? (outcome === 'interrupted' ? await this.lastWord(job) : await this.require(id, undefined, true));
    return { outcome, view: toJobView(answered) };
  }

  /** Whether the job is over (or gone: the answer then says it is not found); reads its state alone. */
  private async hasEnded(id: string): Promise<boolean> {
    const [state] = await this.store.states([id]);
    return state === null || isTerminalJobState(state);
  }

  /** A stopping coordinator's answer: the job now, or as submitted if its Redis (which may be gone) does not say at once. */
  private lastWord(job: JobRecord): Promise<JobRecord> {
    const asSubmitted = sleep(STOPPING_READ_MS).then(() => job);
    return Promise.race([this.require(job.meta.id, undefined, true).catch(() => job), asSubmitted]);
  }

  async cancel(id: string, principal: Principal): Promise<JobView> {
    await this.require(id, principal);
    if (!(await this.finisher.stop(id, { state: JobState.CANCELLED, verdict: null }))) {
      const now = await this.require(id);
      throw new ConflictException({ error: `job ${id} is already ${now.state} and cannot be cancelled` });
    }
    return this.view(id, principal);
  }

  /**
   * The job, if it exists and the caller may see it: another key's job is
   * answered exactly like a missing one. Its output is loaded only to answer.
   */
  private async require(id: string, principal?: Principal, withOutputs = false): Promise<JobRecord> {
    const job = withOutputs ? await this.store.getWithOutputs(id) : await this.store.get(id);
    const foreign = job?.meta.owner && principal && job.meta.owner !== principal.keyId;
    if (!job || foreign) throw new NotFoundException({ error: `no job with id ${id}` });
    return job;
  }
}
