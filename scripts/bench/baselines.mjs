// The baselines measured in the same run: `docker run --rm` of the same
// program, and raw container churn through the Engine API.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { perSecond } from './stats.mjs';

const run = promisify(execFile);

/** `docker run --rm` of the Python hello, with the sandbox's main restrictions; ms per run. */
export async function dockerRunTimes(count) {
  const times = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const { stdout } = await run('docker', [
      'run', '--rm', '--network', 'none', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--read-only',
      '--user', '61000:61000', '--entrypoint', 'python3', 'kiln/python:latest', '-c', 'print("hello docker")',
    ]);
    if (stdout !== 'hello docker\n') throw new Error(`docker run printed ${JSON.stringify(stdout)}`);
    times.push(performance.now() - started);
  }
  return times;
}

/**
 * create + start + wait + remove of containers built exactly as Kiln's
 * sandboxes (the worker's own container spec) but running `true`, by
 * `parallel` loops; containers per second.
 */
export async function rawChurn(containerSpec, total, parallel) {
  const docker = new Docker();
  const options = { ...containerSpec, Entrypoint: ['/bin/true'], Cmd: [], AttachStdin: false, OpenStdin: false, StdinOnce: false, AttachStdout: false, AttachStderr: false };
  return perSecond(total, parallel, async () => {
    const container = await docker.createContainer(options);
    await container.start();
    await container.wait();
    await container.remove({ force: true });
  });
}

/**
 * What nested mode could do with no Kiln around it: `parallel` outer
 * containers (Kiln's nested container spec, Kiln's agent session), each
 * running the Python hello in one fresh nested sandbox after another, back to
 * back, for `total` tasks; tasks per second. The ceiling of nested-mode
 * throughput on this machine.
 */
export async function nestedCeiling(nestedSpec, AgentSession, total, parallel) {
  const docker = new Docker();
  const outers = await Promise.all(Array.from({ length: parallel }, () => startAgentContainer(docker, nestedSpec, AgentSession)));
  const rate = await perSecond(total, parallel, async (loop) => {
    const { session } = outers[loop];
    const hello = session.helloCount;
    await pythonHello(session);
    session.quit();
    await session.helloNumber(hello + 1);
  });
  await Promise.all(outers.map(({ container }) => container.remove({ force: true })));
  return rate;
}

/**
 * What the default mode could do with no Kiln around it: a new container per
 * task, exactly as Kiln makes and uses one (create, attach, start, the agent's
 * hello, the Python hello through the agent, remove), by `parallel` loops;
 * tasks per second. The ceiling of default-mode throughput on this machine.
 */
export async function containerCeiling(containerSpec, AgentSession, total, parallel) {
  const docker = new Docker();
  return perSecond(total, parallel, async () => {
    const { container, session } = await startAgentContainer(docker, containerSpec, AgentSession);
    await pythonHello(session);
    await container.remove({ force: true });
  });
}

/** Create, attach, start, and the agent's hello: a sandbox container as Kiln starts one. */
export async function startAgentContainer(docker, spec, AgentSession) {
  const container = await docker.createContainer(spec);
  const stream = await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true });
  const session = new AgentSession(stream, (s, out, err) => container.modem.demuxStream(s, out, err));
  await container.start();
  await session.ready();
  return { container, session };
}

/** The environment a Python program gets from the agent when no Kiln is around. */
export const PYTHON_ENV = { PATH: '/usr/bin:/bin', PYTHONDONTWRITEBYTECODE: '1' };

/** The Python hello through the agent, checked. */
async function pythonHello(session) {
  const report = await session.exec({ argv: ['python3', '-c', 'print("hello")'], env: PYTHON_ENV }, Buffer.alloc(0));
  if (report.stdout.toString() !== 'hello\n') throw new Error('sandbox answered wrongly');
}
