import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import Docker from 'dockerode';
import { Duplex } from 'node:stream';
import { KilnConfig } from '@kiln/config';
import { AgentSession } from '../agent/agent-session';
import { ContainerSpecBuilder, SANDBOX_LABEL, SandboxSpec, WORKER_LABEL } from './container-spec';
import { Sandbox, SandboxKilledError } from './sandbox';
import { WorkerIdentity } from '../heartbeat/worker-identity';
import { WorkerMetrics } from '../metrics/worker-metrics';

const AGENT_READY_TIMEOUT_MS = 15_000;
/** How long a cancelled job is remembered, so a task that starts after the cancel is refused. */
const CANCELLED_MEMORY_MS = 10 * 60_000;

/** The runtime image is not on this worker's engine: an operator's problem, said plainly. */
export class MissingImageError extends Error {}

/**
 * Creates single-use sandbox containers and guarantees their removal: every
 * container it made is tracked until the engine confirms it is gone.
 */
@Injectable()
export class SandboxFactory implements OnApplicationShutdown {
  private readonly logger = new Logger(SandboxFactory.name);
  private readonly live = new Map<string, Sandbox>();
  private readonly removals = new Set<Promise<void>>();
  private readonly stoppedJobs = new Map<string, number>();

  constructor(
    private readonly docker: Docker,
    private readonly config: KilnConfig,
    private readonly identity: WorkerIdentity,
    private readonly specs: ContainerSpecBuilder,
    private readonly metrics: WorkerMetrics,
  ) {}

  async create(spec: Omit<SandboxSpec, 'labels'> & { jobId: string; taskId: string }): Promise<Sandbox> {
    this.refuseStoppedJob(spec.jobId);
    const options = this.specs.build({
      ...spec,
      labels: {
        jobId: spec.jobId,
        taskId: spec.taskId,
        workerId: this.identity.id,
        instance: this.identity.instance,
        deployment: this.config.redis.prefix,
      },
    });
    const container = await this.metrics.timed('create', () => this.createContainer(options, spec.image));
    try {
      const stream = (await container.attach({
        stream: true,
        stdin: true,
        stdout: true,
        stderr: true,
        hijack: true,
      })) as unknown as Duplex;
      const session = new AgentSession(stream, (s, out, err) => container.modem.demuxStream(s, out, err));
      await this.metrics.timed('start', () => container.start());
      await withTimeout(session.ready(), AGENT_READY_TIMEOUT_MS, `the agent of ${spec.image} did not start`);
      const sandbox = new Sandbox(container, spec.jobId, session, this.config.sandbox.killGraceMs);
      this.live.set(container.id, sandbox);
      // A cancel may have arrived while the container was starting.
      if (this.stoppedJobs.has(spec.jobId)) await sandbox.kill('cancelled');
      return sandbox;
    } catch (error) {
      this.remove(container);
      throw error;
    }
  }

  /** Removes the sandbox in the background; shutdown waits for every removal. */
  destroy(sandbox: Sandbox): void {
    this.live.delete(sandbox.id);
    this.remove(sandbox.container);
  }

  /** Kills every sandbox of a job (cancellation, cleanup) and refuses new ones for it. */
  async killJob(jobId: string): Promise<number> {
    this.rememberStopped(jobId);
    const victims = [...this.live.values()].filter((sandbox) => sandbox.jobId === jobId);
    await Promise.all(victims.map((sandbox) => sandbox.kill('cancelled')));
    return victims.length;
  }

  /**
   * Kills every sandbox now (a shutdown past its grace period): their tasks
   * fail as Kiln's failures and BullMQ hands them to another worker.
   */
  async killAll(reason: string): Promise<number> {
    const victims = [...this.live.values()];
    await Promise.all(victims.map((sandbox) => sandbox.kill(reason)));
    return victims.length;
  }

  /** Last step of shutdown (after the task consumer stopped): remove everything this worker made. */
  async onApplicationShutdown(): Promise<void> {
    for (const sandbox of this.live.values()) this.destroy(sandbox);
    await Promise.allSettled([...this.removals]);
    await this.removeOwnLeftovers();
  }

  private rememberStopped(jobId: string): void {
    const now = Date.now();
    for (const [id, expiry] of this.stoppedJobs) if (expiry < now) this.stoppedJobs.delete(id);
    this.stoppedJobs.set(jobId, now + CANCELLED_MEMORY_MS);
  }

  private refuseStoppedJob(jobId: string): void {
    if ((this.stoppedJobs.get(jobId) ?? 0) > Date.now()) throw new SandboxKilledError(`job ${jobId} was stopped`);
  }

  private async createContainer(options: Docker.ContainerCreateOptions, image: string): Promise<Docker.Container> {
    try {
      return await this.docker.createContainer(options);
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) {
        throw new MissingImageError(`runtime image ${image} is not present on this worker; build it with \`npm run images\``);
      }
      throw error;
    }
  }

  private remove(container: Docker.Container): void {
    const removal = this.metrics
      .timed('remove', () => container.remove({ force: true, v: true }))
      .catch((error: { statusCode?: number; message: string }) => {
        if (error.statusCode !== 404) this.logger.warn(`could not remove sandbox ${container.id}: ${error.message}`);
      })
      .finally(() => this.removals.delete(removal));
    this.removals.add(removal);
  }

  private async removeOwnLeftovers(): Promise<void> {
    const leftovers = await this.docker
      .listContainers({ all: true, filters: { label: [`${SANDBOX_LABEL}=1`, `${WORKER_LABEL}=${this.identity.id}`] } })
      .catch(() => []);
    await Promise.allSettled(leftovers.map((c) => this.docker.getContainer(c.Id).remove({ force: true })));
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
