import type Docker from 'dockerode';
import { AgentExecReport, AgentGoneError, OutputListener, PartialExec } from '../../agent/agent-session';
import { SandboxLimits } from '../sandbox-runtime';
import { GVISOR_RUNTIME } from './gvisor-spec';

const MiB = 1024 * 1024;
/** How long the engine may take to record the end of a container whose stream just closed. */
const EXIT_RECORD_TIMEOUT_MS = 3000;
/** How long the engine may take to report the OOM of a gVisor sandbox it already saw die (see oomReported). */
const OOM_EVENT_TIMEOUT_MS = 1000;
/** The status a Go program exits with on a fatal runtime error: gVisor's kernel when the host refuses it a thread. */
const GO_FATAL_EXIT = 2;
/** A container whose PID 1 (the agent) was killed by SIGKILL. */
const KILLED_EXIT = 128 + 9;
/** Said on the program's stderr when it killed the agent (the only way it can end its own sandbox so). */
export const AGENT_KILLED_NOTE = "\nkiln: the sandbox's agent (its PID 1) was killed from inside the sandbox: gVisor lets a program signal its PID 1\n";

/**
 * The report of an exec whose whole container died of the program's doing,
 * or null when it died for any other reason (then it is Kiln's failure):
 *
 * - The kernel's OOM killer ended it. Under runc the agent outlives the
 *   program and reports the kill itself (images/agent/exec.c reads the
 *   cgroup's oom_kill counter); under gVisor the memory cgroup holds gVisor's
 *   own kernel with the program, which has no OOM killer of its own, so the
 *   host kills the whole sandbox and only the engine knows why
 *   (`State.OOMKilled`, or its `oom` event: oomReported). That is the
 *   program's memory limit: MEMORY_LIMIT.
 * - Under gVisor, its kernel exited with Go's fatal status. On its ptrace
 *   platform every process of the program is a host process that gets a host
 *   thread for every thread of gVisor's kernel that runs it, so a fork bomb
 *   held at the program's process limit (RLIMIT_NPROC, gvisor-spec.ts) still
 *   multiplies host threads until the container's host pids limit refuses
 *   one and gVisor's kernel stops (measured with Debian's runsc 20221219: the
 *   default 64 processes reach it after some 13 to 30 s). Nothing else the
 *   program does can make it exit so; it is the program's process count:
 *   RUNTIME_ERROR, killed (SIGKILL), as a process killed by a limit is. Never
 *   retried, never the backstop's wait.
 * - Under gVisor, the agent was killed by SIGKILL and not by Kiln. Linux
 *   never delivers SIGKILL to a PID namespace's init from inside it (so under
 *   runc the agent, PID 1, cannot be killed by the program it runs: the
 *   sandbox-rules suite shows it), but gVisor's kernel (Debian's runsc
 *   20221219) does, so a program can end its own sandbox; that must be its
 *   failure (RUNTIME_ERROR, said on its stderr), not Kiln's, which would be
 *   retried and end FAILED. The price: under gVisor an operator's `docker kill`
 *   of a sandbox mid-run reads the same way.
 *
 * Either way the answer keeps the output the program wrote before.
 */
export async function programDeathReport(
  container: Docker.Container,
  gone: AgentGoneError,
  limits: SandboxLimits,
  killedByKiln: boolean,
  onOutput?: OutputListener,
): Promise<AgentExecReport | null> {
  if (!gone.partial) return null;
  const info = await exitedInfo(container);
  if (!info || info.State.Running) return null;
  // Nothing is left to ask about CPU time or peak memory: the sandbox's kernel died with the program.
  const oomKilled = () => deathReport(gone.partial!, { oomKilled: true, maxRssBytes: limits.memoryMb * MiB });
  if (info.State.OOMKilled) return oomKilled();
  if (info.HostConfig.Runtime !== GVISOR_RUNTIME) return null;
  if (await oomReported(container, info)) return oomKilled();
  if (info.State.ExitCode === GO_FATAL_EXIT) return deathReport(gone.partial, { oomKilled: false, maxRssBytes: 0 });
  if (info.State.ExitCode === KILLED_EXIT && !killedByKiln) {
    // The run's output is what its listener heard (the recorder): the note goes the same way.
    onOutput?.('stderr', Buffer.from(AGENT_KILLED_NOTE));
    return deathReport(gone.partial, { oomKilled: false, maxRssBytes: 0, note: AGENT_KILLED_NOTE });
  }
  return null;
}

function deathReport({ stdout, stderr: written, startedAt }: PartialExec, how: { oomKilled: boolean; maxRssBytes: number; note?: string }): AgentExecReport {
  const stderr = how.note ? Buffer.concat([written, Buffer.from(how.note)]) : written;
  return {
    result: {
      exitCode: null,
      signal: 9,
      timedOut: false,
      cpuLimited: false,
      outputLimited: false,
      oomKilled: how.oomKilled,
      wallMs: Date.now() - startedAt,
      cpuMs: 0,
      maxRssBytes: how.maxRssBytes,
      stdoutBytes: stdout.length,
      stderrBytes: stderr.length,
      collectError: null,
      skippedCount: 0,
      execError: null,
    },
    stdout,
    stderr,
    files: [],
    skipped: [],
  };
}

/**
 * Whether the engine reported an OOM of this container since it started.
 * Docker 20.10 can see a gVisor sandbox's death before the cgroup's OOM
 * (its events: `die`, then `oom`) and then never sets State.OOMKilled
 * (1 memory bomb in 12 or so here): the `oom` event, which may come a
 * moment after the death, is the record that stays.
 */
export async function oomReported(container: Docker.Container, info: Docker.ContainerInspectInfo): Promise<boolean> {
  const since = (Date.parse(info.State.StartedAt) / 1000).toFixed(3);
  const deadline = Date.now() + OOM_EVENT_TIMEOUT_MS;
  for (;;) {
    const events = await pastEvents(container, { since, until: (Date.now() / 1000).toFixed(3), filters: { container: [container.id], event: ['oom'] } }).catch(() => []);
    if (events.length > 0) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The engine's events in a past window (GET /events with `until`: the engine answers them and ends the stream). */
function pastEvents(container: Docker.Container, options: Record<string, unknown>): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const dial = { path: '/events?', method: 'GET', options, isStream: true, statusCodes: { 200: true, 500: 'server error' } };
    container.modem.dial(dial, (error: Error | null, stream: NodeJS.ReadableStream) => {
      if (error) return reject(error);
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', reject);
      stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line))));
    });
  });
}

async function exitedInfo(container: Docker.Container): Promise<Docker.ContainerInspectInfo | null> {
  const deadline = Date.now() + EXIT_RECORD_TIMEOUT_MS;
  for (;;) {
    const info = await container.inspect().catch(() => null);
    if (!info || !info.State.Running || Date.now() > deadline) return info;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
