import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ReportedStage, TaskPayload } from '@kiln/tasks';
import { LATENCY_BUCKETS } from '@kiln/telemetry';

export type TaskOutcome = 'completed' | 'failed' | 'retried' | 'cancelled' | 'skipped';
export type ContainerOperation = 'create' | 'start' | 'update' | 'remove';

/** The worker's metrics, in a registry of its own; labels never carry a job id. */
@Injectable()
export class WorkerMetrics {
  readonly registry = new Registry();

  private readonly tasks = new Counter({
    name: 'kiln_tasks_total',
    help: 'Tasks this worker processed, by kind, language and outcome.',
    labelNames: ['kind', 'language', 'outcome'],
    registers: [this.registry],
  });

  private readonly parked = new Counter({
    name: 'kiln_tasks_parked_total',
    help: "Tasks sent back to wait because their API key held its running share (worker.perKey.runningShare).",
    labelNames: ['kind', 'queue'],
    registers: [this.registry],
  });

  private readonly inFlight = new Gauge({
    name: 'kiln_tasks_in_flight',
    help: 'Tasks running on this worker now.',
    registers: [this.registry],
  });

  private readonly queueWait = new Histogram({
    name: 'kiln_task_queue_wait_seconds',
    help: 'Time from enqueue to a worker starting the task.',
    labelNames: ['kind', 'queue'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  private readonly executions = new Histogram({
    name: 'kiln_execution_duration_seconds',
    help: 'Wall time of each compile or run in a sandbox, as the agent measured it.',
    labelNames: ['step', 'language', 'verdict'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  private readonly outputBytes = new Counter({
    name: 'kiln_output_bytes_total',
    help: 'Output bytes kept from programs and compilers, by stream.',
    labelNames: ['stream'],
    registers: [this.registry],
  });

  private readonly containerOperations = new Histogram({
    name: 'kiln_container_operation_duration_seconds',
    help: 'Latency of Docker Engine API calls on sandbox containers.',
    labelNames: ['operation'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly poolReady = new Gauge({
    name: 'kiln_pool_ready_containers',
    help: 'Warm sandboxes ready per image.',
    labelNames: ['image'],
    registers: [this.registry],
  });

  readonly poolCheckouts = new Counter({
    name: 'kiln_pool_checkouts_total',
    help: 'Sandbox checkouts per image: hit (a warm one was ready) or miss (created on demand).',
    labelNames: ['image', 'result'],
    registers: [this.registry],
  });

  taskStarted(task: TaskPayload): void {
    this.inFlight.inc();
    this.queueWait.observe({ kind: task.kind, queue: task.queue }, Math.max(0, (Date.now() - task.enqueuedAt) / 1000));
  }

  taskParked(task: TaskPayload): void {
    this.parked.inc({ kind: task.kind, queue: task.queue });
  }

  taskEnded(task: TaskPayload, outcome: TaskOutcome): void {
    this.inFlight.dec();
    this.tasks.inc({ kind: task.kind, language: task.language, outcome });
  }

  execution(step: 'compile' | 'run', language: string, stage: ReportedStage): void {
    this.executions.observe({ step, language, verdict: stage.verdict }, stage.wallTimeMs / 1000);
    this.outputBytes.inc({ stream: 'stdout' }, Buffer.byteLength(stage.stdout));
    this.outputBytes.inc({ stream: 'stderr' }, Buffer.byteLength(stage.stderr));
  }

  /** Times a Docker call on a sandbox container. */
  async timed<T>(operation: ContainerOperation, call: () => Promise<T>): Promise<T> {
    const end = this.containerOperations.startTimer({ operation });
    try {
      return await call();
    } finally {
      end();
    }
  }
}
