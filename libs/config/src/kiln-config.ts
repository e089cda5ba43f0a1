import { Type } from 'class-transformer';
import {
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { PRIORITY_RANGE } from '@kiln/tasks';

/** The message of a key that takes a whole number or `auto` (sized from the machine). */
const SIZED_INT = '$property must be a whole number or auto';
const PRIORITY_MIN = PRIORITY_RANGE.min;
const PRIORITY_MAX = PRIORITY_RANGE.max;

/**
 * The typed shape of config/kiln.yaml. Each class is validated at start-up;
 * a bad value stops the process with a message naming its key.
 */
export class RedisConfig {
  @Matches(/^rediss?:\/\//, { message: 'must be a redis:// or rediss:// URL' })
  url: string;

  @Matches(/^[A-Za-z0-9{}_.-]{1,64}$/, { message: 'must be 1-64 characters of letters, digits, {}_.-' })
  prefix: string;

  @IsBoolean()
  embedded: boolean;

  /** At start-up, how long to wait (retrying with backoff) for Redis to answer before giving up; 0: one try. */
  @IsInt() @Min(0) @Max(3_600_000) startupWaitMs: number;
}

export class EndpointsConfig {
  @IsBoolean() execute: boolean;
  @IsBoolean() jobs: boolean;
  @IsBoolean() languages: boolean;
  @IsBoolean() health: boolean;
  @IsBoolean() nodes: boolean;
  @IsBoolean() queues: boolean;
  @IsBoolean() metrics: boolean;
  @IsBoolean() playground: boolean;
  @IsBoolean() snippets: boolean;
  /** Piston v2 compatibility: /api/v2/runtimes and /api/v2/execute (docs/compat-piston.md). */
  @IsBoolean() piston: boolean;
  /** Judge0 CE compatibility under api.judge0.prefix (docs/compat-judge0.md). */
  @IsBoolean() judge0: boolean;
  /** MCP over Streamable HTTP at /mcp, its tools calling this API with the caller's key (README "MCP"). */
  @IsBoolean() mcp: boolean;
  /** POST /sessions and everything under /sessions/:id (docs/sessions.md). */
  @IsBoolean() sessions: boolean;
  /** The interactive runs' WebSocket at /interactive (README "Interactive runs"); with piston on, Piston's /api/v2/connect too. */
  @IsBoolean() interactive: boolean;
}

export class Judge0ApiConfig {
  /** Path prefix of the Judge0 endpoints; never empty, so Judge0's /languages cannot clash with Kiln's. */
  @Matches(/^(\/[A-Za-z0-9._~-]+)+$/, { message: 'must be a path like /judge0 (not empty, no trailing slash)' })
  prefix: string;
  /** Most submissions in one batch (Judge0's MAX_SUBMISSION_BATCH_SIZE). */
  @IsInt() @Min(1) @Max(1000) maxBatchSize: number;
}

export class ApiConfig {
  @ValidateNested() @Type(() => EndpointsConfig) endpoints: EndpointsConfig;
  @ValidateNested() @Type(() => Judge0ApiConfig) judge0: Judge0ApiConfig;
}

export class ExecuteConfig {
  @IsInt() @Min(0) @Max(600_000) waitMarginMs: number;
}

/** `auto` means: on or off by how exposed the API is (see api-exposure.ts). */
export const EXPOSURE_MODES = ['auto', 'on', 'off'] as const;
export type ExposureMode = (typeof EXPOSURE_MODES)[number];

export class AuthConfig {
  @IsIn(EXPOSURE_MODES as unknown as string[]) mode: ExposureMode;
  @IsArray() @IsString({ each: true }) @MinLength(16, { each: true, message: 'each key must be at least 16 characters' })
  keys: string[];
}

export class RateLimitConfig {
  @IsIn(EXPOSURE_MODES as unknown as string[]) mode: ExposureMode;
  @IsInt() @Min(1000) windowMs: number;
  /** Requests per window of each API key. */
  @IsInt() @Min(1) perKey: number;
  /** Requests per window of each client address that presents no valid key (none, a wrong one, keys off). */
  @IsInt() @Min(1) perAddress: number;
}

/** A host name (or IP address) as a client writes it in `Host`, without scheme, port or path. */
const HOST_NAME = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])$/;

export class HostCheckConfig {
  @IsIn(EXPOSURE_MODES as unknown as string[]) mode: ExposureMode;
  @IsArray()
  @Matches(HOST_NAME, { each: true, message: 'each allowed host must be a host name or IP address without scheme or port (kiln.example.org, 10.0.0.5, [fd00::1])' })
  allowedHosts: string[];
}

export class CorsConfig {
  @IsArray() @Matches(/^https?:\/\/[^/\s]+$/, { each: true, message: 'each origin must look like https://host[:port]' })
  origins: string[];
}

export class WebhooksConfig {
  @IsString() secret: string;
  @IsBoolean() allowPrivate: boolean;
  @IsInt() @Min(1) @Max(20) attempts: number;
  @IsInt() @Min(10) backoffMs: number;
  /** Total time of one delivery attempt (connection, request, answer), however slowly the receiver trickles. */
  @IsInt() @Min(100) @Max(300_000) timeoutMs: number;
  /** Deliveries under way at once in one coordinator process. */
  @IsInt() @Min(1) @Max(256) concurrency: number;
  /** Of those, how many one API key's jobs may hold (jobs made without a key count as one key). */
  @IsInt() @Min(1) @Max(256) perKeyConcurrency: number;
}

/** Limits of one API key that differ from coordinator.perKey's (see PerKeyConfig). */
export class PerKeyOverride {
  /** The API key itself (one of coordinator.auth.keys); never printed in an error. */
  @IsString() key: string;
  @IsOptional() @IsInt() @Min(1) maxTasks?: number;
  @IsOptional() @IsInt() @Min(PRIORITY_MIN) @Max(PRIORITY_MAX) maxPriority?: number;
}

/**
 * What one API key may claim of a shared Kiln (admission, on the coordinator;
 * the running share is the worker's, worker.perKey). Without API keys there
 * is one tenant and none of this applies.
 */
export class PerKeyConfig {
  /** Compile and run tasks of one key's unfinished jobs, waiting or running, together. */
  @IsInt() @Min(1) maxTasks: number;
  /** Highest `priority` one key may ask for; above it the request is refused (400). */
  @IsInt() @Min(PRIORITY_MIN) @Max(PRIORITY_MAX) maxPriority: number;
  @IsArray() @ValidateNested({ each: true }) @Type(() => PerKeyOverride) overrides: PerKeyOverride[];
}

/**
 * Sessions as the coordinator admits and serves them (docs/sessions.md); the
 * sandboxes' limits are limits.* as for jobs, the sessions one worker holds
 * worker.sessions.*.
 */
export class CoordinatorSessionsConfig {
  /** Live sessions of one API key at once (429 past it); without keys there is one tenant and no such limit. */
  @IsInt() @Min(1) @Max(10_000) maxPerKey: number;
  /** A session's sandbox is removed after this long without a request, unless it asks for another (idleTimeoutMs). */
  @IsInt() @Min(1000) idleTimeoutMs: number;
  /** The most a session may ask for. */
  @IsInt() @Min(1000) maxIdleTimeoutMs: number;
  /** However busy, a session ends this long after it was made. */
  @IsInt() @Min(10_000) maxLifetimeMs: number;
  /** A worker that neither takes a session's request nor says it is still at it for this long is taken for gone (503). */
  @IsInt() @Min(500) @Max(120_000) workerTimeoutMs: number;
  /** Largest file one PUT /sessions/:id/files/<path> may upload, bytes (the session's disk bounds them all together). */
  @IsInt() @Min(1024) @Max(256 << 20) maxFileBytes: number;
  /** How long an ended session still answers 410 with why it ended (then 404), seconds. */
  @IsInt() @Min(60) retentionSeconds: number;
}

/** Interactive runs (README "Interactive runs"): a job whose stdin a WebSocket client sends while it runs. */
export class CoordinatorInteractiveConfig {
  /** Most stdin one interactive job may be sent while it runs, bytes (beyond: refused, the run goes on). */
  @IsInt() @Min(1) @Max(256 << 20) maxStdinBytes: number;
  /** A WebSocket that has not sent its job request this long after connecting is closed, ms. */
  @IsInt() @Min(100) @Max(600_000) startTimeoutMs: number;
}

export class CoordinatorConfig {
  @IsString() @MinLength(1) host: string;
  @IsInt() @Min(0) @Max(65535) port: number;
  @IsInt() @Min(1024) @Max(64 << 20) bodyLimitBytes: number;
  @ValidateNested() @Type(() => AuthConfig) auth: AuthConfig;
  @ValidateNested() @Type(() => HostCheckConfig) hostCheck: HostCheckConfig;
  @ValidateNested() @Type(() => RateLimitConfig) rateLimit: RateLimitConfig;
  @ValidateNested() @Type(() => CorsConfig) cors: CorsConfig;
  @IsArray() @ArrayNotEmpty() @Matches(/^[a-z0-9][a-z0-9_-]{0,31}$/, { each: true, message: 'each queue name must be 1-32 of a-z, 0-9, _ and -' })
  queues: string[];
  @IsInt() @Min(1) maxQueuedTasks: number;
  /** Attempts of a task whose failure is Kiln's, set on each task as it is enqueued. */
  @IsInt() @Min(1) @Max(10) taskAttempts: number;
  @ValidateNested() @Type(() => PerKeyConfig) perKey: PerKeyConfig;
  @ValidateNested() @Type(() => WebhooksConfig) webhooks: WebhooksConfig;
  @ValidateNested() @Type(() => ApiConfig) api: ApiConfig;
  @ValidateNested() @Type(() => ExecuteConfig) execute: ExecuteConfig;
  @ValidateNested() @Type(() => CoordinatorSessionsConfig) sessions: CoordinatorSessionsConfig;
  @ValidateNested() @Type(() => CoordinatorInteractiveConfig) interactive: CoordinatorInteractiveConfig;
  @IsInt() @Min(0) shutdownGraceMs: number;
}

/**
 * What every node acts on, workers and coordinators alike: each beats every
 * heartbeatMs; a node silent for timeoutMs is OFFLINE to every other
 * (coordinators stop counting a worker for /health and admission, workers'
 * orphan reapers remove its sandboxes and their fair share stops counting
 * its slots). Every machine of a deployment should have the same values.
 */
export class NodesConfig {
  @IsInt() @Min(100) heartbeatMs: number;
  @IsInt() @Min(1000) timeoutMs: number;
}

export class CompileCacheConfig {
  @IsBoolean() enabled: boolean;
  @IsInt() @Min(60) ttlSeconds: number;
  @IsInt() @Min(1) @Max(1_000_000) maxEntries: number;
  /** All entries together (stages and artifacts), MiB. */
  @IsInt() @Min(1) @Max(1 << 20) maxMb: number;
  @IsInt() @Min(1) @Max(256) maxEntryMb: number;
}

export class WorkerPerKeyConfig {
  /**
   * Share of a queue's task slots (the concurrency of every live worker on
   * that queue, together) that one API key's tasks may hold at once; at least
   * one task. 1: no running limit.
   */
  @IsNumber() @Min(0.01) @Max(1) runningShare: number;
}

/** The sessions one worker holds (docs/sessions.md). */
export class WorkerSessionsConfig {
  /** Sessions this worker holds at once, each a sandbox of its own beside the tasks' (0: it takes none). */
  @IsInt() @Min(0) @Max(1000) max: number;
  /** Stateful contexts (live interpreters) of one session at once; the sandbox's agent keeps at most 8 programs. */
  @IsInt() @Min(1) @Max(8) maxContexts: number;
}

export class WorkerConfig {
  @IsArray() @ArrayNotEmpty() @Matches(/^[a-z0-9][a-z0-9_-]{0,31}$/, { each: true, message: 'each queue name must be 1-32 of a-z, 0-9, _ and -' })
  queues: string[];
  /** Tasks run at once; `auto` in the file: sized from the CPUs at start-up (machine-sizing.ts). */
  @IsInt({ message: SIZED_INT }) @Min(1) @Max(256) concurrency: number;
  @IsInt() @Min(0) shutdownGraceMs: number;
  @IsString() id: string;
  @IsInt() @Min(1000) lockDurationMs: number;
  @IsInt() @Min(1000) stalledIntervalMs: number;
  @IsInt() @Min(0) @Max(10) maxStalledCount: number;
  @ValidateNested() @Type(() => WorkerPerKeyConfig) perKey: WorkerPerKeyConfig;
  @ValidateNested() @Type(() => CompileCacheConfig) compileCache: CompileCacheConfig;
  @ValidateNested() @Type(() => WorkerSessionsConfig) sessions: WorkerSessionsConfig;
}

/** The sandbox tiers: a fresh container per task (the strict tier), or fresh nested sandboxes in pooled containers. */
export const SANDBOX_MODES = ['container', 'nested'] as const;
export type SandboxMode = (typeof SANDBOX_MODES)[number];
/** sandbox.mode as configured: a tier, or `auto` (nested where the host allows it, else container; apps/worker/src/runtime-choice.ts). */
export const SANDBOX_MODE_SETTINGS = ['auto', ...SANDBOX_MODES] as const;
export type SandboxModeSetting = (typeof SANDBOX_MODE_SETTINGS)[number];

export class PoolConfig {
  /** `auto` in the file: worker.concurrency (machine-sizing.ts). */
  @IsInt({ message: SIZED_INT }) @Min(0) @Max(64) size: number;
  @IsArray() @IsString({ each: true }) warm: string[];
  @IsInt() @Min(1000) demandWindowMs: number;
  /** `auto` in the file: the CPUs (machine-sizing.ts). */
  @IsInt({ message: SIZED_INT }) @Min(1) @Max(32) launchConcurrency: number;
  @IsInt() @Min(10_000) maxIdleMs: number;
}

export class NestedConfig {
  @IsInt() @Min(1) @Max(100_000) tasksPerContainer: number;
  @IsString() seccompProfile: string;
  @IsInt() @Min(0) @Max(3_600_000) nameAfterMs: number;
}

export class SandboxConfig {
  @IsIn(SANDBOX_MODE_SETTINGS as unknown as string[]) mode: SandboxModeSetting;
  @ValidateNested() @Type(() => PoolConfig) pool: PoolConfig;
  @ValidateNested() @Type(() => NestedConfig) nested: NestedConfig;
  @IsString() @Matches(/^[a-z][a-z0-9_.-]*$/) runtime: string;
  @IsString() seccompProfile: string;
  @Matches(/^[1-9][0-9]*:[1-9][0-9]*$/, { message: 'must be a non-root numeric uid:gid' }) user: string;
  @IsInt() @Min(1) @Max(4096) workspaceMb: number;
  @IsInt() @Min(1) @Max(1024) tmpMb: number;
  @IsInt() @Min(1) @Max(1024) shmMb: number;
  @IsInt() @Min(16) @Max(65536) nofile: number;
  @IsInt() @Min(1) @Max(4096) fileSizeMb: number;
  @IsInt() @Min(1) @Max(1024) artifactMaxMb: number;
  @IsInt() @Min(100) @Max(60_000) killGraceMs: number;
  @IsInt() @Min(100) reaperIntervalMs: number;
  @IsInt() @Min(60_000) maxContainerAgeMs: number;
}

export class LimitValues {
  @IsInt() @Min(100) timeoutMs: number;
  @IsInt() @Min(16) memoryMb: number;
  @IsNumber() @Min(0.1) cpus: number;
  @IsInt() @Min(4) processes: number;
  @IsInt() @Min(1024) outputBytes: number;
  @IsInt() @Min(1024) @Max(1 << 30) jobOutputBytes: number;
  @IsInt() @Min(1000) compileTimeoutMs: number;
  @IsInt() @Min(64) compileMemoryMb: number;
}

export class LimitsConfig {
  @ValidateNested() @Type(() => LimitValues) defaults: LimitValues;
  @ValidateNested() @Type(() => LimitValues) maxima: LimitValues;
}

/** Files a job's runs return from their workspaces (`outputFiles` of a request). */
export class OutputFilesConfig {
  /** Patterns in one request. */
  @IsInt() @Min(0) @Max(256) maxPatterns: number;
  /** Files one run (or test) returns at most; the job's output budget bounds their bytes. */
  @IsInt() @Min(1) @Max(1000) maxFiles: number;
}

export class JobsConfig {
  @IsInt() @Min(60) retentionSeconds: number;
  @IsInt() @Min(10_000) deadlineMs: number;
  @IsInt() @Min(1) @Max(1000) maxFiles: number;
  @IsInt() @Min(8) @Max(255) maxFileNameLength: number;
  @IsInt() @Min(1024) maxSourceBytes: number;
  @IsInt() @Min(0) maxStdinBytes: number;
  @IsInt() @Min(0) @Max(4096) maxArgs: number;
  @IsInt() @Min(1) maxArgBytes: number;
  @IsInt() @Min(0) @Max(10_000) maxTests: number;
  @IsInt() @Min(1) @Max(1000) testBatchSize: number;
  @ValidateNested() @Type(() => OutputFilesConfig) outputFiles: OutputFilesConfig;
}

export class SnippetsConfig {
  @IsInt() @Min(60) retentionSeconds: number;
  @IsInt() @Min(256) @Max(16 << 20) maxBytes: number;
  /** What one API key's snippets may take together, bytes (all callers together when keys are off). */
  @IsInt() @Min(1024) @Max(1 << 30) quotaBytesPerKey: number;
}

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export class LoggingConfig {
  @IsIn(LOG_LEVELS as unknown as string[]) level: LogLevel;
}

export const TRACE_EXPORTERS = ['none', 'console', 'otlp'] as const;

export class TracingConfig {
  @IsIn(TRACE_EXPORTERS as unknown as string[]) exporter: (typeof TRACE_EXPORTERS)[number];
  @Matches(/^https?:\/\//, { message: 'must be an http(s) URL' }) otlpEndpoint: string;
  @IsInt() @Min(10) flushMs: number;
}

export class MetricsConfig {
  @IsBoolean() workerEnabled: boolean;
  @IsString() @MinLength(1) workerHost: string;
  @IsInt() @Min(0) @Max(65535) workerPort: number;
}

export class TelemetryConfig {
  @ValidateNested() @Type(() => TracingConfig) tracing: TracingConfig;
  @ValidateNested() @Type(() => MetricsConfig) metrics: MetricsConfig;
}

export class KilnConfig {
  @ValidateNested() @Type(() => LoggingConfig) logging: LoggingConfig;
  @ValidateNested() @Type(() => TelemetryConfig) telemetry: TelemetryConfig;
  @ValidateNested() @Type(() => RedisConfig) redis: RedisConfig;
  @ValidateNested() @Type(() => NodesConfig) nodes: NodesConfig;
  @ValidateNested() @Type(() => CoordinatorConfig) coordinator: CoordinatorConfig;
  @ValidateNested() @Type(() => WorkerConfig) worker: WorkerConfig;
  @ValidateNested() @Type(() => SandboxConfig) sandbox: SandboxConfig;
  @ValidateNested() @Type(() => LimitsConfig) limits: LimitsConfig;
  @ValidateNested() @Type(() => JobsConfig) jobs: JobsConfig;
  @ValidateNested() @Type(() => SnippetsConfig) snippets: SnippetsConfig;
}

export const RUN_MODES = ['standalone', 'coordinator', 'worker'] as const;
export type RunMode = (typeof RUN_MODES)[number];
export const isRunMode = (value: string): value is RunMode => (RUN_MODES as readonly string[]).includes(value);
