import { CompiledProgram } from '@kiln/tasks';

/**
 * Names of every Redis key and channel Kiln uses, in one place, known only
 * to this library (docs/architecture.md, "The data model", says who writes
 * each and how long it lives). `prefix` comes from configuration
 * (`redis.prefix`); wrap it in braces (`{kiln}`) to keep all keys in one
 * Redis Cluster hash slot.
 */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  job(id: string): string {
    return `${this.prefix}:job:${id}`;
  }

  jobInput(id: string): string {
    return `${this.prefix}:job:${id}:input`;
  }

  /** A job's compile artifact: its program's, or its custom checker's or interactor's. */
  jobArtifact(id: string, program?: CompiledProgram): string {
    return program ? `${this.prefix}:job:${id}:${program}-artifact` : `${this.prefix}:job:${id}:artifact`;
  }

  /** The job's event log (a Redis stream), replayed to late SSE clients. */
  jobEvents(id: string): string {
    return `${this.prefix}:job:${id}:events`;
  }

  /** Pub/sub: the id of each entry appended to the job's event log, for live SSE clients. */
  jobEventsChannel(id: string): string {
    return `${this.prefix}:job-events:${id}`;
  }

  /** Sorted set of unfinished jobs, scored by the time by which they must have ended. */
  liveJobs(): string {
    return `${this.prefix}:live-jobs`;
  }

  /** An interactive job's live input (a Redis stream: stdin chunks, its end, signals), read by the worker running it. */
  jobStdin(id: string): string {
    return `${this.prefix}:job:${id}:stdin`;
  }

  /** Keys that cleanup deletes; the job record itself expires by retention. */
  jobScratch(id: string): string[] {
    return [this.jobInput(id), this.jobArtifact(id), this.jobArtifact(id, 'checker'), this.jobArtifact(id, 'interactor'), this.jobStdin(id)];
  }

  /** Compile cache: the compile stage result of one compilation, by its key (a hash). */
  compileCacheStage(key: string): string {
    return `${this.prefix}:compile-cache:${key}:stage`;
  }

  /** Compile cache: the artifact (agent file frames) of one successful compilation. */
  compileCacheArtifact(key: string): string {
    return `${this.prefix}:compile-cache:${key}:artifact`;
  }

  /** Compile cache: every entry's key scored by its last use (ms), for least-recently-used eviction. */
  compileCacheIndex(): string {
    return `${this.prefix}:compile-cache:index`;
  }

  /** Compile cache: the bytes each entry holds (stage and artifact), by its key. */
  compileCacheSizes(): string {
    return `${this.prefix}:compile-cache:sizes`;
  }

  /** Compile cache: the bytes of all entries together (the sum of compileCacheSizes). */
  compileCacheBytes(): string {
    return `${this.prefix}:compile-cache:bytes`;
  }

  /** A finished task's output (stdout, stderr, interleaving), by task id; read only to answer the job. */
  jobOutputs(id: string): string {
    return `${this.prefix}:job:${id}:outputs`;
  }

  /** A shared snippet (JSON), expiring by snippets.retentionSeconds. */
  snippet(id: string): string {
    return `${this.prefix}:snippet:${id}`;
  }

  /**
   * One API key's unfinished jobs: job id → its compile and run tasks and when
   * they were reserved (coordinator.perKey.maxTasks counts them).
   */
  keyTasks(keyId: string): string {
    return `${this.prefix}:key:${keyId}:tasks`;
  }

  /** Set of the key ids that have a keyTasks hash (the ledger audit walks it). */
  keysWithTasks(): string {
    return `${this.prefix}:keys-with-tasks`;
  }

  /** A caller's request count in its rate-limit window (coordinator.rateLimit); `caller` is the throttler's key, `default:key:<id>` or `default:address:<ip>`. */
  requestCount(caller: string): string {
    return `${this.prefix}:rate:${caller}`;
  }

  /** One API key's tasks running on one queue (worker.perKey.runningShare), scored by when their lease ends (ms). */
  keyRunning(keyId: string, queue: string): string {
    return `${this.prefix}:key:${keyId}:running:${queue}`;
  }

  /** One API key's tasks on one queue sent back for being over its running share, scored by when (ms). */
  keyParked(keyId: string, queue: string): string {
    return `${this.prefix}:key:${keyId}:parked:${queue}`;
  }

  /** The snippets one key keeps (`<bytes>:<id>`, scored by their expiry in ms), for its quota. */
  snippetQuota(owner: string): string {
    return `${this.prefix}:snippet-quota:${owner}`;
  }

  /** The bytes one key's snippets take (the sum of snippetQuota's entries). */
  snippetQuotaBytes(owner: string): string {
    return `${this.prefix}:snippet-quota:${owner}:bytes`;
  }

  /** A Judge0 submission's request attributes (JSON), by its token (the job's id); lives as long as a job record may. */
  judge0Submission(token: string): string {
    return `${this.prefix}:judge0:submission:${token}`;
  }

  /** A session's record (hash: meta, state, lastUsedAt...), by its id. */
  session(id: string): string {
    return `${this.prefix}:session:${id}`;
  }

  /** One API key's live sessions, scored by the time by which each ends (coordinator.sessions.maxPerKey counts them). */
  keySessions(keyId: string): string {
    return `${this.prefix}:key:${keyId}:sessions`;
  }

  /** Sorted set of live sessions, scored by their deadline (the coordinators' session sweeper walks it). */
  liveSessions(): string {
    return `${this.prefix}:live-sessions`;
  }

  /** Pub/sub: the commands for the sessions one worker instance holds. */
  sessionCommandsChannel(workerInstance: string): string {
    return `${this.prefix}:session-commands:${workerInstance}`;
  }

  /** Pub/sub: what workers say to one coordinator instance about its session requests. */
  sessionMessagesChannel(coordinatorInstance: string): string {
    return `${this.prefix}:session-messages:${coordinatorInstance}`;
  }

  /** The answer to one session request (JSON), until its coordinator takes it. */
  sessionReply(requestId: string): string {
    return `${this.prefix}:session-request:${requestId}:reply`;
  }

  /** The bytes that travel with one session request (an upload) or its answer (a download). */
  sessionTransfer(requestId: string, direction: 'in' | 'out'): string {
    return `${this.prefix}:session-request:${requestId}:${direction}`;
  }

  /** Stream of the workers' task events, read by the coordinators' consumer group; an entry is deleted once applied. */
  taskEvents(): string {
    return `${this.prefix}:task-events`;
  }

  /** Stream of task events no coordinator could apply (capped): kept for operators, not applied again. */
  taskEventsFailed(): string {
    return `${this.prefix}:task-events:failed`;
  }

  /** How many task events were applied: in all, or (with `minute`, epoch minutes) in that minute, kept two hours. */
  taskEventsApplied(minute?: number): string {
    return minute === undefined ? `${this.prefix}:task-events:applied` : `${this.prefix}:task-events:applied:${minute}`;
  }

  /** Hash of every node's latest heartbeat, by node id. */
  nodes(): string {
    return `${this.prefix}:nodes`;
  }

  /** Pub/sub: job ids whose jobs were cancelled (workers kill their sandboxes). */
  cancelChannel(): string {
    return `${this.prefix}:cancel`;
  }

  /** Pub/sub: job ids that reached a terminal state (coordinators wake their waiters). */
  jobDoneChannel(): string {
    return `${this.prefix}:job-done`;
  }
}
