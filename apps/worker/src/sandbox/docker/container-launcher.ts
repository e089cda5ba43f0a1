import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { Duplex } from 'node:stream';
import { KilnConfig } from '@kiln/config';
import { AgentSession } from '../../agent/agent-session';
import { WorkerIdentity } from '../../identity/worker-identity';
import { WorkerMetrics } from '../../metrics/worker-metrics';
import { SandboxLimits } from '../sandbox-runtime';
import { ContainerSpecBuilder, DEPLOYMENT_LABEL, SANDBOX_LABEL, WORKER_LABEL } from './container-spec';
import type { PoolLauncher } from './container-pool';
import { DOCKER_TIER, DockerTier } from './docker-tier';
import { WarmContainer } from './warm-container';

const AGENT_READY_TIMEOUT_MS = 15_000;

/** The runtime image is not on this worker's engine: an operator's problem, said plainly. */
export class MissingImageError extends Error {}

/** The agent (or, in nested mode, the first nested sandbox) never said hello. */
export class AgentStartError extends Error {}

/**
 * Starts sandbox containers and guarantees their removal: every container it
 * made is removed in the background when asked, and whatever this worker
 * still owns is removed at shutdown.
 */
@Injectable()
export class ContainerLauncher implements PoolLauncher<WarmContainer>, OnApplicationShutdown {
  private readonly logger = new Logger(ContainerLauncher.name);
  private readonly removals = new Map<string, Promise<void>>();

  constructor(
    private readonly docker: Docker,
    private readonly config: KilnConfig,
    private readonly identity: WorkerIdentity,
    private readonly specs: ContainerSpecBuilder,
    private readonly metrics: WorkerMetrics,
    @Inject(DOCKER_TIER) private readonly tier: DockerTier,
  ) {}

  /** The configuration of a sandbox container started ahead of any task (no job or task labels). */
  optionsFor(image: string, limits: SandboxLimits): Docker.ContainerCreateOptions {
    const { id: workerId, instance } = this.identity;
    return this.specs.build({ image, limits, labels: { jobId: '', taskId: '', workerId, instance, deployment: this.config.redis.prefix } });
  }

  /** Container names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*; the prefix may hold braces. */
  containerName(...parts: string[]): string {
    return ['kiln', this.config.redis.prefix, ...parts].join('-').replace(/[^a-zA-Z0-9_.-]/g, '_');
  }

  /** Create, attach before start (so no output is lost), start, wait for the agent's hello. */
  async launch(options: Docker.ContainerCreateOptions, limits: SandboxLimits): Promise<WarmContainer> {
    const image = options.Image ?? '';
    const name = this.containerName('ready', randomBytes(6).toString('hex'));
    const container = await this.createContainer({ ...options, name }, image);
    try {
      const stream = (await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as unknown as Duplex;
      const session = new AgentSession(stream, (s, out, err) => container.modem.demuxStream(s, out, err));
      await this.metrics.timed('start', () => container.start());
      await this.agentReady(session, image);
      return new WarmContainer(container, session, image, limits, this.tier.sandboxPerTask);
    } catch (error) {
      await this.removeContainer(container);
      throw error;
    }
  }

  /**
   * Removes the container (once, however often asked); callers need not wait,
   * shutdown waits for every removal.
   */
  remove(warm: WarmContainer): Promise<void> {
    return this.removeContainer(warm.container);
  }

  /** Every removal asked for so far has ended. */
  async removalsSettled(): Promise<void> {
    await Promise.allSettled([...this.removals.values()]);
  }

  /** Last step of shutdown (after the pool drained): remove everything this worker made. */
  async onApplicationShutdown(): Promise<void> {
    await this.removalsSettled();
    const leftovers = await this.docker
      .listContainers({
        all: true,
        filters: { label: [`${SANDBOX_LABEL}=1`, `${WORKER_LABEL}=${this.identity.id}`, `${DEPLOYMENT_LABEL}=${this.config.redis.prefix}`] },
      })
      .catch(() => []);
    await Promise.allSettled(leftovers.map((c) => this.docker.getContainer(c.Id).remove({ force: true })));
  }

  private removeContainer(container: Docker.Container): Promise<void> {
    const pending = this.removals.get(container.id);
    if (pending) return pending;
    const removal = this.metrics
      .timed('remove', () => container.remove({ force: true, v: true }))
      .catch((error: { statusCode?: number; message: string }) => {
        // 404: already gone; 409: the engine is already removing it.
        if (error.statusCode !== 404 && error.statusCode !== 409) {
          this.logger.warn(`could not remove sandbox ${container.id}: ${error.message}`);
        }
      })
      .finally(() => this.removals.delete(container.id));
    this.removals.set(container.id, removal);
    return removal;
  }

  private async agentReady(session: AgentSession, image: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no hello within ${AGENT_READY_TIMEOUT_MS} ms`)), AGENT_READY_TIMEOUT_MS);
    });
    try {
      await Promise.race([session.ready(), timeout]);
    } catch (error) {
      const said = [session.refusalText, session.diagnosticText()].filter(Boolean).join('; ');
      throw new AgentStartError(`the agent of ${image} did not start (${(error as Error).message})${said ? `: ${said}` : ''}`);
    } finally {
      clearTimeout(timer);
    }
  }

  private async createContainer(options: Docker.ContainerCreateOptions, image: string): Promise<Docker.Container> {
    try {
      return await this.metrics.timed('create', () => this.docker.createContainer(options));
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) {
        throw new MissingImageError(`runtime image ${image} is not present on this worker; build it with \`npm run images\``);
      }
      throw error;
    }
  }
}
