import { randomBytes } from 'node:crypto';
import { mkdtempSync, unlinkSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import type { ContainerCreateOptions } from 'dockerode';
import { ContainerSpecBuilder } from '../../apps/worker/src/sandbox/docker/container-spec';
import { SandboxExecutor } from '../../apps/worker/src/tasks/sandbox-executor';
import { greetingListener } from '../support/host-listener';
import { Harness, startKiln } from '../support/kiln-harness';
import { TestNetwork, createTestNetwork } from '../support/test-network';
import {
  Attack,
  AttackContext,
  AttackSucceeded,
  agentKill,
  cgroupLimits,
  dockerSocket,
  environmentLeak,
  hostMounts,
  identity,
  ioUring,
  ipcNamespace,
  memoryBomb,
  networkEgress,
  processFlood,
  rootFsWrite,
  sandboxRlimits,
  shmFill,
  tmpFill,
  userNamespace,
  workspaceFill,
} from './attacks';

type Weakening = (options: ContainerCreateOptions) => void;

/** The network the weakened sandbox gets: this run's own, internal (no route off the machine). */
let egressNetwork: TestNetwork;

const host = (o: ContainerCreateOptions) => o.HostConfig!;
const withoutUlimit = (name: string): Weakening => (o) => {
  host(o).Ulimits = host(o).Ulimits!.filter((u) => u.Name !== name);
};
/** Kiln's `seccomp=` option replaced by another, or (null) dropped so the engine's built-in profile applies. */
const withSeccomp = (profile: string | null): Weakening => (o) => {
  const others = host(o).SecurityOpt!.filter((x: string) => !x.startsWith('seccomp='));
  host(o).SecurityOpt = profile === null ? others : [...others, `seccomp=${profile}`];
};
const withoutTmpfsSize = (path: string): Weakening => (o) => {
  host(o).Tmpfs![path] = host(o).Tmpfs![path].replace(/,?size=[^,]+/, '');
};

/**
 * Issue 3, acceptance 2: each sandbox rule (SECURITY.md), weakened alone, lets
 * at least one attack of the hostile suite through — and with the rule in
 * place the same attack fails. No rule is decoration.
 */
const RULES: { rule: string; weaken: Weakening; attack: Attack }[] = [
  { rule: 'no network (NetworkMode none)', weaken: (o) => ((host(o).NetworkMode = egressNetwork.name), (o.NetworkDisabled = false)), attack: networkEgress },
  { rule: 'CapDrop ALL', weaken: (o) => delete host(o).CapDrop, attack: identity },
  { rule: 'no-new-privileges', weaken: (o) => (host(o).SecurityOpt = host(o).SecurityOpt!.filter((x: string) => x !== 'no-new-privileges')), attack: identity },
  // The engine's built-in profile instead of Kiln's: this engine's (Docker 20.10) allows io_uring.
  { rule: "Kiln's seccomp profile", weaken: withSeccomp(null), attack: ioUring },
  { rule: 'a seccomp profile at all', weaken: withSeccomp('unconfined'), attack: userNamespace },
  // Without our User the image's USER would still apply; the weakening is root, owning its workspace.
  { rule: 'non-root user', weaken: (o) => ((o.User = '0:0'), (host(o).Tmpfs!['/workspace'] = host(o).Tmpfs!['/workspace'].replace(/uid=\d+,gid=\d+/, 'uid=0,gid=0'))), attack: identity },
  { rule: 'read-only root filesystem', weaken: (o) => (host(o).ReadonlyRootfs = false), attack: rootFsWrite },
  { rule: 'size-capped tmpfs workspace', weaken: withoutTmpfsSize('/workspace'), attack: workspaceFill },
  { rule: 'size-capped tmpfs /tmp', weaken: withoutTmpfsSize('/tmp'), attack: tmpFill },
  { rule: 'size-capped /dev/shm', weaken: (o) => delete host(o).ShmSize, attack: shmFill },
  { rule: 'private IPC namespace', weaken: (o) => (host(o).IpcMode = 'host'), attack: ipcNamespace },
  { rule: 'pids limit', weaken: (o) => delete host(o).PidsLimit, attack: processFlood },
  { rule: 'memory limit', weaken: (o) => (delete host(o).Memory, delete host(o).MemorySwap), attack: memoryBomb },
  { rule: 'swap equal to memory', weaken: (o) => delete host(o).MemorySwap, attack: cgroupLimits },
  { rule: 'CPU quota', weaken: (o) => delete host(o).NanoCpus, attack: cgroupLimits },
  { rule: 'nofile ulimit', weaken: withoutUlimit('nofile'), attack: sandboxRlimits },
  { rule: 'fsize ulimit', weaken: withoutUlimit('fsize'), attack: sandboxRlimits },
  { rule: 'core ulimit', weaken: withoutUlimit('core'), attack: sandboxRlimits },
  { rule: 'the agent is PID 1 (no docker-init)', weaken: (o) => (host(o).Init = true), attack: agentKill },
  { rule: 'no host paths mounted', weaken: (o) => (host(o).Binds = [`${mkdtempSync(`${tmpdir()}/kiln-host-`)}:/host-data:ro`]), attack: hostMounts },
  { rule: 'no Docker socket', weaken: (o) => (host(o).Binds = ['/var/run/docker.sock:/var/run/docker.sock']), attack: dockerSocket },
];

describe('every sandbox rule is load-bearing', () => {
  const shmCanary = `kiln-shm-canary-${randomBytes(6).toString('hex')}`;
  let kiln: Harness;
  let listener: Server;
  let context: AttackContext;
  let builder: ContainerSpecBuilder;
  let build: ContainerSpecBuilder['build'];

  beforeAll(async () => {
    writeFileSync(`/dev/shm/${shmCanary}`, 'host');
    listener = await greetingListener('hello\n');
    egressNetwork = await createTestNetwork('egress');
    // Container mode: every task gets a container built by the weakened spec (nested mode reuses its outer containers).
    kiln = await startKiln({ env: { KILN_SANDBOX__MODE: 'container' } });
    builder = kiln.worker!.get(ContainerSpecBuilder);
    build = builder.build.bind(builder);
    const listenerPort = String((listener.address() as { port: number }).port);
    context = { host: { canary: 'unused', shmCanary, coordinatorPort: '8080', testHost: egressNetwork.gateway, listenerPort } };
  });

  afterEach(() => {
    builder.build = build;
  });

  afterAll(async () => {
    unlinkSync(`/dev/shm/${shmCanary}`);
    listener?.close();
    await kiln?.close();
    await egressNetwork?.remove();
  });

  const attempt = async (attack: Attack): Promise<void> => {
    const answer = await kiln.http().post('/execute').send(attack.request(context));
    attack.check(answer.body, context);
  };

  it.each(RULES.map((r) => [r.rule, r]))('%s', async (_rule, { weaken, attack }) => {
    await expect(attempt(attack)).resolves.toBeUndefined();
    builder.build = (spec) => {
      const options = build(spec);
      weaken(options);
      return options;
    };
    await expect(attempt(attack)).rejects.toThrow(AttackSucceeded);
  });

  it('no host environment (the program gets an explicit environment, never the worker’s)', async () => {
    const canary = `kiln-canary-${randomBytes(8).toString('hex')}`;
    const leakyContext = { host: { ...context.host, canary } };
    const run = async () => environmentLeak.check((await kiln.http().post('/execute').send(environmentLeak.request(leakyContext))).body, leakyContext);
    process.env.CANARY_SECRET_FOR_KILN_TESTS = canary;
    const executor = kiln.worker!.get(SandboxExecutor);
    const original = executor.run.bind(executor);
    try {
      await expect(run()).resolves.toBeUndefined();
      executor.run = (sandbox, exec, stdin, onOutput) =>
        original(sandbox, { ...exec, env: { ...(process.env as Record<string, string>), ...exec.env } }, stdin, onOutput);
      await expect(run()).rejects.toThrow(AttackSucceeded);
    } finally {
      executor.run = original;
      delete process.env.CANARY_SECRET_FOR_KILN_TESTS;
    }
  });
});
