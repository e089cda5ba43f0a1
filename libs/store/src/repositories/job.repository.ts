import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { KilnConfig } from '@kiln/config';
import { REDIS } from '@kiln/redis';
import {
  isTerminalJobState,
  JobFinish,
  JobInput,
  JobMeta,
  JobRecord,
  JobState,
  JobStreamEvent,
  TaskEvent,
  TaskOutputs,
  TaskRecord,
  TaskState,
  taskStateRank,
  Verdict,
} from '@kiln/tasks';
import { RedisKeys } from '../redis-keys';
import { StoreScript } from '../scripts/store-script';
import { ACKNOWLEDGE_LUA, acknowledgeKeys, TaskEventReceipt } from '../queues/task-event-receipt';
import { APPEND_TO_LOG_LUA, logEntry, LogEntry } from './job-events.repository';

/** Lua: `forward(job, field, json, rank)` writes a task's new state if it is further along than the stored one; 1 if it did. */
const FORWARD_LUA = `
local function forward(job, field, json, rank)
  local current = redis.call('HGET', job, field)
  if not current then return 0 end
  if tonumber(cjson.decode(current)['rank']) >= tonumber(rank) then return 0 end
  redis.call('HSET', job, field, json)
  return 1
end
`;

/** Lua: `one_of(value, list)`: whether the value is one of the comma-separated list. */
const ONE_OF_LUA = `
local function one_of(value, list)
  for allowed in string.gmatch(list, '[^,]+') do
    if allowed == value then return true end
  end
  return false
end
`;

/**
 * Moves a task forward only: a stale or repeated event never moves it back.
 * With the task's output (ARGV[4], non-empty), stores it in the outputs hash
 * (KEYS[2]) in the same step, to expire with the job record.
 */
const TRANSITION_TASK_LUA = `${FORWARD_LUA}
local applied = forward(KEYS[1], ARGV[1], ARGV[2], ARGV[3])
if applied == 1 and ARGV[4] ~= '' then
  redis.call('HSET', KEYS[2], ARGV[5], ARGV[4])
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
end
`;

const TRANSITION_TASK = new StoreScript('kilnTransitionTask', 2, `${TRANSITION_TASK_LUA}
return applied`);

/** TRANSITION_TASK, then the whole record as it is now (empty when there is none): what advancing the job needs, in one round trip. */
const RECORD_TASK = new StoreScript('kilnRecordTask', 2, `${TRANSITION_TASK_LUA}
return redis.call('HGETALL', KEYS[1])`);

/** Sets the job state only from one of the allowed states, with extra fields, atomically. */
const TRANSITION_JOB = new StoreScript('kilnTransitionJob', 1, `${ONE_OF_LUA}
local current = redis.call('HGET', KEYS[1], 'state')
if not current or not one_of(current, ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[2], unpack(ARGV, 3))
return 1`);

/**
 * A new job in one step: its record (KEYS[1], fields from ARGV[9] on), its
 * input (KEYS[2]), its place among the live jobs (KEYS[3]) and its first
 * event-log entry (KEYS[4]).
 */
const CREATE_JOB = new StoreScript('kilnCreateJob', 4, `${APPEND_TO_LOG_LUA}
redis.call('HSET', KEYS[1], unpack(ARGV, 9))
redis.call('EXPIRE', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[4])
append_to_log(KEYS[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8])
return 1`);

/**
 * A worker begins a task: 0, and nothing written, when the job is over or
 * gone; else the task moves forward to RUNNING and, if the job was waiting,
 * the job too, which its event log says (KEYS[2]).
 */
const START_TASK = new StoreScript('kilnStartTask', 2, `${APPEND_TO_LOG_LUA}${FORWARD_LUA}${ONE_OF_LUA}
local state = redis.call('HGET', KEYS[1], 'state')
if not state or not one_of(state, ARGV[1]) then return 0 end
forward(KEYS[1], ARGV[4], ARGV[5], ARGV[6])
if one_of(state, ARGV[2]) then
  redis.call('HSET', KEYS[1], 'state', ARGV[3])
  append_to_log(KEYS[2], ARGV[7], ARGV[8], ARGV[9], ARGV[10])
end
return 1`);

/**
 * Ends a live job in one step, or does nothing (0) when it has ended
 * already: its terminal fields (ARGV[12] on, ARGV[11] pairs), the tasks that
 * will never run (the triples after them, moved forward only), the
 * retention expiry of the record and its outputs, its leaving the live jobs,
 * its scratch data (input, artifact, an interactive job's stdin stream:
 * KEYS[7]) deleted, the end in its event log,
 * the job-ended signal, and (ARGV[5] = '1', when nothing else is to be
 * told: no webhook) its end marked announced. With ARGV[10] = '1' (a
 * request waits for the answer here) it returns the record and its outputs
 * as the end left them, so the answer needs no read of its own. With
 * ARGV[11], a task event's entry id, that event is acknowledged in the same
 * step (KEYS[8] to KEYS[10]: ACKNOWLEDGE_LUA), the end being the last thing
 * applying it had to do.
 */
const END_JOB = new StoreScript('kilnEndJob', 10, `${APPEND_TO_LOG_LUA}${FORWARD_LUA}${ONE_OF_LUA}${ACKNOWLEDGE_LUA}
local current = redis.call('HGET', KEYS[1], 'state')
if not current or not one_of(current, ARGV[1]) then return 0 end
local fields = tonumber(ARGV[12])
redis.call('HSET', KEYS[1], unpack(ARGV, 13, 12 + 2 * fields))
for i = 13 + 2 * fields, #ARGV, 3 do forward(KEYS[1], ARGV[i], ARGV[i + 1], ARGV[i + 2]) end
if ARGV[11] ~= '' then acknowledge(KEYS[8], KEYS[9], KEYS[10], ARGV[11]) end
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[2])
redis.call('ZREM', KEYS[3], ARGV[3])
redis.call('DEL', KEYS[4], KEYS[5], KEYS[7])
append_to_log(KEYS[6], ARGV[6], ARGV[7], ARGV[8], ARGV[9])
redis.call('PUBLISH', ARGV[4], ARGV[3])
if ARGV[5] == '1' then redis.call('HSET', KEYS[1], 'announced', '1') end
if ARGV[10] == '1' then return {redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[2])} end
return 1`);

const TASK_FIELD = 'task:';
/** A job may wait in the queue at most this long on top of its retention. */
const PENDING_GRACE_SECONDS = 24 * 3600;

type StoredTask = TaskRecord & { rank: number };
const LIVE_STATES = [JobState.PENDING, JobState.SCHEDULED, JobState.RUNNING];
const WAITING_STATES = [JobState.PENDING, JobState.SCHEDULED];

/** How a job ends in one step (JobRepository.end). */
export interface JobEnd {
  finish: JobFinish;
  /** Tasks that will never run: they become SKIPPED (moved forward only). */
  skipped: TaskRecord[];
  /** Nothing but this step tells of the end (no webhook to queue): the end is marked announced with it. */
  announced: boolean;
  /** A request waits here for the job's answer: the step returns the record as stored, with its outputs. */
  withOutputs?: boolean;
  /** The task event whose applying ends with this step: acknowledged in it, and marked so, when the job ends. */
  acknowledging?: TaskEventReceipt;
}

/**
 * Job records in Redis: one hash per job (meta, state, one field per task with
 * the summaries of its results), the tasks' output in a hash of its own (read
 * only to answer the job: the reads that advance jobs never load it), the
 * input in its own key (read by the workers through JobScratchRepository),
 * and the index of live jobs by deadline. Every write is a conditional
 * transition, so events can be applied twice or out of order without harm,
 * and each transition of a simple job is one script: created, started,
 * a task recorded, ended — each with its event-log entry in the same step.
 * The coordinator writes all of it but a task's start, which its worker
 * writes (startTask); the workers otherwise only ask isLive.
 */
@Injectable()
export class JobRepository {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly config: KilnConfig,
  ) {
    StoreScript.define(redis, [TRANSITION_TASK, RECORD_TASK, TRANSITION_JOB, CREATE_JOB, START_TASK, END_JOB]);
  }

  /**
   * Stores a new job, SCHEDULED with its `queued` tasks QUEUED (the caller
   * enqueues them next), its input and its first event-log entry, in one
   * step; returns the record as stored.
   */
  async create(meta: JobMeta, input: JobInput, queued: string[]): Promise<JobRecord> {
    const ttl = this.config.jobs.retentionSeconds + PENDING_GRACE_SECONDS;
    const tasks: Record<string, TaskRecord> = {};
    const fields: string[] = ['meta', JSON.stringify(meta), 'state', JobState.SCHEDULED];
    for (const task of meta.plan) {
      tasks[task.id] = { id: task.id, kind: task.kind, state: queued.includes(task.id) ? TaskState.QUEUED : TaskState.PENDING };
      fields.push(TASK_FIELD + task.id, JSON.stringify(storedTask(tasks[task.id])));
    }
    const entry = this.logEntry(meta.id, { type: 'state', state: JobState.SCHEDULED });
    const deadline = Date.parse(meta.createdAt) + this.config.jobs.deadlineMs;
    await CREATE_JOB.run(
      this.redis,
      [this.keys.job(meta.id), this.keys.jobInput(meta.id), this.keys.liveJobs(), entry.key],
      [ttl, JSON.stringify(input), deadline, meta.id, ...entry.args, ...fields],
    );
    return { meta, state: JobState.SCHEDULED, verdict: null, tasks, announced: false };
  }

  async get(id: string): Promise<JobRecord | null> {
    return recordOf(await this.redis.hgetall(this.keys.job(id)));
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
    const [job, outputs] = await Promise.all([this.redis.hgetall(this.keys.job(id)), this.redis.hgetall(this.keys.jobOutputs(id))]);
    return recordWithOutputs(job, outputs);
  }

  /** Writes the task's new state (and its output) if it is further along than the stored one; true if it was. */
  async transitionTask(jobId: string, task: TaskRecord, outputs: TaskOutputs | null = null): Promise<boolean> {
    return (await TRANSITION_TASK.run(this.redis, [this.keys.job(jobId), this.keys.jobOutputs(jobId)], taskArgs(task, outputs))) === 1;
  }

  /**
   * A worker begins its task (written by the worker itself: nothing but the
   * record changes, so no coordinator needs to see it): false, and nothing
   * written, when the job is over or gone; else the task is RUNNING and so is
   * the job if it was waiting, which its event log says, in one step.
   */
  async startTask(jobId: string, task: TaskRecord): Promise<boolean> {
    const stored = storedTask(task);
    const entry = this.logEntry(jobId, { type: 'state', state: JobState.RUNNING });
    const started = await START_TASK.run(
      this.redis,
      [this.keys.job(jobId), entry.key],
      [LIVE_STATES.join(','), WAITING_STATES.join(','), JobState.RUNNING, TASK_FIELD + task.id, JSON.stringify(stored), stored.rank, ...entry.args],
    );
    return started === 1;
  }

  /**
   * Records a task as its worker reported it (the whole task: a worker's
   * report carries everything it says of the task), moved forward only, with
   * its output; returns the job record as it is after that, or null when there
   * is no such job (expired, or not ours) — one round trip.
   */
  async recordTask(jobId: string, task: TaskRecord, outputs: TaskOutputs | null = null): Promise<JobRecord | null> {
    const reply = (await RECORD_TASK.run(this.redis, [this.keys.job(jobId), this.keys.jobOutputs(jobId)], taskArgs(task, outputs))) as string[];
    return recordOf(pairs(reply));
  }

  /**
   * Applies the report of a worker that did not send the whole task (an
   * older worker's event): the task's new fields merged over the stored
   * ones, moved forward only. Returns the task as it was, or null when the
   * job or task is unknown (expired, or not ours).
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
    return (await TRANSITION_JOB.run(this.redis, [this.keys.job(jobId)], [from.join(','), to, ...extra])) === 1;
  }

  /** Moves a live job to its terminal state once; the record then expires after the retention. */
  async finish(jobId: string, finish: JobFinish): Promise<boolean> {
    const applied = await this.transitionJob(jobId, LIVE_STATES, finish.state, finishFields(finish, new Date().toISOString()));
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

  /**
   * Ends a job its tasks decided, in one step (END_JOB: the terminal state,
   * its skipped tasks, expiry, scratch data gone, the end logged and
   * signalled); returns the record as it is then, or null (nothing done)
   * when it had ended already.
   */
  async end(job: JobRecord, { finish, skipped, announced, withOutputs = false, acknowledging }: JobEnd): Promise<JobRecord | null> {
    const id = job.meta.id;
    const finishedAt = new Date().toISOString();
    const fields = Object.entries({ state: finish.state, ...finishFields(finish, finishedAt) }).flat();
    const skips = skipped.map((task) => ({ ...task, state: TaskState.SKIPPED }));
    const entry = this.logEntry(id, { type: 'state', state: finish.state, verdict: finish.verdict });
    const [input, artifact] = this.keys.jobScratch(id);
    const keys = [this.keys.job(id), this.keys.jobOutputs(id), this.keys.liveJobs(), input, artifact, entry.key, this.keys.jobStdin(id), ...acknowledgeKeys(this.keys)];
    const args = [
      LIVE_STATES.join(','),
      this.config.jobs.retentionSeconds,
      id,
      this.keys.jobDoneChannel(),
      announced ? '1' : '',
      ...entry.args,
      withOutputs ? '1' : '',
      acknowledging?.entryId ?? '',
      fields.length / 2,
      ...fields,
      ...skips.flatMap((task) => taskArgs(task, null).slice(0, 3)),
    ];
    const reply = (await END_JOB.run(this.redis, keys, args)) as 0 | 1 | [string[], string[]];
    if (reply === 0) return null;
    if (acknowledging) acknowledging.acknowledged = true;
    if (Array.isArray(reply)) return recordWithOutputs(pairs(reply[0]), pairs(reply[1]));
    const tasks = { ...job.tasks };
    for (const task of skips) tasks[task.id] = task;
    return { ...job, state: finish.state, verdict: finish.verdict, error: finish.error, finishedAt, tasks, announced };
  }

  /** The end of the job has been announced (SSE, waiters, webhook). */
  async markAnnounced(jobId: string): Promise<void> {
    await this.redis.hset(this.keys.job(jobId), 'announced', '1');
  }

  private logEntry(jobId: string, event: JobStreamEvent): LogEntry {
    return logEntry(this.keys, this.config.jobs.retentionSeconds, jobId, event);
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

/** TRANSITION_TASK's arguments for the task: its field, stored JSON, rank, output and id. */
function taskArgs(task: TaskRecord, outputs: TaskOutputs | null): string[] {
  const stored = storedTask(task);
  return [TASK_FIELD + task.id, JSON.stringify(stored), String(stored.rank), outputs ? JSON.stringify(outputs) : '', task.id];
}

function finishFields(finish: JobFinish, finishedAt: string): Record<string, string> {
  return { finishedAt, ...(finish.verdict ? { verdict: finish.verdict } : {}), ...(finish.error ? { error: finish.error } : {}) };
}

/** A hash as a script returns it (HGETALL's flat field, value list) as an object. */
function pairs(reply: string[]): Record<string, string> {
  const hash: Record<string, string> = {};
  for (let i = 0; i + 1 < reply.length; i += 2) hash[reply[i]] = reply[i + 1];
  return hash;
}

/** The record a job hash and its outputs hash hold; null for an empty job hash. */
function recordWithOutputs(job: Record<string, string>, stored: Record<string, string>): JobRecord | null {
  const record = recordOf(job);
  if (!record) return null;
  const outputs: Record<string, TaskOutputs> = {};
  for (const [taskId, value] of Object.entries(stored)) outputs[taskId] = JSON.parse(value) as TaskOutputs;
  return { ...record, outputs };
}

/** The record a job hash holds; null for an empty hash (no such job). */
function recordOf(hash: Record<string, string>): JobRecord | null {
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
