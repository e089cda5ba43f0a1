import { Limits } from '../limits/limits';
import { JobState } from './job-state';
import { StageResult } from './stage-result';
import { TaskKind, TaskPlan, TaskState } from './task';
import { Verdict } from './verdict';

export interface SourceFile {
  name: string;
  /** base64: the store and the wire stay binary-safe whatever the request encoding was. */
  contentBase64: string;
}

/** The program and its inputs; stored once per job, read by the workers. */
export interface JobInput {
  files: SourceFile[];
  stdinBase64: string;
  args: string[];
}

/** Immutable facts about a job, fixed when it is planned. */
export interface JobMeta {
  id: string;
  language: string;
  compiled: boolean;
  limits: Limits;
  plan: TaskPlan[];
  createdAt: string;
  /** Named queue the job's tasks go to, and their priority (1–10). */
  queue: string;
  priority: number;
  webhook?: string;
  /** Id of the API key that created the job; only that key may read or cancel it. */
  owner?: string;
}

export interface TaskRecord {
  id: string;
  kind: TaskKind;
  state: TaskState;
  workerId?: string;
  startedAt?: string;
  finishedAt?: string;
  error?: string;
  compile?: StageResult;
  run?: StageResult;
}

/** A job as the store holds it: meta plus the mutable parts. */
export interface JobRecord {
  meta: JobMeta;
  state: JobState;
  verdict: Verdict | null;
  tasks: Record<string, TaskRecord>;
  error?: string;
  finishedAt?: string;
}

/** The public answer of /execute and GET /jobs/:id (DESIGN.md's contract). */
export interface JobView {
  id: string;
  state: JobState;
  verdict: Verdict | null;
  language: string;
  compile: StageResult | null;
  run: StageResult | null;
  tests: unknown[];
  tasks: { id: string; kind: TaskKind; state: TaskState; workerId: string | null }[];
  error?: string;
  createdAt: string;
  finishedAt: string | null;
}
