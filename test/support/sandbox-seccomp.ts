import Docker from 'dockerode';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Harness, REPO_ROOT } from './kiln-harness';
import { containersOfJob } from './sandboxes';
import { eventually } from './waiting';

export interface SeccompRule {
  names: string[];
  action: string;
  errnoRet?: number;
  comment?: string;
}

export interface SeccompProfile {
  defaultAction: string;
  syscalls: SeccompRule[];
}

/** A profile as committed in apps/worker/src/sandbox/seccomp/ (container.json, nested-outer.json). */
export function committedProfile(name: string): SeccompProfile {
  return JSON.parse(readFileSync(join(REPO_ROOT, 'apps/worker/src/sandbox/seccomp', name), 'utf8'));
}

/**
 * A host that forbids unprivileged user namespaces, as a nested outer
 * container meets it: Kiln's nested-outer profile minus its bwrap rule (its
 * container-mode profile) forbids creating namespaces, which is what bwrap
 * meets on such a host. Written into `dir`; returns the file, for
 * sandbox.nested.seccompProfile.
 */
export function writeProfileWithoutBwrap(dir: string): string {
  const builtIn = committedProfile('nested-outer.json');
  const withoutBwrap = { ...builtIn, syscalls: builtIn.syscalls.filter((rule) => !rule.comment?.startsWith('kiln nested mode')) };
  if (withoutBwrap.syscalls.length !== builtIn.syscalls.length - 1) throw new Error('nested-outer.json has no single "kiln nested mode" rule any more');
  const file = join(dir, 'without-bwrap.json');
  writeFileSync(file, JSON.stringify(withoutBwrap));
  return file;
}

/** The seccomp profile the engine holds for a container (`docker inspect`): exactly one `seccomp=` option. */
export async function seccompProfileOf(containerId: string): Promise<SeccompProfile> {
  const info = await new Docker().getContainer(containerId).inspect();
  const options = ((info.HostConfig.SecurityOpt ?? []) as string[]).filter((option) => option.startsWith('seccomp='));
  if (options.length !== 1) throw new Error(`container ${containerId} has ${options.length} seccomp options: ${info.HostConfig.SecurityOpt}`);
  return JSON.parse(options[0].slice('seccomp='.length));
}

/**
 * Runs a command in a running container as the sandbox user (`docker exec`):
 * it gets the container's own seccomp profile and nothing else (in nested
 * mode, none of a nested sandbox's filters). Resolves with its stdout and stderr.
 */
export async function execAsSandboxUser(containerId: string, cmd: string[]): Promise<{ stdout: string; stderr: string }> {
  const docker = new Docker();
  const exec = await docker.getContainer(containerId).exec({ Cmd: cmd, User: '61000:61000', AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  stdout.on('data', (chunk: Buffer) => chunks.stdout.push(chunk));
  stderr.on('data', (chunk: Buffer) => chunks.stderr.push(chunk));
  docker.modem.demuxStream(stream, stdout, stderr);
  await new Promise((resolve, reject) => stream.on('end', resolve).on('error', reject));
  return { stdout: Buffer.concat(chunks.stdout).toString(), stderr: Buffer.concat(chunks.stderr).toString() };
}

/**
 * Holds one sandbox of Kiln's busy with a sleeping job, hands its container
 * id to `use`, then cancels the job.
 */
export async function withRunningSandbox(kiln: Harness, use: (containerId: string) => Promise<void>): Promise<void> {
  const submitted = await kiln.http().post('/jobs').send({ language: 'python', code: 'import time\ntime.sleep(25)', limits: { timeoutMs: 30000 } });
  if (submitted.status !== 202) throw new Error(`the sleeping job was answered ${submitted.status}: ${JSON.stringify(submitted.body)}`);
  try {
    const running = (list: Docker.ContainerInfo[]) => list.find((c) => c.State === 'running');
    const containers = await eventually(() => containersOfJob(submitted.body.id), (list) => running(list) !== undefined, 30_000, `a running sandbox of job ${submitted.body.id}`);
    await use(running(containers)!.Id);
  } finally {
    await kiln.http().put(`/jobs/${submitted.body.id}/cancel`);
  }
}
