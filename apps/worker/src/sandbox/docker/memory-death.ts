import type Docker from 'dockerode';
import { AgentExecReport, AgentGoneError } from '../../agent/agent-session';
import { SandboxLimits } from '../sandbox-runtime';

const MiB = 1024 * 1024;
/** How long the engine may take to record the end of a container whose stream just closed. */
const EXIT_RECORD_TIMEOUT_MS = 3000;

/**
 * The report of an exec whose whole container the kernel's OOM killer ended.
 * Under runc the agent outlives the program and reports the kill itself
 * (images/agent/exec.c reads the cgroup's oom_kill counter); under gVisor
 * the memory cgroup holds gVisor's own kernel with the program, which has no
 * OOM killer of its own, so the host kills the whole sandbox and only the
 * engine knows why (`State.OOMKilled`). That is the program's memory limit,
 * not Kiln's failure: MEMORY_LIMIT, with the output it wrote before. Null
 * when the container died for any other reason.
 */
export async function memoryDeathReport(container: Docker.Container, gone: AgentGoneError, limits: SandboxLimits): Promise<AgentExecReport | null> {
  if (!gone.partial) return null;
  const state = await exitedState(container);
  if (!state?.OOMKilled) return null;
  const { stdout, stderr, startedAt } = gone.partial;
  return {
    result: {
      exitCode: null,
      signal: 9,
      timedOut: false,
      cpuLimited: false,
      outputLimited: false,
      oomKilled: true,
      wallMs: Date.now() - startedAt,
      // Nothing is left to ask: the sandbox's kernel died with the program.
      cpuMs: 0,
      maxRssBytes: limits.memoryMb * MiB,
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

async function exitedState(container: Docker.Container): Promise<Docker.ContainerInspectInfo['State'] | null> {
  const deadline = Date.now() + EXIT_RECORD_TIMEOUT_MS;
  for (;;) {
    const state = await container.inspect().then(
      (info) => info.State,
      () => null,
    );
    if (!state || !state.Running || Date.now() > deadline) return state;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
