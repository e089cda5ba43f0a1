import { RuntimeHealth, SandboxRuntime } from '../sandbox/sandbox-runtime';
import { TaskQueueConsumer } from '../tasks/task-queue.consumer';
import { RuntimeWatchdog } from './runtime-watchdog';

function watchdogOf(health: () => Promise<RuntimeHealth>) {
  const calls = { health: 0, paused: [] as string[], resumed: 0 };
  const runtime = { health: () => (calls.health++, health()) } as unknown as SandboxRuntime;
  const consumer = { pause: async (why: string) => void calls.paused.push(why), resume: () => void calls.resumed++ } as unknown as TaskQueueConsumer;
  return { watchdog: new RuntimeWatchdog(runtime, consumer), calls };
}

describe('RuntimeWatchdog', () => {
  it('answers with the runtime’s health, pausing the consumer while it cannot make sandboxes', async () => {
    const { watchdog, calls } = watchdogOf(async () => ({ ok: false, error: 'the Docker engine does not answer' }));
    expect(await watchdog.check(1000, 10_000)).toEqual({ ok: false, error: 'the Docker engine does not answer' });
    expect(calls.paused).toEqual(['the Docker engine does not answer']);
  });

  it('a runtime slow to answer does not hold the heartbeat: the last answer, one question at a time, the late one applied when it comes', async () => {
    let answer: (health: RuntimeHealth) => void = () => undefined;
    const { watchdog, calls } = watchdogOf(() => new Promise((resolve) => (answer = resolve)));
    const started = Date.now();
    expect(await watchdog.check(50, 10_000)).toEqual({ ok: true });
    expect(await watchdog.check(50, 10_000)).toEqual({ ok: true });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(calls.health).toBe(1);
    answer({ ok: false, error: 'late' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls.paused).toEqual(['late']);
    expect(await watchdog.check(50, 10_000)).toEqual({ ok: false, error: 'late' });
    expect(calls.health).toBe(2);
  });

  it('a runtime silent past stalledAfterMs is down: the consumer paused until it answers', async () => {
    const { watchdog, calls } = watchdogOf(() => new Promise(() => undefined));
    expect(await watchdog.check(20, 10_000)).toEqual({ ok: true });
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(await watchdog.check(20, 50)).toEqual({ ok: false, error: expect.stringMatching(/^the sandbox runtime has not answered for \d+ ms$/) });
    expect(calls.paused).toHaveLength(1);
    expect(calls.health).toBe(1);
  });
});
