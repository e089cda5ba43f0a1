import { Inject, Injectable } from '@nestjs/common';
import type { ContainerCreateOptions } from 'dockerode';
import { KilnConfig, SandboxConfig, SandboxMode } from '@kiln/config';
import { SandboxLimits } from '../sandbox-runtime';
import { DOCKER_TIER, DockerTier } from './docker-tier';
import { GVISOR_RUNTIME, asGvisorContainer } from './gvisor-spec';

/** Label keys on every sandbox container; the reaper and the tests find them by these. */
export const SANDBOX_LABEL = 'kiln.sandbox';
export const JOB_LABEL = 'kiln.job';
export const TASK_LABEL = 'kiln.task';
export const WORKER_LABEL = 'kiln.worker';
/** The worker process (one start of it) that owns the container: the orphan reaper's key. */
export const INSTANCE_LABEL = 'kiln.instance';
export const CREATED_LABEL = 'kiln.created';
/** The Redis prefix of the Kiln deployment: two deployments may share one engine. */
export const DEPLOYMENT_LABEL = 'kiln.deployment';
/** The sandbox mode the container was made for (`container` or `nested`). */
export const MODE_LABEL = 'kiln.mode';
export const WORKSPACE = '/workspace';
export const AGENT_PATH = '/usr/local/bin/kiln-agent';

export interface SandboxSpec {
  image: string;
  limits: SandboxLimits;
  labels: { jobId: string; taskId: string; workerId: string; instance: string; deployment: string };
}

const MiB = 1024 * 1024;

/** What a tier sets in every container it makes. */
export interface TierMarks {
  mode: SandboxMode;
  /** The `seccomp=` security option (seccomp-option.ts). */
  seccomp: string;
}

/**
 * The container configuration of every sandbox: the sandbox rules of
 * SECURITY.md in one place. Nothing from the host reaches it: no network, no
 * mounts, no environment, no capabilities. Files and commands travel over the
 * attached stdin to the agent, which is PID 1 (and the zombie reaper). A tier
 * may reshape it (nested/nested-outer-spec.ts), never loosen what it does not
 * name. Under gVisor the process limit moves inside its kernel (gvisor-spec.ts).
 */
export function buildContainerSpec(spec: SandboxSpec, sandbox: SandboxConfig, tier: TierMarks): ContainerCreateOptions {
  const memory = spec.limits.memoryMb * MiB;
  const [uid, gid] = sandbox.user.split(':');
  const options: ContainerCreateOptions = {
    Image: spec.image,
    Entrypoint: [AGENT_PATH],
    Cmd: ['--workspace', WORKSPACE],
    User: sandbox.user,
    WorkingDir: WORKSPACE,
    Env: ['LANG=C.UTF-8'],
    Hostname: 'sandbox',
    NetworkDisabled: true,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    OpenStdin: true,
    // The agent sees EOF (and exits) as soon as the worker's attach goes away.
    StdinOnce: true,
    Tty: false,
    Labels: {
      [SANDBOX_LABEL]: '1',
      [JOB_LABEL]: spec.labels.jobId,
      [TASK_LABEL]: spec.labels.taskId,
      [WORKER_LABEL]: spec.labels.workerId,
      [INSTANCE_LABEL]: spec.labels.instance,
      [DEPLOYMENT_LABEL]: spec.labels.deployment,
      [CREATED_LABEL]: String(Date.now()),
      [MODE_LABEL]: tier.mode,
    },
    HostConfig: {
      NetworkMode: 'none',
      CapDrop: ['ALL'],
      // The tier's own profile (seccomp/README.md), never the engine's built-in one.
      SecurityOpt: ['no-new-privileges', tier.seccomp],
      ReadonlyRootfs: true,
      Tmpfs: {
        [WORKSPACE]: `rw,exec,nosuid,nodev,size=${sandbox.workspaceMb}m,uid=${uid},gid=${gid},mode=0700`,
        '/tmp': `rw,noexec,nosuid,nodev,size=${sandbox.tmpMb}m,mode=1777`,
      },
      IpcMode: 'private',
      ShmSize: sandbox.shmMb * MiB,
      // One more than the program's processes: the agent itself.
      PidsLimit: spec.limits.processes + 1,
      Memory: memory,
      // Equal to Memory: no swap, so the memory limit is a real limit.
      MemorySwap: memory,
      NanoCpus: Math.round(spec.limits.cpus * 1e9),
      Ulimits: [
        { Name: 'nofile', Soft: sandbox.nofile, Hard: sandbox.nofile },
        { Name: 'fsize', Soft: sandbox.fileSizeMb * MiB, Hard: sandbox.fileSizeMb * MiB },
        // A crash must never hand a core to the host's core_pattern handler.
        { Name: 'core', Soft: 0, Hard: 0 },
      ],
      // The agent is the init; docker-init would be a same-uid process holding the attach pipes.
      Init: false,
      Privileged: false,
      // Output only travels over the attach stream; nothing is written to the host's disk.
      LogConfig: { Type: 'none', Config: {} },
      AutoRemove: false,
      ...(sandbox.runtime !== 'runc' ? { Runtime: sandbox.runtime } : {}),
    },
  };
  return sandbox.runtime === GVISOR_RUNTIME ? asGvisorContainer(options, spec.limits) : options;
}

/** The tier's container configuration as an injectable, so every sandbox is built by one object. */
@Injectable()
export class ContainerSpecBuilder {
  constructor(
    private readonly config: KilnConfig,
    @Inject(DOCKER_TIER) private readonly tier: DockerTier,
  ) {}

  build(spec: SandboxSpec): ContainerCreateOptions {
    return this.tier.containerSpec(spec, this.config.sandbox);
  }
}
