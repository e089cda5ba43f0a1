import { Injectable, NotFoundException } from '@nestjs/common';
import { KilnConfig } from '@kiln/config';
import { JobRecord, JobView } from '@kiln/tasks';
import { Principal } from '../../auth/principal';
import { PlannedJob } from '../../jobs/job-planner';
import { CompatJobs } from '../compat-jobs';
import { BATCH_NOT_UTF8, Judge0BadRequest, Judge0FieldErrors, Judge0InvalidSubmission, NOT_UTF8 } from './judge0-errors';
import { judge0ToNativeJob } from './judge0-job.mapper';
import { Judge0Languages } from './judge0-languages';
import { toJudge0FieldErrors } from './judge0-native-errors';
import { Judge0Attribute, NotUtf8Error, parseFields } from './judge0-serializer';
import { Judge0Submission, Judge0SubmissionBody, parseJudge0Submission } from './judge0-submission.request';
import { Judge0SubmissionStore, StoredSubmission } from './judge0-submission.store';
import { Judge0SubmissionView } from './judge0-submission.view';

/** A valid submission, planned as a job but not admitted yet. */
interface PreparedSubmission {
  submission: Judge0Submission;
  planned: PlannedJob;
}

/** The query parameters Judge0's submission endpoints read. */
export interface Judge0Query {
  base64_encoded?: string;
  wait?: string;
  fields?: string;
  /** Repeated (`tokens=a&tokens=b`), an array: Rails reads the last. */
  tokens?: string | string[];
}

/** Judge0's words for a batch of none (SubmissionsController's batch_create and batch_show alike). */
const EMPTY_BATCH = 'there should be at least one submission in a batch';

/** An answer and its HTTP status (Judge0 varies it: 201 or 422 for a batch, 201 with an error for wait=true). */
export interface Judge0Answer {
  status: number;
  body: unknown;
}

interface Rendering {
  fields: readonly Judge0Attribute[];
  base64: boolean;
}

/** Judge0's submissions (SubmissionsController) as Kiln jobs: the token is the job's id. */
@Injectable()
export class Judge0SubmissionsService {
  constructor(
    private readonly jobs: CompatJobs,
    private readonly languages: Judge0Languages,
    private readonly store: Judge0SubmissionStore,
    private readonly submissions: Judge0SubmissionView,
    private readonly config: KilnConfig,
  ) {}

  /** POST /submissions: 201 {token}; with wait=true, 201 and the submission once its job has ended. */
  async create(body: Judge0SubmissionBody, query: Judge0Query, principal: Principal): Promise<Judge0Answer> {
    const rendering = renderingOf(query);
    const { job, stored } = await this.submit(body ?? {}, rendering.base64, principal);
    if (query.wait !== 'true') return { status: 201, body: { token: job.meta.id } };
    const { view } = await this.jobs.waitForEnd(job);
    try {
      return { status: 201, body: this.render(view, stored, rendering) };
    } catch (error) {
      if (error instanceof NotUtf8Error) return { status: 201, body: { token: view.id, error: NOT_UTF8 } };
      throw error;
    }
  }

  /** GET /submissions/:token */
  async get(token: string, query: Judge0Query, principal: Principal): Promise<unknown> {
    const rendering = renderingOf(query);
    const found = await this.find([token], principal);
    if (!found[0]) throw new NotFoundException({ error: 'submission not found' });
    try {
      return this.render(found[0].view, found[0].stored, rendering);
    } catch (error) {
      throw error instanceof NotUtf8Error ? new Judge0BadRequest(NOT_UTF8) : error;
    }
  }

  /**
   * POST /submissions/batch: a token or the errors of each, 201 if any was
   * created, else 422. The valid submissions are admitted together, as
   * Judge0 checks a whole batch against its queue: a full queue or the
   * caller's per-key share refuses the batch, and then none is created.
   */
  async createBatch(body: { submissions?: unknown }, query: Judge0Query, principal: Principal): Promise<Judge0Answer> {
    const entries = Array.isArray(body?.submissions) ? (body.submissions as Judge0SubmissionBody[]) : [];
    this.checkBatchSize(entries.length);
    const base64 = query.base64_encoded === 'true';
    const prepared: (PreparedSubmission | Judge0FieldErrors)[] = [];
    for (const entry of entries) prepared.push(await this.prepareOne(entry ?? {}, base64, principal));
    const valid = prepared.filter((entry): entry is PreparedSubmission => 'planned' in entry);
    const tokens = (await this.accept(valid, principal)).map(({ job }) => job.meta.id);
    let next = 0;
    const answers = prepared.map((entry) => ('planned' in entry ? { token: tokens[next++] } : entry));
    return { status: valid.length ? 201 : 422, body: answers };
  }

  /** GET /submissions/batch?tokens=a,b,c: each submission, null for a token that is not one. */
  async getBatch(query: Judge0Query, principal: Principal): Promise<unknown> {
    const tokens = tokensOf(query.tokens);
    // Judge0's words, then what this GET reads them from: without them the client cannot tell it from the POST's refusal.
    if (!tokens.length) throw new Judge0BadRequest(`${EMPTY_BATCH}: give the submissions' tokens in the tokens query parameter, comma-separated (?tokens=a,b,c)`);
    this.checkBatchSize(tokens.length);
    const rendering = renderingOf(query);
    const found = await this.find(tokens, principal);
    try {
      return { submissions: found.map((entry) => (entry ? this.render(entry.view, entry.stored, rendering) : null)) };
    } catch (error) {
      throw error instanceof NotUtf8Error ? new Judge0BadRequest(BATCH_NOT_UTF8) : error;
    }
  }

  /** One batch entry prepared, or its errors by attribute (the batch goes on without it). */
  private async prepareOne(entry: Judge0SubmissionBody, base64: boolean, principal: Principal): Promise<PreparedSubmission | Judge0FieldErrors> {
    try {
      return await this.prepare(entry, base64, principal);
    } catch (error) {
      if (error instanceof Judge0InvalidSubmission) return error.errors;
      throw error;
    }
  }

  private async submit(body: Judge0SubmissionBody, base64: boolean, principal: Principal): Promise<{ job: JobRecord; stored: StoredSubmission }> {
    const [accepted] = await this.accept([await this.prepare(body, base64, principal)], principal);
    return accepted;
  }

  private async prepare(body: Judge0SubmissionBody, base64: boolean, principal: Principal): Promise<PreparedSubmission> {
    const submission = parseJudge0Submission(body, base64, this.languages, this.config.limits, this.config.jobs.maxTests, this.config.sandbox.fileSizeMb * 1024);
    const planned = await this.jobs.prepare(judge0ToNativeJob(submission, this.config.limits), principal).catch((error: unknown) => {
      throw toJudge0FieldErrors(error) ?? error;
    });
    return { submission, planned };
  }

  /** Admits the prepared submissions together, then keeps each one's Judge0 request beside its job. */
  private async accept(prepared: PreparedSubmission[], principal: Principal): Promise<{ job: JobRecord; stored: StoredSubmission }[]> {
    if (!prepared.length) return [];
    const jobs = await this.jobs.admit(prepared.map((entry) => entry.planned), principal);
    return Promise.all(jobs.map(async (job, index) => ({ job, stored: await this.store.save(job.meta.id, prepared[index].submission, job.meta.limits) })));
  }

  /** The job and the stored request of each token; null for a token that is no Judge0 submission of this caller. */
  private async find(tokens: string[], principal: Principal): Promise<({ view: JobView; stored: StoredSubmission } | null)[]> {
    const stored = await this.store.load(tokens);
    return Promise.all(
      tokens.map(async (token, index) => {
        const request = stored[index];
        if (!request) return null;
        const view = await this.jobs.view(token, principal).catch((error: unknown) => {
          if (error instanceof NotFoundException) return null;
          throw error;
        });
        return view && { view, stored: request };
      }),
    );
  }

  private render(view: JobView, stored: StoredSubmission, { fields, base64 }: Rendering): Record<string, unknown> {
    return this.submissions.render(view, stored, fields, base64);
  }

  private checkBatchSize(count: number): void {
    const max = this.config.coordinator.api.judge0.maxBatchSize;
    if (count > max) throw new Judge0BadRequest(`number of submissions in a batch should be less than or equal to ${max}`);
    if (count === 0) throw new Judge0BadRequest(EMPTY_BATCH);
  }
}

function renderingOf(query: Judge0Query): Rendering {
  return { fields: parseFields(query.fields), base64: query.base64_encoded === 'true' };
}

/** Ruby's `tokens.to_s.strip.split(",")`: trailing empty entries dropped. */
function tokensOf(param: string | string[] | undefined): string[] {
  const last = Array.isArray(param) ? param[param.length - 1] : param;
  const tokens = (last ?? '').trim().split(',');
  while (tokens.length && tokens[tokens.length - 1] === '') tokens.pop();
  return tokens;
}
