import { release } from 'node:os';
import Docker from 'dockerode';
import { oomReported } from '../../apps/worker/src/sandbox/docker/sandbox-death';
import { Harness, startKiln } from '../support/kiln-harness';
import { deploymentLabel } from '../support/sandboxes';
import { testPrefix } from '../support/test-run';
import { networkEgress, userNamespace } from './attacks';

/** sandbox.runtime: another OCI runtime (gVisor's runsc) where the host has it. */
describe('sandbox.runtime', () => {
  it('refuses to start with a runtime the engine does not have, saying which it has', async () => {
    await expect(startKiln({ coordinator: false, env: { KILN_SANDBOX__RUNTIME: 'nosuchruntime' } })).rejects.toThrow(
      /sandbox\.runtime is nosuchruntime, but the Docker engine has no such runtime \(it has: .*runc/,
    );
  });

  it('refuses nested mode under runsc, saying why', async () => {
    await expect(startKiln({ coordinator: false, env: { KILN_SANDBOX__RUNTIME: 'runsc', KILN_SANDBOX__MODE: 'nested' } })).rejects.toThrow(
      /sandbox\.mode nested cannot run under sandbox\.runtime runsc: bubblewrap cannot start inside gVisor/,
    );
  });

  /** scripts/host-services.sh registers runsc (scripts/register-gvisor.sh); the hostile suite's gVisor tier runs the catalogue. */
  describe('gVisor (runsc)', () => {
    let kiln: Harness;

    beforeAll(async () => {
      kiln = await startKiln({ env: { KILN_SANDBOX__RUNTIME: 'runsc' } });
    });

    afterAll(async () => {
      await kiln?.close();
    });

    it('runs programs on gVisor’s kernel, not the host’s', async () => {
      const answer = await kiln.http().post('/execute').send({ language: 'bash', code: 'cat /proc/version' });
      expect(answer.body.run.stdout).toMatch(/^Linux version 4\.4\.0 /);
      expect(answer.body.run.stdout).not.toContain(release());
    });

    /**
     * runsc answers a seccomp rule's ENOSYS (clone3's) with EPERM, and glibc
     * then starts no thread: the profile is adapted for it (gvisor-spec.ts).
     * Each of these fails to start a thread without that.
     */
    it('runs multi-threaded programs: Python threads, Node, the JVM', async () => {
      const programs = [
        { language: 'python', code: 'import threading\nt = threading.Thread(target=print, args=("thread",))\nt.start(); t.join()', expected: 'thread\n' },
        { language: 'javascript', code: 'console.log("node")', expected: 'node\n' },
        { language: 'java', code: 'public class Main { public static void main(String[] a) { System.out.println("jvm"); } }', expected: 'jvm\n' },
      ];
      for (const { expected, ...program } of programs) {
        const answer = await kiln.http().post('/execute').send(program);
        expect(answer.body).toMatchObject({ state: 'COMPLETED', verdict: 'OK', run: { stdout: expected } });
      }
    }, 90_000);

    /**
     * gVisor's ptrace platform gives every process of the program host threads
     * (apps/worker/src/sandbox/docker/gvisor-spec.ts): a fork bomb held at its
     * process limit still multiplies them until the host's pids limit stops
     * gVisor's kernel, some 13 to 30 s in. That ending is the program's
     * (sandbox-death.ts): a verdict within its time limit, never a FAILED job
     * retried, nor the backstop's wait. Within 30 s the bomb may also reach
     * its time limit first on a slow machine: TIMEOUT, as in the other tiers.
     */
    it('contains a C fork bomb with a long time limit: the program’s verdict within its limit, never Kiln’s failure', async () => {
      const started = Date.now();
      const answer = await kiln
        .http()
        .post('/execute')
        .send({ language: 'c', code: '#include <unistd.h>\nint main(void){ for(;;) fork(); }', limits: { timeoutMs: 30_000 } });
      expect(answer.body).toMatchObject({ state: 'COMPLETED', run: { signal: 'SIGKILL' } });
      expect(['RUNTIME_ERROR', 'TIMEOUT']).toContain(answer.body.verdict);
      expect(answer.body.run.wallTimeMs).toBeLessThan(30_000 + 2_000);
      // The compile, the one run, and the time the engine takes to remove a sandbox of thousands of host threads.
      expect(Date.now() - started).toBeLessThan(60_000);
    }, 90_000);

    it('runs programs, and the sandbox attacks still fail under runsc', async () => {
      for (const attack of [networkEgress, userNamespace]) {
        const answer = await kiln.http().post('/execute').send(attack.request({ host: { coordinatorPort: '8080', testHost: '127.0.0.1', listenerPort: '9' } }));
        attack.check(answer.body, { host: {} });
      }
    });
  });

  /**
   * Docker 20.10 may see a gVisor sandbox die before its cgroup's OOM (its
   * events: die, then oom) and then never set State.OOMKilled: a memory bomb
   * ended RUNTIME_ERROR now and then. sandbox-death.ts reads the engine's
   * `oom` event instead; here it is asked of a sandbox the OOM killer ended
   * and of one killed from outside (which must not read as an OOM).
   */
  describe("a gVisor sandbox's death: the engine's oom event", () => {
    const docker = new Docker();
    const deployment = testPrefix('oom');
    const ended = async (cmd: string[]) => {
      const container = await docker.createContainer({
        Image: 'kiln/python:latest',
        Entrypoint: ['python3', '-c'],
        Cmd: cmd,
        Labels: { 'kiln.deployment': deployment },
        HostConfig: { Runtime: 'runsc', Memory: 128 << 20, MemorySwap: 128 << 20, NetworkMode: 'none' },
      });
      await container.start();
      return container;
    };

    afterAll(async () => {
      const left = await docker.listContainers({ all: true, filters: { label: [deploymentLabel(deployment)] } });
      await Promise.all(left.map((c) => docker.getContainer(c.Id).remove({ force: true })));
    });

    it('is reported for a memory bomb, and not for a sandbox killed from outside', async () => {
      const bomb = await ended(['x = []\nwhile True: x.append(bytearray(8 << 20))']);
      await bomb.wait();
      expect(await oomReported(bomb, await bomb.inspect())).toBe(true);
      const sleeper = await ended(['import time; time.sleep(60)']);
      await sleeper.kill({ signal: 'SIGKILL' });
      await sleeper.wait();
      const info = await sleeper.inspect();
      expect(info.State).toMatchObject({ ExitCode: 137, OOMKilled: false });
      expect(await oomReported(sleeper, info)).toBe(false);
    }, 60_000);
  });
});
