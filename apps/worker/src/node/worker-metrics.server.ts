import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { KilnConfig } from '@kiln/config';
import { exposition } from '@kiln/telemetry';
import { TaskQueueConsumer } from '../tasks/task-queue.consumer';
import { WorkerMetrics } from '../metrics/worker-metrics';
import { SandboxChoice } from '../sandbox/sandbox-choice';

/**
 * The worker's only HTTP: a small server on its own port (telemetry.metrics)
 * with /metrics for Prometheus and /health for orchestrators (with the sandbox
 * tier in force and why). It serves no API.
 */
@Injectable()
export class WorkerMetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WorkerMetricsServer.name);
  private server?: Server;

  constructor(
    private readonly config: KilnConfig,
    private readonly metrics: WorkerMetrics,
    private readonly consumer: TaskQueueConsumer,
    private readonly sandbox: SandboxChoice,
  ) {}

  /** The bound port (0 before start or when disabled). */
  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  async onApplicationBootstrap(): Promise<void> {
    const { workerEnabled, workerHost, workerPort } = this.config.telemetry.metrics;
    if (!workerEnabled) return;
    this.server = createServer((request, response) => {
      void this.answer(request.method ?? 'GET', request.url ?? '/').then(({ status, type, body }) => {
        response.writeHead(status, { 'content-type': type }).end(body);
      });
    });
    await new Promise<void>((resolve, reject) => {
      // Named by its setting: several workers on one machine each need a port of their own.
      const refused = (error: Error) => reject(new Error(`cannot listen on ${workerHost}:${workerPort} (telemetry.metrics.workerPort): ${error.message}`));
      this.server!.once('error', refused).listen(workerPort, workerHost, () => resolve());
    });
    this.logger.log(`metrics and health on http://${workerHost}:${this.port}`);
  }

  async onApplicationShutdown(): Promise<void> {
    await new Promise((resolve) => (this.server ? this.server.close(resolve) : resolve(undefined)));
  }

  private async answer(method: string, url: string): Promise<{ status: number; type: string; body: string }> {
    const path = url.split('?')[0];
    if (method === 'GET' && path === '/metrics') {
      const { contentType, body } = await exposition(this.metrics.registry);
      return { status: 200, type: contentType, body };
    }
    if (method === 'GET' && path === '/health') {
      const reason = this.consumer.pauseReason();
      const state = { status: reason ? 'unavailable' : 'ok', running: this.consumer.running(), ...(reason ? { reason } : {}) };
      const body = JSON.stringify({ ...state, sandbox: this.sandbox });
      return { status: reason ? 503 : 200, type: 'application/json', body };
    }
    return { status: 404, type: 'application/json', body: JSON.stringify({ error: `Cannot ${method} ${path}` }) };
  }
}
