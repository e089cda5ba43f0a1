/**
 * The hostile-code catalogue: each attack is a program that tries to break out
 * of (or wear down) the sandbox, and a check that throws when it succeeded.
 * The hostile suite runs every attack and expects its check to pass; the
 * sandbox-rules suite weakens one container setting at a time and expects the
 * matching attack's check to fail — so every rule is shown to matter.
 */

export interface JobAnswer {
  state: string;
  verdict: string;
  compile: Stage | null;
  run: Stage | null;
}

export interface Stage {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  signal: string | null;
  verdict: string;
  wallTimeMs: number;
  cpuTimeMs: number;
  truncated: boolean;
}

export interface AttackContext {
  /** Facts the test prepared on the host (ports, canary values...). */
  host: Record<string, string>;
}

export interface Attack {
  name: string;
  request: (context: AttackContext) => Record<string, unknown>;
  /** Throws (with the evidence) when the attack got through. */
  check: (answer: JobAnswer, context: AttackContext) => void;
}

export class AttackSucceeded extends Error {}

function refuse(condition: boolean, evidence: string): void {
  if (condition) throw new AttackSucceeded(evidence);
}

function expectVerdict(answer: JobAnswer, verdicts: string[]): void {
  refuse(answer.state !== 'COMPLETED', `job ended ${answer.state}, expected COMPLETED`);
  refuse(!verdicts.includes(answer.verdict), `verdict ${answer.verdict}, expected one of ${verdicts.join(', ')}`);
}

/** Values the program printed as `key=value` lines. */
export function reported(answer: JobAnswer): Record<string, string> {
  return keyValues(answer.run?.stdout ?? '');
}

function keyValues(output: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of output.split('\n')) {
    const match = /^([a-z_]+)=(.*)$/.exec(line.trim());
    if (match) values[match[1]] = match[2];
  }
  return values;
}

const MiB = 1024 * 1024;
const python = (code: string, extra: Record<string, unknown> = {}) => ({ language: 'python', code, ...extra });
const bash = (code: string, extra: Record<string, unknown> = {}) => ({ language: 'bash', code, ...extra });
const c = (code: string, extra: Record<string, unknown> = {}) => ({ language: 'c', code, ...extra });

export const forkBombShell: Attack = {
  name: 'fork bomb (shell)',
  request: () => bash(':(){ :|:& };:', { limits: { timeoutMs: 3000 } }),
  check: (answer) => expectVerdict(answer, ['TIMEOUT', 'RUNTIME_ERROR', 'OK']),
};

export const forkBombC: Attack = {
  name: 'fork bomb (C)',
  request: () => c('#include <unistd.h>\nint main(void){ for(;;) fork(); }', { limits: { timeoutMs: 3000 } }),
  check: (answer) => expectVerdict(answer, ['TIMEOUT', 'RUNTIME_ERROR', 'OK']),
};

/** Bounded on purpose (200 sleepers), so that it is harmless even when the pids limit is removed. */
export const processFlood: Attack = {
  name: 'process count beyond the pids limit',
  request: () =>
    python(
      [
        'import subprocess',
        'started = 0',
        'try:',
        '    for _ in range(200):',
        '        subprocess.Popen(["sleep", "5"])',
        '        started += 1',
        // Each one said as it starts: a run cut at its time limit (gVisor starts processes slowly, slower
        // still on a loaded machine) still tells how many it started.
        '        print(f"started={started}", flush=True)',
        'except OSError as error:',
        '    print("fork_error=" + type(error).__name__)',
        'print(f"started={started}")',
      ].join('\n'),
      { limits: { processes: 32, timeoutMs: 15000 } },
    ),
  check: (answer) => {
    const started = Number(reported(answer).started ?? 'NaN');
    refuse(!(started < 32), `started ${started} processes with a pids limit of 32`);
  },
};

/** Bounded too: 320 MiB at most, against a 128 MiB limit. */
export const memoryBomb: Attack = {
  name: 'memory bomb',
  request: () =>
    python(['chunks = []', 'for _ in range(20):', '    chunks.append(bytearray(b"x" * (16 << 20)))', 'print("allocated=320")'].join('\n'), {
      limits: { memoryMb: 128 },
    }),
  check: (answer) => {
    refuse(reported(answer).allocated !== undefined, 'allocated 320 MiB under a 128 MiB limit');
    expectVerdict(answer, ['MEMORY_LIMIT']);
  },
};

/** Several files below the fsize limit each, so only the filesystem's own size can stop the total. */
function fill(directory: string, megabytes: number): string {
  return [
    `for i in $(seq 1 ${Math.ceil(megabytes / 8)}); do dd if=/dev/zero of=${directory}/fill.$i bs=1M count=8 2>/dev/null || break; done`,
    `echo "written=$(cat ${directory}/fill.* 2>/dev/null | wc -c)"`,
  ].join('\n');
}

export const workspaceFill: Attack = {
  name: 'disk fill: workspace',
  request: () => bash(fill('/workspace', 200)),
  check: (answer) => {
    const written = Number(reported(answer).written);
    refuse(!(written <= 64 * MiB), `wrote ${written} bytes into a 64 MiB workspace`);
  },
};

export const tmpFill: Attack = {
  name: 'disk fill: /tmp',
  request: () => bash(fill('/tmp', 100)),
  check: (answer) => {
    const written = Number(reported(answer).written);
    refuse(!(written <= 16 * MiB), `wrote ${written} bytes into a 16 MiB /tmp`);
  },
};

export const shmFill: Attack = {
  name: 'disk fill: /dev/shm',
  request: () => bash(fill('/dev/shm', 48)),
  check: (answer) => {
    const written = Number(reported(answer).written);
    refuse(!(written <= 16 * MiB), `wrote ${written} bytes into a 16 MiB /dev/shm`);
  },
};

/** /var/tmp is world-writable on the image's root filesystem: only a read-only root stops this. */
export const rootFsWrite: Attack = {
  name: 'disk fill: root filesystem',
  request: () =>
    bash(
      [
        'for path in /var/tmp/evil /usr/local/bin/evil /etc/evil; do',
        '  if echo pwned > "$path" 2>/dev/null; then echo "wrote=$path"; fi',
        'done',
        'echo done=1',
      ].join('\n'),
    ),
  check: (answer) => {
    const wrote = reported(answer).wrote;
    refuse(wrote !== undefined, `wrote ${wrote} on the root filesystem`);
    refuse(reported(answer).done !== '1', `the program did not finish: ${answer.verdict}`);
  },
};

export const stdoutFlood: Attack = {
  name: 'output flood (stdout)',
  request: () => bash('yes kiln-flood', { limits: { outputBytes: 65536 } }),
  check: (answer) => checkFlood(answer, 65536),
};

export const stderrFlood: Attack = {
  name: 'output flood (stderr)',
  request: () => bash('yes kiln-flood >&2', { limits: { outputBytes: 65536 } }),
  check: (answer) => checkFlood(answer, 65536),
};

export const hugeLine: Attack = {
  name: 'a single 100 MB line without newline',
  request: () => python('import sys\nsys.stdout.write("a" * 100_000_000)', { limits: { outputBytes: 65536 } }),
  check: (answer) => checkFlood(answer, 65536),
};

function checkFlood(answer: JobAnswer, cap: number): void {
  expectVerdict(answer, ['OUTPUT_LIMIT']);
  const kept = Buffer.byteLength(answer.run!.stdout) + Buffer.byteLength(answer.run!.stderr);
  refuse(kept > cap, `kept ${kept} bytes of output with a cap of ${cap}`);
  refuse(!answer.run!.truncated, 'the answer does not say the output was truncated');
}

export const infiniteLoop: Attack = {
  name: 'infinite loop',
  request: () => c('int main(void){ for(;;){} }', { limits: { timeoutMs: 1000 } }),
  check: (answer) => checkTimeout(answer),
};

export const sleepForever: Attack = {
  name: 'sleep forever',
  request: () => bash('sleep infinity', { limits: { timeoutMs: 1000 } }),
  check: (answer) => checkTimeout(answer),
};

export const stopItself: Attack = {
  name: 'kill -STOP of itself (dodging the CPU limit)',
  request: () => bash('echo stopping; kill -STOP $$; echo resumed', { limits: { timeoutMs: 1000 } }),
  check: (answer) => {
    checkTimeout(answer);
    refuse(answer.run!.stdout.includes('resumed'), 'the stopped program resumed');
  },
};

/**
 * limits.cpuTimeMs is the CPU time of the whole run, all its processes
 * together (README): four busy processes on two CPUs against 1000 ms. Were
 * only reaped processes counted, each would run to RLIMIT_CPU's whole second
 * (per process): some 4000 ms in about two seconds under runc; under gVisor,
 * whose RLIMIT_CPU did not stop the subshells, 37 s (its kernel counts the
 * time a runnable task waits too) by the 10 s wall limit. The agent's live CPU watch
 * (images/agent/cpu-watch.c) ends the run once the sum passes 1000 ms.
 */
export const cpuTimeAllProcesses: Attack = {
  name: 'CPU time of all processes together',
  request: () =>
    bash('for i in 1 2 3 4; do (while :; do :; done) & done; wait', { limits: { cpuTimeMs: 1000, cpus: 2, timeoutMs: 10000 } }),
  check: (answer) => {
    expectVerdict(answer, ['TIMEOUT']);
    refuse(answer.run!.cpuTimeMs > 1600, `four processes used ${answer.run!.cpuTimeMs} ms of CPU together under a 1000 ms limit`);
    // Ended by the CPU sum, long before the wall limit (without the watch gVisor's kernel let all four run to it).
    refuse(answer.run!.wallTimeMs > 5000, `ran ${answer.run!.wallTimeMs} ms of a 10000 ms wall limit: not ended when the sum passed the CPU limit`);
  },
};

/** One busy process against 300 ms: RLIMIT_CPU alone, in whole seconds, would let it run to 1000 ms. */
export const cpuTimeBelowASecond: Attack = {
  name: 'CPU time below a second',
  request: () => python('while True: pass', { limits: { cpuTimeMs: 300, timeoutMs: 3000 } }),
  check: (answer) => {
    expectVerdict(answer, ['TIMEOUT']);
    refuse(answer.run!.cpuTimeMs > 600, `used ${answer.run!.cpuTimeMs} ms of CPU under a 300 ms limit`);
  },
};

function checkTimeout(answer: JobAnswer): void {
  expectVerdict(answer, ['TIMEOUT']);
  refuse(answer.run!.wallTimeMs > 2500, `ran ${answer.run!.wallTimeMs} ms past a 1000 ms limit`);
}

/** The host-side half (no `sleep 31337` left on the host) is checked by the suite. */
export const daemon: Attack = {
  name: 'a child that daemonizes and outlives its parent',
  request: () => bash('setsid sleep 31337 </dev/null >/dev/null 2>&1 &\n(setsid sh -c "sleep 31337" &) \necho parent_done=1'),
  check: (answer) => {
    expectVerdict(answer, ['OK']);
    refuse(answer.run!.wallTimeMs > 2000, `the job waited ${answer.run!.wallTimeMs} ms for its daemon`);
  },
};

/**
 * Every way out, proved from inside the namespace: its interfaces, its routes
 * (IPv4 and IPv6) and its resolver, plus connections to the container's own
 * loopback and to the test's listener on a network the test made
 * (`host.testHost`). It never names an address off this machine nor resolves
 * a name: without a route nothing can leave, and the routes are what it reports.
 */
export const networkEgress: Attack = {
  name: 'network egress',
  request: ({ host }) =>
    python(
      [
        'import socket',
        `targets = [("127.0.0.1", 6379), ("127.0.0.1", ${host.coordinatorPort}), ("${host.testHost}", ${host.listenerPort})]`,
        'for address, port in targets:',
        '    try:',
        '        socket.create_connection((address, port), timeout=1).close()',
        '        print(f"reached={address}:{port}")',
        '    except OSError:',
        '        pass',
        'def lines(path, skip=0):',
        '    try:',
        '        return open(path).read().splitlines()[skip:]',
        '    except OSError:',
        '        return []',
        'routes = [l.split()[0] for l in lines("/proc/net/route", 1) if l.split()[0] != "lo"]',
        'routes += [l.split()[-1] for l in lines("/proc/net/ipv6_route") if l.split()[-1] != "lo"]',
        'print("routes=" + ",".join(routes))',
        'print("nameservers=" + ",".join(l.split()[1] for l in lines("/etc/resolv.conf") if l.startswith("nameserver ")))',
        'print("interfaces=" + ",".join(l.split(":")[0].strip() for l in lines("/proc/net/dev", 2)))',
      ].join('\n'),
      { limits: { timeoutMs: 10000 } },
    ),
  check: (answer) => {
    const out = answer.run?.stdout ?? '';
    refuse(out.includes('reached='), `connections succeeded: ${out.match(/reached=\S+/g)?.join(' ')}`);
    refuse(reported(answer).interfaces !== 'lo', `network interfaces: ${reported(answer).interfaces}`);
    refuse(reported(answer).routes !== '', `routes out of the namespace via: ${reported(answer).routes}`);
  },
};

export const environmentLeak: Attack = {
  name: 'reading the environment (canary secret)',
  request: () =>
    bash(
      [
        'env',
        'cat /proc/1/environ 2>/dev/null | tr "\\0" "\\n"',
        'for p in /proc/[0-9]*; do cat "$p/environ" 2>/dev/null | tr "\\0" "\\n"; done',
        'echo "names=$(env | cut -d= -f1 | sort | tr "\\n" ",")"',
      ].join('\n'),
    ),
  check: (answer, { host }) => {
    refuse(answer.run!.stdout.includes(host.canary), 'the canary secret of the worker/coordinator environment leaked');
    const names = (reported(answer).names ?? '').split(',').filter(Boolean);
    const allowed = new Set(['PATH', 'HOME', 'TMPDIR', 'LANG', 'PWD', 'SHLVL', '_', 'OLDPWD', 'PYTHONDONTWRITEBYTECODE', 'PYTHONUNBUFFERED']);
    const foreign = names.filter((name) => !allowed.has(name));
    refuse(foreign.length > 0, `unexpected environment variables: ${foreign.join(', ')}`);
  },
};

export const procSnooping: Attack = {
  name: '/proc and /sys snooping',
  request: () =>
    bash(
      [
        'for p in /proc/[0-9]*; do echo "proc=$(basename $p):$(tr "\\0" " " < $p/cmdline 2>/dev/null)"; done',
        'echo "count=$(ls -d /proc/[0-9]* | wc -l)"',
        'echo kiln > /proc/sys/kernel/hostname 2>/dev/null && echo "wrote=/proc/sys/kernel/hostname"',
        'echo 1 > /proc/sysrq-trigger 2>/dev/null && echo "wrote=/proc/sysrq-trigger"',
        'echo 1 > /sys/kernel/mm/ksm/run 2>/dev/null && echo "wrote=/sys/kernel/mm/ksm/run"',
        'echo done=1',
      ].join('\n'),
    ),
  check: (answer) => {
    const out = answer.run!.stdout;
    const foreign = out.match(/^proc=\d+:.*\b(node|dockerd|containerd|redis-server|jest|systemd)\b.*$/m);
    refuse(foreign !== null, `host processes are visible: ${foreign?.[0]}`);
    const count = Number(reported(answer).count);
    refuse(!(count < 10), `sees ${count} processes`);
    refuse(out.includes('wrote='), `wrote to ${reported(answer).wrote}`);
    refuse(reported(answer).done !== '1', 'the program did not finish');
  },
};

export const identity: Attack = {
  name: 'identity: root, capabilities, privileges, seccomp',
  request: () =>
    bash(
      [
        'echo "uid=$(id -u)"',
        'echo "gid=$(id -g)"',
        'grep -E "^(CapEff|CapPrm|CapBnd|CapAmb|NoNewPrivs|Seccomp):" /proc/self/status | tr -d "\\t" | sed "s/:/=/" | tr "[:upper:]" "[:lower:]"',
      ].join('\n'),
    ),
  check: (answer) => {
    const facts = reported(answer);
    refuse(facts.uid === '0' || facts.uid === undefined, `runs as uid ${facts.uid}`);
    refuse(facts.gid === '0', 'runs as gid 0');
    for (const cap of ['capeff', 'capprm', 'capbnd', 'capamb']) {
      refuse(!/^0+$/.test(facts[cap] ?? 'x'), `${cap} is ${facts[cap]}`);
    }
    refuse(facts.nonewprivs !== '1', `NoNewPrivs is ${facts.nonewprivs}`);
    refuse(facts.seccomp !== '2', `Seccomp mode is ${facts.seccomp} (2 = filtering)`);
  },
};

/** Root or capabilities, read from the lines of /proc/self/status that every tier's kernel shows (gVisor's has no CapAmb or NoNewPrivs). */
export const rootOrCapabilities: Attack = {
  name: 'root or capabilities (uid, CapEff, CapPrm, CapBnd)',
  request: () => bash('echo "uid=$(id -u)"; grep -E "^(CapEff|CapPrm|CapBnd):" /proc/self/status | tr -d "\\t" | sed "s/:/=/" | tr "[:upper:]" "[:lower:]"'),
  check: (answer) => {
    const facts = reported(answer);
    refuse(facts.uid === '0' || facts.uid === undefined, `runs as uid ${facts.uid}: ${answer.run?.stderr}`);
    for (const cap of ['capeff', 'capprm', 'capbnd']) refuse(!/^0+$/.test(facts[cap] ?? 'x'), `${cap} is ${facts[cap]}`);
  },
};

/**
 * A setuid-root binary of the image (util-linux su, held at its password
 * prompt) runs with effective uid 0 unless no-new-privileges stops the
 * setuid bit; its uids are read from its /proc/<pid>/status while it waits.
 */
export const setuidRoot: Attack = {
  name: 'gaining root through a setuid binary (su)',
  request: () =>
    bash(
      [
        // The sleeper holds su at its prompt; it has none of the run's streams, so nothing waits for it.
        'sleep 10 </dev/null 2>/dev/null | su root -c true >/dev/null 2>&1 &',
        'pid=$!',
        'for _ in $(seq 100); do grep -qx "Name:.su" /proc/$pid/status 2>/dev/null && break; sleep 0.05; done',
        'echo "name=$(grep ^Name: /proc/$pid/status | cut -f2)"',
        'echo "uids=$(grep ^Uid: /proc/$pid/status | cut -f2- | tr "\\t" ,)"',
        'kill $pid',
      ].join('\n'),
    ),
  check: (answer) => {
    const { name, uids } = reported(answer);
    refuse(name !== 'su' || !uids, `su did not run: ${answer.run?.stdout}${answer.run?.stderr}`);
    refuse(uids.split(',').includes('0'), `su runs with uids ${uids} (real, effective, saved, filesystem)`);
  },
};

/**
 * The hard limits the agent gives every program it starts (images/agent/exec.c),
 * read by the program itself: they hold whatever the container's ulimits are.
 */
export const programRlimits: Attack = {
  name: "the program's own hard rlimits (nofile, fsize, core)",
  request: () => bash('echo "nofile=$(ulimit -Hn)"; echo "fsize_kb=$(ulimit -Hf)"; echo "core=$(ulimit -Hc)"'),
  check: (answer) => {
    const { nofile, fsize_kb: fsize, core } = reported(answer);
    refuse(!nofile || !fsize || !core, `could not read the limits: ${answer.run?.stdout}${answer.run?.stderr}`);
    refuse(fsize === 'unlimited' || Number(fsize) * 1024 > 64 * MiB, `hard file size limit ${fsize} KiB`);
    refuse(core !== '0', `hard core size limit ${core}`);
    refuse(nofile === 'unlimited' || Number(nofile) > 256, `hard open-files limit ${nofile}`);
  },
};

/** Kiln's seccomp profile (Docker's default allow-list) refuses new user namespaces (the door to most kernel exploits). */
export const userNamespace: Attack = {
  name: 'creating a user namespace',
  request: () =>
    python(
      [
        'import ctypes, os',
        'libc = ctypes.CDLL(None, use_errno=True)',
        'CLONE_NEWUSER = 0x10000000',
        'if libc.unshare(CLONE_NEWUSER) == 0:',
        '    print("unshared=1")',
        'else:',
        '    print("refused=" + os.strerror(ctypes.get_errno()))',
      ].join('\n'),
    ),
  check: (answer) => {
    refuse(reported(answer).unshared === '1', 'created a user namespace');
    refuse(reported(answer).refused === undefined, `the attempt did not run: ${answer.run?.stderr}`);
  },
};

/**
 * Calls io_uring_setup (syscall 425 on x86_64 and arm64) and its two
 * siblings directly, so no library can stand in the way, and prints
 * `name=result` or `name=-1/ERRNO` for each.
 */
export const IO_URING_PROBE = [
  'import ctypes, errno',
  'libc = ctypes.CDLL(None, use_errno=True)',
  'libc.syscall.restype = ctypes.c_long',
  'params = ctypes.create_string_buffer(120)  # struct io_uring_params, zeroed',
  'calls = {"io_uring_setup": (425, 4, params), "io_uring_enter": (426, -1, 0, 0, 0, None, 0), "io_uring_register": (427, -1, 0, None, 0)}',
  'for name, args in calls.items():',
  '    result = libc.syscall(*args)',
  '    print(f"{name}=" + (str(result) if result >= 0 else "-1/" + errno.errorcode[ctypes.get_errno()]))',
].join('\n');

/** Throws unless each io_uring call of IO_URING_PROBE's output answered -1/EPERM. */
export function checkIoUringRefused(stdout: string, stderr = ''): void {
  const facts = keyValues(stdout);
  refuse(facts.io_uring_setup === undefined, `the attempt did not run: ${stdout}${stderr}`);
  for (const name of ['io_uring_setup', 'io_uring_enter', 'io_uring_register']) {
    refuse(facts[name] !== '-1/EPERM', `${name} answered ${facts[name]}, not -1/EPERM`);
  }
}

/**
 * Kiln's seccomp profile (and, in nested mode, the inner filter too) refuses
 * io_uring: the kernel surface behind a long run of privilege escalations.
 * Docker 20.10's built-in profile allows it.
 */
export const ioUring: Attack = {
  name: 'io_uring (io_uring_setup, io_uring_enter, io_uring_register)',
  request: () => python(IO_URING_PROBE),
  check: (answer) => checkIoUringRefused(answer.run?.stdout ?? '', answer.run?.stderr),
};

export const dockerSocket: Attack = {
  name: 'Docker socket',
  request: () =>
    bash('for s in /var/run/docker.sock /run/docker.sock /run/containerd/containerd.sock; do [ -e "$s" ] && echo "found=$s"; done; find / -xdev -name "*.sock" 2>/dev/null | sed "s/^/found=/"; echo done=1'),
  check: (answer) => {
    refuse(answer.run!.stdout.includes('found='), `sockets reachable: ${answer.run!.stdout.match(/found=\S+/g)?.join(' ')}`);
    refuse(reported(answer).done !== '1', 'the program did not finish');
  },
};

export const fdExhaustion: Attack = {
  name: 'file descriptor exhaustion',
  request: () =>
    python(
      ['import os', 'fds = []', 'try:', '    while True:', '        fds.append(os.open("/dev/null", os.O_RDONLY))', 'except OSError:', '    pass', 'print(f"opened={len(fds)}")'].join(
        '\n',
      ),
    ),
  check: (answer) => {
    const opened = Number(reported(answer).opened);
    refuse(!(opened < 256), `opened ${opened} files with a limit of 256`);
  },
};

/** The sandbox-wide hard limits, read from PID 1 (the agent): they bind every process, escaped or not. */
export const sandboxRlimits: Attack = {
  name: 'sandbox-wide rlimits (nofile, fsize, core)',
  request: () => bash('grep -E "^Max (open files|file size|core file size)" /proc/1/limits'),
  check: (answer) => {
    const hard = (name: string) => new RegExp(`^Max ${name}\\s+\\S+\\s+(\\S+)`, 'm').exec(answer.run?.stdout ?? '')?.[1];
    const [nofile, fsize, core] = [hard('open files'), hard('file size'), hard('core file size')];
    refuse(!nofile || !fsize || !core, `could not read the limits: ${answer.run?.stdout}${answer.run?.stderr}`);
    refuse(fsize === 'unlimited' || Number(fsize) > 64 * MiB, `hard file size limit ${fsize}`);
    refuse(core !== '0', `hard core size limit ${core}`);
    refuse(nofile === 'unlimited' || Number(nofile) > 256, `hard open-files limit ${nofile}`);
  },
};

/** The cgroup as the sandbox sees it: memory+swap equal to memory, a CPU quota, a pids maximum. */
export const cgroupLimits: Attack = {
  name: 'cgroup limits (memory, swap, CPU quota, pids)',
  request: () =>
    bash(
      [
        'cg=/sys/fs/cgroup',
        'echo "memory=$(cat $cg/memory/memory.limit_in_bytes 2>/dev/null || cat $cg/memory.max)"',
        'echo "memsw=$(cat $cg/memory/memory.memsw.limit_in_bytes 2>/dev/null || cat $cg/memory.swap.max)"',
        'echo "quota=$(cat $cg/cpu/cpu.cfs_quota_us 2>/dev/null || cut -d" " -f1 $cg/cpu.max)"',
        'echo "pids=$(cat $cg/pids/pids.max 2>/dev/null || cat $cg/pids.max)"',
      ].join('\n'),
      { limits: { memoryMb: 128, cpus: 0.5, processes: 32 } },
    ),
  check: (answer) => {
    const facts = reported(answer);
    refuse(Number(facts.memory) !== 128 * MiB, `memory limit ${facts.memory}`);
    refuse(facts.memsw !== facts.memory && facts.memsw !== '0', `memory+swap limit ${facts.memsw} ≠ memory limit ${facts.memory}`);
    refuse(facts.quota === '-1' || facts.quota === 'max' || !facts.quota, `no CPU quota (${facts.quota})`);
    refuse(facts.pids === 'max' || !(Number(facts.pids) <= 40), `pids maximum ${facts.pids}`);
  },
};

/**
 * With the host's IPC namespace the sandbox would see the host's /dev/shm (the test leaves a canary there).
 * Listed from inside the directory: gVisor 20221219 cannot stat a named path (test/support/tiers.ts, `behaves`).
 */
export const ipcNamespace: Attack = {
  name: 'IPC namespace (host /dev/shm)',
  request: () => bash('(cd /dev/shm && ls -a) | sed "s/^/shm=/"; echo "sysv=$(tail -n +2 /proc/sysvipc/shm 2>/dev/null | wc -l)"'),
  check: (answer, { host }) => {
    refuse(!/^shm=\.$/m.test(answer.run?.stdout ?? ''), `could not list /dev/shm: ${answer.run?.stderr}`);
    refuse(answer.run!.stdout.includes(host.shmCanary), 'sees the host’s /dev/shm');
  },
};

export const compileBombTemplates: Attack = {
  name: 'compile bomb: C++ template explosion',
  request: () => ({
    language: 'cpp',
    code: [
      'template<int N> struct F { static const long long v = F<N-1>::v + F<N-2>::v + F<N-3>::v; };',
      'template<> struct F<0> { static const long long v = 1; };',
      'template<> struct F<1> { static const long long v = 1; };',
      'template<> struct F<2> { static const long long v = 1; };',
      '#define X(n) template struct F<n>;',
      'template<int D, int W> struct T { T<D-1, W*2> a; T<D-1, W*2+1> b; };',
      'template<int W> struct T<0, W> { char c[W % 7 + 1]; };',
      'T<24, 1> t;',
      'int main() { return sizeof(t) > 0 ? 0 : F<40>::v; }',
    ].join('\n'),
    limits: { compileTimeoutMs: 5000 },
  }),
  check: (answer) => {
    expectVerdict(answer, ['COMPILE_ERROR']);
    refuse(answer.run !== null, 'the program ran');
  },
};

export const compileBombUrandom: Attack = {
  name: 'compile bomb: #include "/dev/urandom"',
  request: () => ({ language: 'c', code: '#include "/dev/urandom"\nint main(void){return 0;}', limits: { compileTimeoutMs: 3000 } }),
  check: (answer) => {
    expectVerdict(answer, ['COMPILE_ERROR']);
    refuse(answer.compile!.wallTimeMs > 5000, `compiled for ${answer.compile!.wallTimeMs} ms past a 3000 ms limit`);
  },
};

export const hugeArtifact: Attack = {
  name: 'a huge compiled artifact',
  // Initialised, external data: the linker must write all 200 MiB into the binary.
  request: () => c('char big[200 << 20] = {1};\nint main(int argc, char **argv){ (void)argv; return big[argc * 12345]; }'),
  check: (answer) => {
    expectVerdict(answer, ['COMPILE_ERROR']);
    refuse(answer.run !== null, 'the program ran');
  },
};

/** Only the sandbox's own tmpfs mounts and Docker's per-container /etc files: no host directory. */
export const hostMounts: Attack = {
  name: 'host paths mounted into the sandbox',
  request: () => bash('awk \'{print "mount=" $2}\' /proc/self/mounts | sort -u'),
  check: (answer) => {
    const allowed = new Set(['/', '/workspace', '/tmp', '/etc/resolv.conf', '/etc/hostname', '/etc/hosts']);
    const mounts = (answer.run?.stdout ?? '').split('\n').filter((l) => l.startsWith('mount=')).map((l) => l.slice(6));
    refuse(mounts.length === 0, `could not read the mounts: ${answer.run?.stderr}`);
    const foreign = mounts.filter((m) => !allowed.has(m) && !/^\/(proc|sys|dev)(\/|$)/.test(m));
    refuse(foreign.length > 0, `host paths mounted: ${foreign.join(', ')}`);
  },
};

/** What the worker adds to the stderr of a run whose program wrote into the agent's channel (apps/worker/src/agent/agent-session.ts). */
const TAMPERED = "kiln: the sandbox's control channel broke while the program ran";

/**
 * A program that writes `frames` (Python bytes) into the agent's channel
 * through /proc/1/fd/1 (and fd/2), then exits 3. Under runc the agent,
 * non-dumpable, is out of reach (docker-init, dumpable, would not be);
 * gVisor's procfs lets the write through, and the worker's per-exec nonce
 * (docs/agent-protocol.md) is what tells the agent's answer from a forged one.
 */
function channelWriter(frames: string): Record<string, unknown> {
  return python(
    [
      'import os, struct, sys',
      `frames = ${frames}`,
      'for target in ("/proc/1/fd/1", "/proc/1/fd/2"):',
      '    try:',
      '        fd = os.open(target, os.O_WRONLY)',
      '        os.write(fd, frames)',
      '        print("injected=" + target, flush=True)',
      '    except OSError as error:',
      '        print("refused=" + error.strerror, flush=True)',
      'sys.exit(3)',
    ].join('\n'),
  );
}

/**
 * However the write went, the job is the program's failure and nothing it
 * wrote was believed: refused, it exits 3 (RUNTIME_ERROR); let through,
 * its run ends RUNTIME_ERROR with the worker's note. Never OK (the forged
 * result), never Kiln's failure, never a hang.
 */
function checkChannelContained(answer: JobAnswer): void {
  refuse(answer.state !== 'COMPLETED', `job ended ${answer.state}`);
  refuse(answer.verdict !== 'RUNTIME_ERROR', `verdict ${answer.verdict}: the forged result was believed`);
  const stderr = answer.run?.stderr ?? '';
  const refused = answer.run?.exitCode === 3 && !stderr.includes(TAMPERED);
  const caught = answer.run?.signal === 'SIGKILL' && stderr.includes(TAMPERED);
  refuse(!refused && !caught, `neither refused nor caught: exit ${answer.run?.exitCode}, signal ${answer.run?.signal}, stderr ${JSON.stringify(stderr)}`);
}

const FORGED_RESULT =
  'b"exit_code=0\\nsignal=0\\ntimed_out=0\\ncpu_limited=0\\noutput_limited=0\\noom_killed=0\\nwall_ms=1\\ncpu_ms=1\\nmax_rss_kb=1\\nstdout_bytes=7\\nstderr_bytes=0\\ncollect_error=\\nexec_error=\\n"';

/** Forging the verdict: fake output and a fake exit code 0 in agent frames, as the agent would send them (but its nonce). */
export const verdictForgery: Attack = {
  name: 'forging the result through the attach stream',
  request: () => channelWriter(`b"O" + struct.pack(">I", 7) + b"forged\\n" + b"R" + struct.pack(">I", len(${FORGED_RESULT})) + ${FORGED_RESULT}`),
  check: checkChannelContained,
};

/** The same result with a guessed nonce line: no better than none. */
export const guessedNonceForgery: Attack = {
  name: 'forging the result with a guessed nonce',
  request: () => {
    const result = FORGED_RESULT.replace(/"$/, 'nonce=00000000000000000000000000000000\\n"');
    return channelWriter(`b"R" + struct.pack(">I", len(${result})) + ${result}`);
  },
  check: checkChannelContained,
};

/** Bytes that are no frame at all into the channel: the program's failure, not Kiln's (no INTERNAL_ERROR, no hang). */
export const channelGarbage: Attack = {
  name: 'garbage written into the agent channel',
  request: () => channelWriter('b"\\xff\\x00\\x00\\x00\\x10 this is not a frame at all" * 64'),
  check: checkChannelContained,
};

/** A forged refusal (X) and a forged hello (H), which would fail or restart the exec as Kiln's fault if believed. */
export const forgedRefusal: Attack = {
  name: 'forging a refusal and a hello through the attach stream',
  request: () => channelWriter('b"X" + struct.pack(">I", 4) + b"boom" + b"H" + struct.pack(">I", 12) + b"kiln-agent 1"'),
  check: checkChannelContained,
};

/**
 * Killing (or stopping) the agent, the program's parent: as PID 1 of the
 * sandbox's PID namespace it cannot be sent SIGKILL or SIGSTOP from inside,
 * so the run ends as the program's own. A killed agent would end the task as
 * Kiln's failure (the agent gone), retried and failed: a denial of service
 * that blames Kiln.
 */
export const agentKill: Attack = {
  name: 'killing the agent',
  request: () =>
    python(
      [
        'import os, signal, time',
        'parent = os.getppid()',
        'print("parent=" + str(parent), flush=True)',
        'for sig in (signal.SIGKILL, signal.SIGSTOP, signal.SIGTERM):',
        '    try:',
        '        os.kill(parent, sig)',
        '    except OSError as error:',
        '        print("refused=" + error.strerror, flush=True)',
        'time.sleep(0.5)',
        'print("agent_alive=1", flush=True)',
      ].join('\n'),
    ),
  check: (answer) => {
    refuse(answer.state !== 'COMPLETED', `job ended ${answer.state}: killing the agent made it Kiln's failure`);
    if (reported(answer).agent_alive === '1') return;
    // gVisor's kernel lets a program kill its PID 1 (test/support/tiers.ts, `behaves`): then the run is the program's failure, said so.
    const ownFailure = answer.verdict === 'RUNTIME_ERROR' && (answer.run?.stderr ?? '').includes("the sandbox's agent (its PID 1) was killed from inside the sandbox");
    refuse(!ownFailure, `the program's last line never came back and the run is not its own failure (verdict ${answer.verdict}): the agent was killed or stopped`);
  },
};

/** Each attack of the catalogue, for the hostile suite. */
export const HOSTILE_CODE: Attack[] = [
  forkBombShell,
  forkBombC,
  processFlood,
  memoryBomb,
  workspaceFill,
  tmpFill,
  shmFill,
  rootFsWrite,
  stdoutFlood,
  stderrFlood,
  hugeLine,
  infiniteLoop,
  sleepForever,
  stopItself,
  cpuTimeAllProcesses,
  cpuTimeBelowASecond,
  daemon,
  networkEgress,
  environmentLeak,
  procSnooping,
  identity,
  rootOrCapabilities,
  setuidRoot,
  userNamespace,
  ioUring,
  dockerSocket,
  fdExhaustion,
  sandboxRlimits,
  programRlimits,
  cgroupLimits,
  ipcNamespace,
  hostMounts,
  verdictForgery,
  guessedNonceForgery,
  channelGarbage,
  forgedRefusal,
  agentKill,
  compileBombTemplates,
  compileBombUrandom,
  hugeArtifact,
];
