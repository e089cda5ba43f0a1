import { Harness, startKiln } from '../support/kiln-harness';
import { PistonConnectClient } from '../support/piston-connect-client';

const GREETING = 'name = input("What is your name? ")\nprint(f"Hello, {name}!")\n';

/**
 * Issue 17, acceptance 2, end to end: Piston's /api/v2/connect on a real
 * Kiln (Redis, a worker, the Docker engine), driven by a plain WebSocket
 * client that speaks only Piston's messages.
 */
describe('Piston /api/v2/connect (end to end)', () => {
  let kiln: Harness;
  let url: string;

  beforeAll(async () => {
    kiln = await startKiln();
    await kiln.coordinator!.listen(0, '127.0.0.1');
    url = `${(await kiln.coordinator!.getUrl()).replace(/^http/, 'ws')}/api/v2/connect`;
  });

  afterAll(async () => {
    await kiln?.close();
  });

  it('the greeting program: the prompt arrives before any stdin is sent, the greeting after, then 4999 Job Completed', async () => {
    const client = new PistonConnectClient(url);
    await client.send({ type: 'init', language: 'python', version: '3.x', files: [{ name: 'main.py', content: GREETING }], args: [] });
    await client.next((message) => message.type === 'data' && String(message.data).includes('What is your name?'), 'the prompt', 60_000);
    expect(client.stdout()).not.toContain('Hello');
    await client.send({ type: 'data', stream: 'stdin', data: 'Ada\n' });
    expect(await client.waitClosed(60_000)).toEqual({ code: 4999, reason: 'Job Completed' });
    expect(client.messages[0]).toEqual({ type: 'runtime', language: 'python', version: '3.11.2' });
    expect(client.messages[1]).toEqual({ type: 'stage', stage: 'run' });
    expect(client.stdout()).toBe('What is your name? Hello, Ada!\n');
    expect(client.messages.at(-1)).toEqual({ type: 'exit', stage: 'run', code: 0, signal: null });
  });

  it('a compiled program: compile stage, exit 0, run stage, its stdin read live', async () => {
    const program = '#include <stdio.h>\nint main(void) { char name[64]; printf("name? "); fflush(stdout); if (!fgets(name, sizeof name, stdin)) return 1; printf("hi %s", name); return 0; }\n';
    const client = new PistonConnectClient(url);
    await client.send({ type: 'init', language: 'c', version: '*', files: [{ content: program }] });
    await client.next((message) => message.type === 'data' && message.data === 'name? ', 'the prompt', 90_000);
    await client.send({ type: 'data', stream: 'stdin', data: 'C\n' });
    expect((await client.waitClosed(60_000)).code).toBe(4999);
    expect(client.messages.filter((message) => message.type === 'stage' || message.type === 'exit')).toEqual([
      { type: 'stage', stage: 'compile' },
      { type: 'exit', stage: 'compile', code: 0, signal: null },
      { type: 'stage', stage: 'run' },
      { type: 'exit', stage: 'run', code: 0, signal: null },
    ]);
    expect(client.stdout()).toBe('name? hi C\n');
  });

  it('a signal ends a sleeping program: its exit names the signal', async () => {
    const client = new PistonConnectClient(url);
    await client.send({ type: 'init', language: 'python', version: '*', files: [{ content: 'import time\nprint("sleeping", flush=True)\ntime.sleep(30)\n' }] });
    await client.next((message) => message.type === 'data' && message.data === 'sleeping\n', 'the program running', 60_000);
    await client.send({ type: 'signal', signal: 'SIGTERM' });
    expect((await client.waitClosed(30_000)).code).toBe(4999);
    expect(client.messages.at(-1)).toEqual({ type: 'exit', stage: 'run', code: null, signal: 'SIGTERM' });
  });

  it('a client that goes quiet is ended by the run\'s own time limit (run_timeout): SIGKILL, then 4999', async () => {
    const client = new PistonConnectClient(url);
    const started = Date.now();
    await client.send({ type: 'init', language: 'python', version: '*', files: [{ content: GREETING }], run_timeout: 1500 });
    expect((await client.waitClosed(60_000)).code).toBe(4999);
    // Killed while it waits on input(): nothing on stderr (an EOFError there would mean stdin ended before the kill).
    expect({ exit: client.messages.at(-1), stderr: client.stderr() }).toEqual({ exit: { type: 'exit', stage: 'run', code: null, signal: 'SIGKILL' }, stderr: '' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
  });

  it.each([
    ['4003: data before init', [{ type: 'data', stream: 'stdin', data: 'x\n' }], { code: 4003, reason: 'Not yet initialized' }],
    ['4001: no init within 1 s', [], { code: 4001, reason: 'Initialization Timeout' }],
  ])('%s', async (_case, messages, closed) => {
    const client = new PistonConnectClient(url);
    await client.open();
    for (const message of messages) await client.send(message);
    expect(await client.waitClosed()).toEqual(closed);
  });

  it('4005: a signal Piston does not know', async () => {
    const client = new PistonConnectClient(url);
    await client.send({ type: 'init', language: 'python', version: '*', files: [{ content: GREETING }] });
    await client.next((message) => message.type === 'runtime', 'the runtime', 60_000);
    await client.send({ type: 'signal', signal: 'SIGNOPE' });
    expect(await client.waitClosed()).toEqual({ code: 4005, reason: 'Invalid signal' });
  });
});
