import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerCreateOptions } from 'dockerode';
import { ContainerSpecBuilder } from '../../apps/worker/src/sandbox/docker/container-spec';
import { SandboxExecutor } from '../../apps/worker/src/tasks/sandbox-executor';
import { DockerEventLog } from '../support/docker-events';
import { greetingListener } from '../support/host-listener';
import { Harness, startKiln } from '../support/kiln-harness';
import { committedProfile } from '../support/sandbox-seccomp';
import { TestNetwork, createTestNetwork } from '../support/test-network';
import { SANDBOX_TIERS, SandboxTier, tierEnv } from '../support/tiers';
import { eventually } from '../support/waiting';
import {
  Attack,
  AttackContext,
  AttackSucceeded,
  JobAnswer,
  agentKill,
  cgroupLimits,
  cpuTimeAllProcesses,
  cpuTimeBelowASecond,
  dockerSocket,
  environmentLeak,
  hostMounts,
  identity,
  ioUring,
  ipcNamespace,
  memoryBomb,
  networkEgress,
  processFlood,
  programRlimits,
  rootFsWrite,
  rootOrCapabilities,
  sandboxRlimits,
  setuidRoot,
  shmFill,
  tmpFill,
  userNamespace,
  workspaceFill,
} from './attacks';

type Weakening = (options: ContainerCreateOptions) => void;
type TierName = SandboxTier['name'];

/** The network the weakened sandbox gets: this run's own, internal (no route off the machine). */
let egressNetwork: TestNetwork;
/** The host directory the weakened sandbox gets mounted: the test's own, empty. */
let hostData: string;

const host = (o: ContainerCreateOptions) => o.HostConfig!;
const withoutUlimit = (name: string): Weakening => (o) => {
  host(o).Ulimits = host(o).Ulimits!.filter((u) => u.Name !== name);
};
/** The tier's `seccomp=` option replaced by another, or (null) dropped so the engine's built-in profile applies. */
const withSeccomp = (profile: string | null): Weakening => (o) => {
  const others = host(o).SecurityOpt!.filter((x: string) => !x.startsWith('seccomp='));
  host(o).SecurityOpt = profile === null ? others : [...others, `seccomp=${profile}`];
};
/**
 * The agent's live CPU watch (images/agent/cpu-watch.c) switched off through
 * the agent's own environment, which only the container's creator sets: Kiln
 * never does. In nested mode the outer agent's environment reaches the inner
 * one (bwrap passes it on); programs get the exec's env, never the agent's.
 */
const withoutCpuWatch: Weakening = (o) => (o.Env = [...(o.Env ?? []), 'KILN_AGENT_CPU_WATCH=off']);
const withoutTmpfsSize = (path: string): Weakening => (o) => {
  host(o).Tmpfs![path] = host(o).Tmpfs![path].replace(/,?size=[^,]+/, '');
};

/** Kiln's nested-outer profile with io_uring allowed, as Docker 20.10's built-in one allows it (the engine's own profile would stop bwrap itself). */
function nestedOuterProfileAllowingIoUring(): string {
  const profile = committedProfile('nested-outer.json');
  const others = profile.syscalls.filter((rule) => !rule.names.includes('io_uring_setup'));
  return JSON.stringify({ ...profile, syscalls: [...others, { names: ['io_uring_setup', 'io_uring_enter', 'io_uring_register'], action: 'SCMP_ACT_ALLOW' }] });
}

interface Rule {
  rule: string;
  weaken: Weakening;
  attack: Attack;
  /** Only these tiers have the rule (the others do not set it). */
  tiers?: TierName[];
}

/**
 * Issue 3, acceptance 2: each sandbox rule (SECURITY.md), weakened alone, lets
 * at least one attack of the hostile suite through — and with the rule in
 * place the same attack fails. No rule is decoration. In container mode under
 * runc every row shows exactly that; TIER_ROWS below says how each other tier
 * shows a rule that it shows differently, with why.
 */
const RULES: Rule[] = [
  { rule: 'no network (NetworkMode none)', weaken: (o) => ((host(o).NetworkMode = egressNetwork.name), (o.NetworkDisabled = false)), attack: networkEgress },
  { rule: 'CapDrop ALL', weaken: (o) => delete host(o).CapDrop, attack: identity },
  { rule: 'no-new-privileges', weaken: (o) => (host(o).SecurityOpt = host(o).SecurityOpt!.filter((x: string) => x !== 'no-new-privileges')), attack: setuidRoot },
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
  // gVisor's process limit (apps/worker/src/sandbox/docker/gvisor-spec.ts): RLIMIT_NPROC, which its kernel counts per sandbox.
  { rule: 'nproc ulimit', weaken: withoutUlimit('nproc'), attack: processFlood, tiers: ['gvisor'] },
  { rule: 'memory limit', weaken: (o) => (delete host(o).Memory, delete host(o).MemorySwap), attack: memoryBomb },
  { rule: 'swap equal to memory', weaken: (o) => delete host(o).MemorySwap, attack: cgroupLimits },
  { rule: 'CPU quota', weaken: (o) => delete host(o).NanoCpus, attack: cgroupLimits },
  { rule: 'CPU time of all processes together (the agent’s live CPU watch)', weaken: withoutCpuWatch, attack: cpuTimeAllProcesses },
  { rule: 'CPU time below a second (the agent’s live CPU watch)', weaken: withoutCpuWatch, attack: cpuTimeBelowASecond },
  { rule: 'nofile ulimit', weaken: withoutUlimit('nofile'), attack: sandboxRlimits },
  { rule: 'fsize ulimit', weaken: withoutUlimit('fsize'), attack: sandboxRlimits },
  { rule: 'core ulimit', weaken: withoutUlimit('core'), attack: sandboxRlimits },
  { rule: 'the agent is PID 1 (no docker-init)', weaken: (o) => (host(o).Init = true), attack: agentKill },
  { rule: 'no host paths mounted', weaken: (o) => (host(o).Binds = [`${hostData}:/host-data:ro`]), attack: hostMounts },
  { rule: 'no Docker socket', weaken: (o) => (host(o).Binds = ['/var/run/docker.sock:/var/run/docker.sock']), attack: dockerSocket },
];

/**
 * The inner rule of a nested sandbox, taken out of bwrap's command line
 * (images/agent/nested-supervisor.c builds it) by a wrapper bind-mounted
 * over /usr/bin/bwrap in the outer container: `sed` edits the argv, joined
 * with single spaces and padded with one at each end (no argument of it
 * holds a space).
 */
interface InnerWeakening {
  /** What of bwrap's argv the wrapper takes out. */
  drops: string;
  sed: string;
  /** The wrapper in an outer container built by the tier's own spec (the outer rule in place: removed, no sandbox would start). */
  alone?: true;
  /** Why the attack still fails with the inner rule removed too (a layer the test cannot remove without an image change). */
  holds?: string;
}

/**
 * How a rule shows in a tier when not as in container mode under runc
 * (weakened alone, its attack succeeds), found by running this suite.
 */
interface TierRow {
  why: string;
  /** The attack that reads the rule in this tier, in place of RULES'. */
  attack?: Attack;
  /** The tier's own weakening of the rule, in place of RULES'. */
  weaken?: Weakening;
  /**
   * With the rule removed: `holds`, the attack still fails (another layer
   * stops it); `refused`, no sandbox starts (the job fails, its error
   * matching `error`); `unread`, the program cannot read the rule in this
   * tier (its stderr matches `error`, with the rule and without).
   */
  outcome?: 'holds' | 'refused' | 'unread';
  error?: RegExp;
  /** Nested mode: the inner rule removed too; then the attack succeeds (unless `holds`). */
  inner?: InnerWeakening;
}

const BWRAP_INNER_LAYER = 'the nested sandbox';
const innerSize = (path: string): InnerWeakening => ({
  drops: `the --size of bwrap's --tmpfs ${path}`,
  sed: `s| --size [0-9]* \\(--perms [0-7]* --tmpfs ${path}\\) | \\1 |`,
});
const NO_CGROUPFS = /\/sys\/fs\/cgroup\/.*No such file or directory/;

const TIER_ROWS: Record<TierName, Record<string, TierRow>> = {
  container: {},
  nested: {
    'no network (NetworkMode none)': {
      outcome: 'holds',
      why: `${BWRAP_INNER_LAYER} has a network namespace of its own (bwrap --unshare-all): only lo`,
      inner: { drops: '--unshare-net (bwrap --share-net added)', sed: 's| --unshare-all | --unshare-all --share-net |' },
    },
    'CapDrop ALL': {
      outcome: 'holds',
      why: 'bwrap drops every capability (bounding set too) before it starts the inner agent',
      // Capabilities of the sandbox's own user namespace: bwrap grants them whatever the outer bounding set is.
      inner: { drops: 'the capability drop (bwrap --cap-add ALL added)', sed: 's| --unshare-all | --unshare-all --cap-add ALL |' },
    },
    'no-new-privileges': {
      outcome: 'holds',
      why:
        'bwrap sets no_new_privs for its sandbox itself (there is no flag to stop it), and the inner agent sets it again before its seccomp filter ' +
        '(images/agent/sandbox-seccomp.c): neither can be removed without an image change; hostile-code.e2e-spec.ts reads NoNewPrivs 1 in this tier',
    },
    "Kiln's seccomp profile": {
      weaken: withSeccomp(nestedOuterProfileAllowingIoUring()),
      outcome: 'holds',
      why:
        "the outer profile allows io_uring here (the engine's built-in profile would refuse bwrap its namespaces: no sandbox would start); " +
        "the inner agent's own filter (images/agent/sandbox-seccomp.c) refuses io_uring, and cannot be removed without an image change: " +
        'nested-mode.e2e-spec.ts shows that filter alone refusing it, and the outer container handing out a ring',
    },
    'a seccomp profile at all': {
      outcome: 'holds',
      why: "the inner agent's own filter refuses unshare (images/agent/sandbox-seccomp.c), and bwrap's --disable-userns forbids user namespaces inside",
      inner: {
        drops: '--disable-userns',
        sed: 's| --disable-userns | |',
        holds: "the inner agent's filter refuses unshare before the kernel's user-namespace limit is asked: an image change would be needed to remove it",
      },
    },
    'non-root user': {
      outcome: 'refused',
      error: /bwrap: setting up uid map: Operation not permitted/,
      why: 'as root without capabilities bwrap cannot map its uid into the sandbox: no nested sandbox starts, so no task runs as root',
    },
    'read-only root filesystem': {
      outcome: 'holds',
      why: `${BWRAP_INNER_LAYER} binds the root read-only (bwrap --ro-bind / /)`,
      inner: { drops: '--ro-bind / / (bound read-write: --bind / /)', sed: 's| --ro-bind / / | --bind / / |' },
    },
    'size-capped tmpfs workspace': { outcome: 'holds', why: `${BWRAP_INNER_LAYER} mounts its own size-capped /workspace`, inner: innerSize('/workspace') },
    'size-capped tmpfs /tmp': { outcome: 'holds', why: `${BWRAP_INNER_LAYER} mounts its own size-capped /tmp`, inner: innerSize('/tmp') },
    'size-capped /dev/shm': { outcome: 'holds', why: `${BWRAP_INNER_LAYER} mounts its own size-capped /dev/shm`, inner: innerSize('/dev/shm') },
    'private IPC namespace': {
      outcome: 'holds',
      why: `${BWRAP_INNER_LAYER} mounts a fresh tmpfs on /dev/shm (and has an IPC namespace of its own: --unshare-all), so the host's /dev/shm of the outer container does not reach it`,
      inner: { drops: "the sandbox's own /dev/shm (the outer one bound instead)", sed: 's| --size [0-9]* --perms 1777 --tmpfs /dev/shm | --bind /dev/shm /dev/shm |' },
    },
    'the agent is PID 1 (no docker-init)': {
      outcome: 'refused',
      error: /--nested must run as PID 1 of its container/,
      why: "the outer supervisor refuses to run under docker-init (it must be its container's PID 1, for its kill(-1) between tasks)",
      inner: { drops: '--as-pid-1 (the inner agent is then bwrap’s child, not PID 1 of the sandbox)', sed: 's| --as-pid-1 | |', alone: true },
    },
  },
  gvisor: {
    'no network (NetworkMode none)': {
      outcome: 'holds',
      why: 'runsc is registered with --network=none (scripts/register-gvisor.sh): a sandbox on a network still gets only lo',
    },
    'CapDrop ALL': { attack: rootOrCapabilities, why: "gVisor's /proc/self/status has no CapAmb or NoNewPrivs line (the identity attack cannot read it)" },
    'no-new-privileges': {
      outcome: 'holds',
      why: 'gVisor 20221219 did not run su setuid-root with no-new-privileges removed (its /proc/self/status has no NoNewPrivs line to say why)',
    },
    'non-root user': { attack: rootOrCapabilities, why: "gVisor's /proc/self/status has no CapAmb or NoNewPrivs line (the identity attack cannot read it)" },
    'pids limit': {
      outcome: 'holds',
      why: "under gVisor the host's pids limit is only a backstop for gVisor's own threads; the program's process limit is RLIMIT_NPROC inside gVisor (the next row)",
    },
    'swap equal to memory': {
      outcome: 'unread',
      error: NO_CGROUPFS,
      why: "no cgroupfs inside gVisor: the host's cgroup holds gVisor's whole kernel; the memory bomb shows the memory limit holds",
    },
    'CPU quota': { outcome: 'unread', error: NO_CGROUPFS, why: "no cgroupfs inside gVisor: the host's cgroup holds gVisor's whole kernel" },
    ...Object.fromEntries(
      ['nofile', 'fsize', 'core'].map((name) => [
        `${name} ulimit`,
        {
          attack: programRlimits,
          outcome: 'holds' as const,
          why: "gVisor has no /proc/<pid>/limits, so the sandbox-wide limit cannot be read; the program's own hard limit is the agent's (images/agent/exec.c) without the container's",
        },
      ]),
    ),
    'the agent is PID 1 (no docker-init)': {
      outcome: 'holds',
      why: "gVisor lets a program kill its PID 1 with the rule or without: either way the run ends as the program's own RUNTIME_ERROR (sandbox-death.ts), never Kiln's failure",
    },
    'no Docker socket': {
      outcome: 'refused',
      error: /docker\.sock.*operation not permitted/s,
      why: 'runsc refuses to mount a socket into its sandbox: the container does not start',
    },
  },
};

/** Marks every container a weakened spec builds: the test checks that an attempt ran in one. */
const WEAKENED_LABEL = 'kiln.test.weakened';
const BWRAP = '/usr/bin/bwrap';
const REAL_BWRAP = '/opt/kiln-test/bwrap';

/**
 * Each tier's Kiln (test/support/tiers.ts), its container spec weakened rule
 * by rule: in nested mode that is the outer container's spec, and a rule's
 * row may then take the inner rule out of bwrap too. The pool keys its
 * shelves by the whole spec (pool-key.ts), so a weakened spec never gets a
 * container an earlier one built; the engine's events show each attempt ran
 * in a container that carries the weakening's label.
 */
describe.each(SANDBOX_TIERS.map((tier) => [tier.name, tier] as const))('every sandbox rule is load-bearing (tier %s)', (_name, tier) => {
  const shmCanary = `kiln-shm-canary-${randomBytes(6).toString('hex')}`;
  let kiln: Harness;
  let events: DockerEventLog;
  let listener: Server;
  let context: AttackContext;
  let builder: ContainerSpecBuilder;
  let build: ContainerSpecBuilder['build'];
  let scratch: string;

  beforeAll(async () => {
    writeFileSync(`/dev/shm/${shmCanary}`, 'host');
    scratch = mkdtempSync(join(tmpdir(), 'kiln-rules-'));
    hostData = join(scratch, 'host-data');
    mkdirSync(hostData);
    listener = await greetingListener('hello\n');
    egressNetwork = await createTestNetwork('egress');
    // Every weakened spec makes a shelf of its own in the pool (pool-key.ts): each attempt gets a container it built.
    kiln = await startKiln({ env: tierEnv(tier) });
    events = await DockerEventLog.start(kiln.prefix);
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
    events?.stop();
    await kiln?.close();
    await egressNetwork?.remove();
    rmSync(scratch, { recursive: true, force: true });
  });

  const weakenWith = (label: string, weakenings: Weakening[]) => {
    builder.build = (spec) => {
      const options = build(spec);
      for (const weaken of weakenings) weaken(options);
      options.Labels = { ...options.Labels, [WEAKENED_LABEL]: label };
      return options;
    };
  };

  /** The job's answer; with `label`, after checking (by the engine's events) that its sandbox was built by that weakened spec. */
  const run = async (attack: Attack, label?: string): Promise<JobAnswer & { id: string; error?: string }> => {
    const answer = (await kiln.http().post('/execute').send(attack.request(context))).body;
    if (label === undefined) return answer;
    const named = () => events.events.filter((e) => e.action === 'rename' && (e.attributes.name ?? '').includes(`-${answer.id}-`));
    const [rename] = await eventually(async () => named(), (list) => list.length > 0, 10_000, `the sandbox of job ${answer.id} named after it`);
    expect(rename.attributes[WEAKENED_LABEL]).toBe(label);
    return answer;
  };
  const attempt = async (attack: Attack, label?: string) => attack.check(await run(attack, label), context);

  /** The real bwrap, out of the image (for the wrapper to exec), once. */
  let realBwrap: string | undefined;
  const bwrapWrapper = ({ sed }: InnerWeakening, label: string): Weakening => {
    if (!realBwrap) {
      realBwrap = join(scratch, 'bwrap');
      writeFileSync(realBwrap, execFileSync('docker', ['run', '--rm', '--network', 'none', '--entrypoint', 'cat', 'kiln/base:latest', BWRAP]));
      chmodSync(realBwrap, 0o755);
    }
    const wrapper = join(scratch, `${label.replace(/[^a-z0-9]+/gi, '-')}.sh`);
    const edit = sed.replace(/'/g, `'\\''`);
    writeFileSync(wrapper, `#!/bin/sh\n# bwrap with one rule taken out of its argv (test/security/sandbox-rules.e2e-spec.ts)\nset -f\nexec ${REAL_BWRAP} $(printf ' %s ' "$*" | sed -e '${edit}')\n`);
    chmodSync(wrapper, 0o755);
    return (o) => (host(o).Binds = [...(host(o).Binds ?? []), `${wrapper}:${BWRAP}:ro`, `${realBwrap}:${REAL_BWRAP}:ro`]);
  };

  const rules = RULES.filter((r) => !r.tiers || r.tiers.includes(tier.name));
  it.each(rules.map((r) => [r.rule, r]))('%s', async (rule, { weaken: ruleWeakening, attack: ruleAttack }) => {
    const row: TierRow = TIER_ROWS[tier.name][rule] ?? { why: 'weakened alone, its attack succeeds' };
    const attack = row.attack ?? ruleAttack;
    const weaken = row.weaken ?? ruleWeakening;
    if (row.outcome === 'unread') {
      expect((await run(attack)).run?.stderr).toMatch(row.error!);
      weakenWith(rule, [weaken]);
      expect((await run(attack, rule)).run?.stderr).toMatch(row.error!);
      return;
    }
    await expect(attempt(attack)).resolves.toBeUndefined();
    weakenWith(rule, [weaken]);
    if (row.outcome === 'refused') {
      const answer = await run(attack);
      expect(answer.state).toBe('FAILED');
      expect(answer.error).toMatch(row.error!);
    } else if (row.outcome === 'holds') {
      await expect(attempt(attack, rule)).resolves.toBeUndefined();
    } else {
      await expect(attempt(attack, rule)).rejects.toThrow(AttackSucceeded);
    }
    if (!row.inner) return;
    const label = `${rule} + bwrap without ${row.inner.drops}`;
    weakenWith(label, [...(row.inner.alone ? [] : [weaken]), bwrapWrapper(row.inner, label)]);
    if (row.inner.holds) await expect(attempt(attack, label)).resolves.toBeUndefined();
    else await expect(attempt(attack, label)).rejects.toThrow(AttackSucceeded);
  });

  it('no host environment (the program gets an explicit environment, never the worker’s)', async () => {
    const canary = `kiln-canary-${randomBytes(8).toString('hex')}`;
    const leakyContext = { host: { ...context.host, canary } };
    const leak = async () => environmentLeak.check((await kiln.http().post('/execute').send(environmentLeak.request(leakyContext))).body, leakyContext);
    process.env.CANARY_SECRET_FOR_KILN_TESTS = canary;
    const executor = kiln.worker!.get(SandboxExecutor);
    const original = executor.run.bind(executor);
    try {
      await expect(leak()).resolves.toBeUndefined();
      executor.run = (sandbox, exec, stdin, options) =>
        original(sandbox, { ...exec, env: { ...(process.env as Record<string, string>), ...exec.env } }, stdin, options);
      await expect(leak()).rejects.toThrow(AttackSucceeded);
    } finally {
      executor.run = original;
      delete process.env.CANARY_SECRET_FOR_KILN_TESTS;
    }
  });
});
