import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { KilnConfig } from '@kiln/config';
import { TaskQueueRepository } from '@kiln/store';
import { JobRecord } from '@kiln/tasks';
import { LATENCY_BUCKETS } from '@kiln/telemetry';

const QUEUE_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'failed'] as const;

/**
 * The coordinator's metrics, in a registry of its own (labels stay
 * low-cardinality: language, state, verdict, queue — never a job id).
 */
@Injectable()
export class CoordinatorMetrics {
  readonly registry = new Registry();

  private readonly submitted = new Counter({
    name: 'kiln_jobs_submitted_total',
    help: 'Jobs accepted, by language and queue.',
    labelNames: ['language', 'queue'],
    registers: [this.registry],
  });

  private readonly finished = new Counter({
    name: 'kiln_jobs_finished_total',
    help: 'Jobs that reached a terminal state, by language, state and verdict.',
    labelNames: ['language', 'state', 'verdict'],
    registers: [this.registry],
  });

  private readonly duration = new Histogram({
    name: 'kiln_job_duration_seconds',
    help: 'End-to-end latency from acceptance to the terminal state.',
    labelNames: ['language', 'state'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  private readonly webhooks = new Counter({
    name: 'kiln_webhook_deliveries_total',
    help: 'Webhook delivery attempts, by outcome (delivered, retrying, gave_up).',
    labelNames: ['outcome'],
    registers: [this.registry],
  });

  constructor(tasks: TaskQueueRepository, config: KilnConfig) {
    new Gauge({
      name: 'kiln_queue_tasks',
      help: 'Tasks in each BullMQ task queue, by state (read at scrape time).',
      labelNames: ['queue', 'state'],
      registers: [this.registry],
      async collect() {
        for (const name of config.coordinator.queues) {
          const counts = await tasks.counts(name, QUEUE_STATES);
          for (const state of QUEUE_STATES) this.set({ queue: name, state }, counts[state] ?? 0);
        }
      },
    });
  }

  jobSubmitted(job: JobRecord): void {
    this.submitted.inc({ language: job.meta.language, queue: job.meta.queue });
  }

  jobFinished(job: JobRecord): void {
    const labels = { language: job.meta.language, state: job.state };
    this.finished.inc({ ...labels, verdict: job.verdict ?? 'NONE' });
    const seconds = (Date.parse(job.finishedAt ?? new Date().toISOString()) - Date.parse(job.meta.createdAt)) / 1000;
    this.duration.observe(labels, Math.max(0, seconds));
  }

  webhookAttempt(outcome: 'delivered' | 'retrying' | 'gave_up'): void {
    this.webhooks.inc({ outcome });
  }
}
