import type Docker from 'dockerode';
import { AgentExecReport, AgentGoneError, OutputListener, PartialExec } from '../../agent/agent-session';
import { SandboxLimits } from '../sandbox-runtime';
import { GVISOR_RUNTIME } from './gvisor-spec';

const MiB = 1024 * 1024;
/** How long the engine may take to record the end of a container whose stream just closed. */
const EXIT_RECORD_TIMEOUT_MS = 3000;
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
 *   (`State.OOMKilled`). That is the program's memory limit: MEMORY_LIMIT.
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
  if (info.State.OOMKilled) return deathReport(gone.partial, { oomKilled: true, maxRssBytes: limits.memoryMb * MiB });
  if (info.HostConfig.Runtime !== GVISOR_RUNTIME) return null;
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

async function exitedInfo(container: Docker.Container): Promise<Docker.ContainerInspectInfo | null> {
  const deadline = Date.now() + EXIT_RECORD_TIMEOUT_MS;
  for (;;) {
    const info = await container.inspect().catch(() => null);
    if (!info || !info.State.Running || Date.now() > deadline) return info;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
