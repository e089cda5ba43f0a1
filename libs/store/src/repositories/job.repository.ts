import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { KilnConfig } from '@kiln/config';
import { REDIS } from '@kiln/redis';
import { isTerminalJobState, JobFinish, JobInput, JobMeta, JobRecord, JobState, TaskEvent, TaskOutputs, TaskRecord, TaskState, taskStateRank, Verdict } from '@kiln/tasks';
import { RedisKeys } from '../redis-keys';

/**
 * Moves a task forward only: a stale or repeated event never moves it back.
 * With the task's output (ARGV[4], non-empty), stores it in the outputs hash
 * (KEYS[2]) in the same step, to expire with the job record.
 */
const TRANSITION_TASK = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then return 0 end
if tonumber(cjson.decode(current)['rank']) >= tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if ARGV[4] ~= '' then
  redis.call('HSET', KEYS[2], ARGV[5], ARGV[4])
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
end
return 1`;

/** Sets the job state only from one of the allowed states, with extra fields, atomically. */
const TRANSITION_JOB = `
local current = redis.call('HGET', KEYS[1], 'state')
if not current then return 0 end
for allowed in string.gmatch(ARGV[1], '[^,]+') do
  if allowed == current then
    redis.call('HSET', KEYS[1], 'state', ARGV[2], unpack(ARGV, 3))
    return 1
  end
end
return 0`;

const TASK_FIELD = 'task:';
/** A job may wait in the queue at most this long on top of its retention. */
const PENDING_GRACE_SECONDS = 24 * 3600;

type StoredTask = TaskRecord & { rank: number };
const LIVE_STATES = [JobState.PENDING, JobState.SCHEDULED, JobState.RUNNING];

/**
 * Job records in Redis: one hash per job (meta, state, one field per task with
 * the summaries of its results), the tasks' output in a hash of its own (read
 * only to answer the job: the reads that advance jobs never load it), the
 * input in its own key (read by the workers through JobScratchRepository),
 * and the index of live jobs by deadline. Every write is a conditional
 * transition, so events can be applied twice or out of order without harm.
 * The coordinator writes all of it; the workers only ask isLive.
 */
@Injectable()
export class JobRepository {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly config: KilnConfig,
  ) {}

  async create(meta: JobMeta, input: JobInput): Promise<void> {
    const key = this.keys.job(meta.id);
    const ttl = this.config.jobs.retentionSeconds + PENDING_GRACE_SECONDS;
    const fields: Record<string, string> = { meta: JSON.stringify(meta), state: JobState.PENDING };
    for (const task of meta.plan) {
      fields[TASK_FIELD + task.id] = JSON.stringify(storedTask({ id: task.id, kind: task.kind, state: TaskState.PENDING }));
    }
    await this.redis
      .multi()
      .hset(key, fields)
      .expire(key, ttl)
      .set(this.keys.jobInput(meta.id), JSON.stringify(input), 'EX', ttl)
      .zadd(this.keys.liveJobs(), Date.parse(meta.createdAt) + this.config.jobs.deadlineMs, meta.id)
      .exec();
  }

  async get(id: string): Promise<JobRecord | null> {
    const hash = await this.redis.hgetall(this.keys.job(id));
    if (!hash.meta) return null;
    const tasks: Record<string, TaskRecord> = {};
    for (const [field, value] of Object.entries(hash)) {
      if (!field.startsWith(TASK_FIELD)) continue;
      const { rank: _rank, ...task } = JSON.parse(value) as StoredTask;
      tasks[task.id] = task;
    }
    return {
      meta: JSON.parse(hash.meta) as JobMeta,
      state: hash.state as JobState,
      verdict: (hash.verdict as Verdict) || null,
      tasks,
      error: hash.error || undefined,
      finishedAt: hash.finishedAt || undefined,
      announced: hash.announced === '1',
    };
  }

  /** Whether the job exists and has not ended (a task of a job that is over is not run, its artifact not kept). */
  async isLive(jobId: string): Promise<boolean> {
    const state = (await this.redis.hget(this.keys.job(jobId), 'state')) as JobState | null;
    return state !== null && !isTerminalJobState(state);
  }

  /** The state of each job, in order; null where no record exists (never stored, or expired). */
  async states(jobIds: string[]): Promise<(JobState | null)[]> {
    const pipeline = this.redis.pipeline();
    for (const jobId of jobIds) pipeline.hget(this.keys.job(jobId), 'state');
    return ((await pipeline.exec()) ?? []).map(([error, state]) => {
      if (error) throw error;
      return state as JobState | null;
    });
  }

  /** The job with its tasks' output: what answering it needs (GET, /execute, webhooks). */
  async getWithOutputs(id: string): Promise<JobRecord | null> {
    const [job, stored] = await Promise.all([this.get(id), this.redis.hgetall(this.keys.jobOutputs(id))]);
    if (!job) return null;
    const outputs: Record<string, TaskOutputs> = {};
    for (const [taskId, value] of Object.entries(stored)) outputs[taskId] = JSON.parse(value) as TaskOutputs;
    return { ...job, outputs };
  }

  /** Writes the task's new state (and its output) if it is further along than the stored one; true if it was. */
  async transitionTask(jobId: string, task: TaskRecord, outputs: TaskOutputs | null = null): Promise<boolean> {
    const stored = storedTask(task);
    const applied = await this.redis.eval(
      TRANSITION_TASK,
      2,
      this.keys.job(jobId),
      this.keys.jobOutputs(jobId),
      TASK_FIELD + task.id,
      JSON.stringify(stored),
      String(stored.rank),
      outputs ? JSON.stringify(outputs) : '',
      task.id,
    );
    return applied === 1;
  }

  /**
   * Applies a worker's report to the task it names: the task's new fields
   * merged over the stored ones, moved forward only. Returns the task as it
   * was, or null when the job or task is unknown (expired, or not ours).
   */
  async recordTaskEvent(
    event: TaskEvent,
    update: Partial<TaskRecord> & { state: TaskState },
    outputs: TaskOutputs | null = null,
  ): Promise<TaskRecord | null> {
    const job = await this.get(event.jobId);
    const task = job?.tasks[event.taskId];
    if (!task) return null;
    await this.transitionTask(event.jobId, { ...task, ...update, workerId: event.workerId }, outputs);
    return task;
  }

  async transitionJob(jobId: string, from: JobState[], to: JobState, fields: Record<string, string> = {}): Promise<boolean> {
    const extra = Object.entries(fields).flat();
    const applied = await this.redis.eval(TRANSITION_JOB, 1, this.keys.job(jobId), from.join(','), to, ...extra);
    return applied === 1;
  }

  /** Moves a live job to its terminal state once; the record then expires after the retention. */
  async finish(jobId: string, finish: JobFinish): Promise<boolean> {
    const fields: Record<string, string> = { finishedAt: new Date().toISOString() };
    if (finish.verdict) fields.verdict = finish.verdict;
    if (finish.error) fields.error = finish.error;
    const applied = await this.transitionJob(jobId, LIVE_STATES, finish.state, fields);
    if (applied) {
      const retention = this.config.jobs.retentionSeconds;
      await this.redis
        .multi()
        .expire(this.keys.job(jobId), retention)
        .expire(this.keys.jobOutputs(jobId), retention)
        .zrem(this.keys.liveJobs(), jobId)
        .exec();
    }
    return applied;
  }

  /** The end of the job has been announced (SSE, waiters, webhook). */
  async markAnnounced(jobId: string): Promise<void> {
    await this.redis.hset(this.keys.job(jobId), 'announced', '1');
  }

  /** Unfinished jobs whose deadline (jobs.deadlineMs after acceptance) has passed. */
  async overdue(now: number, limit = 100): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.liveJobs(), '-inf', now, 'LIMIT', 0, limit);
  }

  async forgetLive(jobId: string): Promise<void> {
    await this.redis.zrem(this.keys.liveJobs(), jobId);
  }
}

function storedTask(task: TaskRecord): StoredTask {
  return { ...task, rank: taskStateRank(task.state) };
}
