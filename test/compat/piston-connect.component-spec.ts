import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { ThrottlerStorageService } from '@nestjs/throttler';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '@kiln/config';
import { JobState, Verdict } from '@kiln/tasks';
import { ApiKeys } from '../../apps/coordinator/src/auth/api-keys';
import { CallerIdentity } from '../../apps/coordinator/src/auth/caller-identity';
import { UpgradeRateLimit } from '../../apps/coordinator/src/auth/upgrade-rate-limit';
import { PistonConnectGateway } from '../../apps/coordinator/src/compat/piston/piston-connect.gateway';
import { PistonRuntimes } from '../../apps/coordinator/src/compat/piston/piston-runtimes';
import { InvalidRequestException } from '../../apps/coordinator/src/http/field-error';
import { WebSocketUpgrades } from '../../apps/coordinator/src/http/websocket-upgrades';
import { FakeInteractiveRuns, FakeProgram } from '../support/fake-interactive-runs';
import { REPO_ROOT } from '../support/kiln-harness';
import { PistonConnectClient } from '../support/piston-connect-client';

const KEY = 'piston-connect-key-0123456789';
const INIT = { type: 'init', language: 'python', version: '3.x', files: [{ name: 'main.py', content: 'name = input("What is your name? ")\nprint(f"Hello, {name}!")' }], args: [] };

/** The programs the fake runs, by the request's language: what the sandbox would do with the test's sources. */
const programs: FakeProgram = async (io) => {
  switch (io.request.language) {
    case 'c':
      io.stage('compile');
      io.stage('run');
      io.stdout('compiled and ran\n');
      return { stage: 'run', code: 0, signal: null, status: Verdict.OK };
    case 'bash': {
      io.stage('run');
      io.stdout('sleeping\n');
      const signal = await io.signal();
      return { stage: 'run', code: null, signal, status: Verdict.RUNTIME_ERROR };
    }
    case 'ruby':
      io.stage('run');
      return { stage: 'run', code: null, signal: 'SIGKILL', status: Verdict.TIMEOUT };
    default: {
      io.stage('run');
      io.stdout('What is your name? ');
      const name = await io.line();
      io.stdout(`Hello, ${name}!\n`);
      return { stage: 'run', code: 0, signal: null, status: Verdict.OK };
    }
  }
};

interface ConnectServer {
  url: string;
  runs: FakeInteractiveRuns;
  close(): Promise<void>;
}

/** The coordinator's upgrade edge and Piston's gateway on a loopback server, over the fake service. */
async function startConnectServer(env: Record<string, string> = {}): Promise<ConnectServer> {
  const loaded = loadConfig({ ...process.env, KILN_HOME: REPO_ROOT, KILN_LOGGING__LEVEL: 'error', ...env });
  const server: Server = createServer((_request, response) => response.writeHead(404).end());
  const upgrades = new WebSocketUpgrades({ httpAdapter: { getHttpServer: () => server } } as unknown as HttpAdapterHost, loaded.config);
  const runs = new FakeInteractiveRuns(programs);
  const callers = new CallerIdentity(new ApiKeys(loaded.config), new Reflector());
  const rateLimit = new UpgradeRateLimit(new ThrottlerStorageService(), callers, loaded.config);
  const gateway = new PistonConnectGateway(upgrades, runs, new PistonRuntimes(loaded.languages), callers, rateLimit, loaded.config);
  gateway.onModuleInit();
  upgrades.onApplicationBootstrap();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/api/v2/connect`,
    runs,
    async close() {
      gateway.onApplicationShutdown();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Issue 17, acceptance 2 (protocol and close codes): Piston's /api/v2/connect over a stand-in of the interactive service. */
describe('Piston /api/v2/connect', () => {
  let kiln: ConnectServer;

  beforeAll(async () => {
    kiln = await startConnectServer();
  });

  afterAll(async () => {
    await kiln?.close();
  });

  it('runs the greeting program: runtime, stage, the prompt before any stdin, the greeting after, exit, then close 4999 Job Completed', async () => {
    const client = new PistonConnectClient(kiln.url);
    await client.send(INIT);
    await client.next((message) => message.type === 'data' && message.data === 'What is your name? ', 'the prompt');
    const run = kiln.runs.runs.at(-1)!;
    expect(run.stdin).toEqual([]);
    await client.send({ type: 'data', stream: 'stdin', data: 'Ada\n' });
    expect(await client.waitClosed()).toEqual({ code: 4999, reason: 'Job Completed' });
    expect(client.messages).toEqual([
      { type: 'runtime', language: 'python', version: '3.11.2' },
      { type: 'stage', stage: 'run' },
      { type: 'data', stream: 'stdout', data: 'What is your name? ' },
      { type: 'data', stream: 'stdout', data: 'Hello, Ada!\n' },
      { type: 'exit', stage: 'run', code: 0, signal: null },
    ]);
    expect(run.stdin).toEqual(['Ada\n']);
    expect(run.cancelled).toBe(false);
  });

  it('maps the init as /api/v2/execute maps a request (language, files, args, limits), without stdin: the client writes it', async () => {
    const client = new PistonConnectClient(kiln.url);
    await client.send({ ...INIT, files: [{ content: 'print(input())' }], args: ['--fast'], stdin: 'ignored as Piston ignores it', run_timeout: 2500, compile_timeout: 5000, run_memory_limit: 64 * 1024 * 1024 });
    await client.next((message) => message.type === 'data', 'the prompt');
    const { request } = kiln.runs.runs.at(-1)!;
    expect(request).toMatchObject({ language: 'python', args: ['--fast'], limits: { timeoutMs: 2500, compileTimeoutMs: 5000, memoryMb: 64 } });
    expect(request).toMatchObject({ files: [{ name: 'main.py', encoding: 'base64', content: Buffer.from('print(input())').toString('base64') }] });
    expect(request).not.toHaveProperty('stdin');
    expect(request).not.toHaveProperty('combinedOutput');
    await client.send({ type: 'data', stream: 'stdin', data: 'x\n' });
    expect((await client.waitClosed()).code).toBe(4999);
  });

  it('a compiled language has a compile stage before the run stage', async () => {
    const client = new PistonConnectClient(kiln.url);
    await client.send({ ...INIT, language: 'c', version: '*', files: [{ content: 'int main(void) { return 0; }' }] });
    expect((await client.waitClosed()).code).toBe(4999);
    expect(client.messages.filter((message) => message.type === 'stage')).toEqual([{ type: 'stage', stage: 'compile' }, { type: 'stage', stage: 'run' }]);
    expect(client.messages[0]).toEqual({ type: 'runtime', language: 'c', version: '12.2.0' });
  });

  it('stdin sent before the job has started (while it is admitted) is kept and delivered in order', async () => {
    const slow = await startConnectServer();
    slow.runs.startDelayMs = 300;
    try {
      const client = new PistonConnectClient(slow.url);
      await client.send(INIT);
      await client.send({ type: 'data', stream: 'stdin', data: 'Gr' });
      await client.send({ type: 'data', stream: 'stdin', data: 'ace\n' });
      expect((await client.waitClosed()).code).toBe(4999);
      expect(client.stdout()).toBe('What is your name? Hello, Grace!\n');
    } finally {
      await slow.close();
    }
  });

  it('a signal reaches the running program: the exit names it, then 4999', async () => {
    const client = new PistonConnectClient(kiln.url);
    await client.send({ ...INIT, language: 'bash', version: '*' });
    await client.next((message) => message.type === 'data' && message.data === 'sleeping\n', 'the program running');
    await client.send({ type: 'signal', signal: 'SIGINT' });
    expect(await client.waitClosed()).toEqual({ code: 4999, reason: 'Job Completed' });
    expect(client.messages.at(-1)).toEqual({ type: 'exit', stage: 'run', code: null, signal: 'SIGINT' });
    expect(kiln.runs.runs.at(-1)!.signals).toEqual(['SIGINT']);
  });

  it('a stage Kiln killed at its time limit exits with SIGKILL, as Piston reports it', async () => {
    const client = new PistonConnectClient(kiln.url);
    await client.send({ ...INIT, language: 'ruby', version: '*' });
    expect((await client.waitClosed()).code).toBe(4999);
    expect(client.messages.at(-1)).toEqual({ type: 'exit', stage: 'run', code: null, signal: 'SIGKILL' });
  });

  describe('close codes', () => {
    it('4003 Not yet initialized: data before init', async () => {
      const client = new PistonConnectClient(kiln.url);
      await client.send({ type: 'data', stream: 'stdin', data: 'early\n' });
      expect(await client.waitClosed()).toEqual({ code: 4003, reason: 'Not yet initialized' });
    });

    it('4003 Not yet initialized: a signal before init', async () => {
      const client = new PistonConnectClient(kiln.url);
      await client.send({ type: 'signal', signal: 'SIGINT' });
      expect(await client.waitClosed()).toEqual({ code: 4003, reason: 'Not yet initialized' });
    });

    it('4001 Initialization Timeout: no init within 1 s (and not before a second has passed)', async () => {
      // Timed from before the connection exists, so before the server's timer starts: timed from
      // the client's open event instead, a stalled process could make a full second look short.
      const connecting = Date.now();
      const client = new PistonConnectClient(kiln.url);
      await client.open();
      expect(await client.waitClosed(10_000)).toEqual({ code: 4001, reason: 'Initialization Timeout' });
      expect(Date.now() - connecting).toBeGreaterThanOrEqual(900);
      expect(client.messages).toEqual([]);
    });

    it('a message of a type Piston does not know is ignored, as Piston ignores it; the init timeout still applies', async () => {
      const client = new PistonConnectClient(kiln.url);
      await client.send({ type: 'hello' });
      expect((await client.waitClosed()).code).toBe(4001);
    });

    it('an init in time is not timed out, however long the run takes', async () => {
      const client = new PistonConnectClient(kiln.url);
      await client.send(INIT);
      await client.next((message) => message.type === 'data', 'the prompt');
      await new Promise((resolve) => setTimeout(resolve, 1300));
      await client.send({ type: 'data', stream: 'stdin', data: 'Late\n' });
      expect((await client.waitClosed()).code).toBe(4999);
      expect(client.stdout()).toContain('Hello, Late!');
    });

    it('4005 Invalid signal: a name Piston does not list; the job is cancelled', async () => {
      const client = new PistonConnectClient(kiln.url);
      await client.send({ ...INIT, language: 'bash', version: '*' });
      await client.next((message) => message.type === 'data', 'the program running');
      await client.send({ type: 'signal', signal: 'SIGNOPE' });
      expect(await client.waitClosed()).toEqual({ code: 4005, reason: 'Invalid signal' });
      const run = kiln.runs.runs.at(-1)!;
      expect(await run.ended).toBe(JobState.CANCELLED);
      expect(run.signals).toEqual([]);
    });

    it('a Piston signal that Linux has not (SIGINFO) is accepted and changes nothing', async () => {
      const client = new PistonConnectClient(kiln.url);
      await client.send({ ...INIT, language: 'bash', version: '*' });
      await client.next((message) => message.type === 'data', 'the program running');
      await client.send({ type: 'signal', signal: 'SIGINFO' });
      await client.send({ type: 'signal', signal: 'SIGTERM' });
      expect((await client.waitClosed()).code).toBe(4999);
      expect(kiln.runs.runs.at(-1)!.signals).toEqual(['SIGTERM']);
    });

    it('4000 Already Initialized: a second init', async () => {
      const client = new PistonConnectClient(kiln.url);
      const before = kiln.runs.runs.length;
      await client.send(INIT);
      await client.send(INIT);
      expect(await client.waitClosed()).toEqual({ code: 4000, reason: 'Already Initialized' });
      expect(kiln.runs.runs.length).toBe(before + 1);
      expect(await kiln.runs.runs.at(-1)!.ended).toBe(JobState.CANCELLED);
    });

    it('4004 Can only write to stdin: data for another stream', async () => {
      const client = new PistonConnectClient(kiln.url);
      await client.send(INIT);
      await client.next((message) => message.type === 'data', 'the prompt');
      await client.send({ type: 'data', stream: 'stdout', data: 'x' });
      expect(await client.waitClosed()).toEqual({ code: 4004, reason: 'Can only write to stdin' });
      expect(await kiln.runs.runs.at(-1)!.ended).toBe(JobState.CANCELLED);
    });

    it.each([
      ['no language', { ...INIT, language: undefined }, 'language is required as a string'],
      ['a version that is no string', { ...INIT, version: 3 }, 'version is required as a string'],
      ['files that are no array', { ...INIT, files: 'main.py' }, 'files is required as an array'],
      ['an unknown runtime', { ...INIT, language: 'cobol' }, 'cobol-3.x runtime is unknown'],
      ['a limit that is no number', { ...INIT, run_timeout: 'soon' }, 'If specified, run_timeout must be a number'],
      ['a limit above the maximum', { ...INIT, run_timeout: 10_000_000 }, expect.stringMatching(/^run_timeout cannot exceed the configured limit of \d+$/)],
    ])('4002 Notified Error: an init Piston refuses (%s) is an error message in Piston\'s words, then the close', async (_case, init, message) => {
      const client = new PistonConnectClient(kiln.url);
      const before = kiln.runs.runs.length;
      await client.send(init);
      expect(await client.waitClosed()).toEqual({ code: 4002, reason: 'Notified Error' });
      expect(client.messages).toEqual([{ type: 'error', message }]);
      expect(kiln.runs.runs.length).toBe(before);
    });

    it('4002 Notified Error: a message that is not JSON', async () => {
      const client = new PistonConnectClient(kiln.url);
      await client.sendRaw('{"type": "init",');
      expect(await client.waitClosed()).toEqual({ code: 4002, reason: 'Notified Error' });
      expect(client.messages).toEqual([{ type: 'error', message: expect.stringMatching(/JSON/) }]);
    });

    it('4002 Notified Error: a request Kiln refuses (the job\'s own validation) in Piston\'s message shape', async () => {
      const refusing = await startConnectServer();
      refusing.runs.refuse = () => new InvalidRequestException([{ field: 'files[0].name', message: 'must be a plain file name' }]);
      try {
        const client = new PistonConnectClient(refusing.url);
        await client.send(INIT);
        expect(await client.waitClosed()).toEqual({ code: 4002, reason: 'Notified Error' });
        expect(client.messages).toEqual([{ type: 'error', message: 'files[0].name: must be a plain file name' }]);
      } finally {
        await refusing.close();
      }
    });
  });

  it('a client that goes away mid-run cancels its job', async () => {
    const client = new PistonConnectClient(kiln.url);
    await client.send(INIT);
    await client.next((message) => message.type === 'data', 'the prompt');
    client.terminate();
    expect(await kiln.runs.runs.at(-1)!.ended).toBe(JobState.CANCELLED);
  });

  it('the upgrade edge: another path is 404, a foreign Host 421, a cross-origin page 403; the page\'s own origin passes', async () => {
    const port = new URL(kiln.url).port;
    expect(await new PistonConnectClient(kiln.url.replace('/connect', '/elsewhere')).refused).toBe(404);
    expect(await PistonConnectClient.withHeaders(kiln.url, { host: 'attacker.test' }).refused).toBe(421);
    expect(await PistonConnectClient.withHeaders(kiln.url, { origin: 'http://attacker.test' }).refused).toBe(403);
    const sameOrigin = PistonConnectClient.withHeaders(kiln.url, { origin: `http://127.0.0.1:${port}` });
    await sameOrigin.open();
    sameOrigin.terminate();
  });
});

describe('Piston /api/v2/connect with API keys on', () => {
  let kiln: ConnectServer;

  beforeAll(async () => {
    kiln = await startConnectServer({ KILN_COORDINATOR__AUTH__MODE: 'on', KILN_COORDINATOR__AUTH__KEYS: KEY });
  });

  afterAll(async () => {
    await kiln?.close();
  });

  it('takes the key as Piston\'s other routes do (X-Kiln-Key, Authorization: Bearer); the job is that key\'s', async () => {
    for (const headers of [{ 'x-kiln-key': KEY }, { authorization: `Bearer ${KEY}` }] as Record<string, string>[]) {
      const client = PistonConnectClient.withHeaders(kiln.url, headers);
      await client.send(INIT);
      await client.send({ type: 'data', stream: 'stdin', data: 'Key\n' });
      expect((await client.waitClosed()).code).toBe(4999);
      expect(kiln.runs.runs.at(-1)!.principal.keyId).toEqual(expect.any(String));
    }
  });

  it('a browser, which cannot set headers, sends the key in the init message', async () => {
    const client = new PistonConnectClient(kiln.url);
    await client.send({ ...INIT, key: KEY });
    await client.send({ type: 'data', stream: 'stdin', data: 'Browser\n' });
    expect((await client.waitClosed()).code).toBe(4999);
    expect(kiln.runs.runs.at(-1)!.principal.keyId).toEqual(expect.any(String));
  });

  it('no key: the init is refused with the API\'s words (4002), no job is started', async () => {
    const before = kiln.runs.runs.length;
    for (const init of [INIT, { ...INIT, key: 'not-the-key-0123456789' }]) {
      const client = new PistonConnectClient(kiln.url);
      await client.send(init);
      expect(await client.waitClosed()).toEqual({ code: 4002, reason: 'Notified Error' });
      expect(client.messages).toEqual([{ type: 'error', message: expect.stringMatching(/API key/) }]);
    }
    expect(kiln.runs.runs.length).toBe(before);
  });

  it('a wrong key on the upgrade is refused before any WebSocket (401)', async () => {
    expect(await PistonConnectClient.withHeaders(kiln.url, { 'x-kiln-key': 'not-the-key-0123456789' }).refused).toBe(401);
  });
});

describe('Piston /api/v2/connect and the endpoint groups', () => {
  it.each([['KILN_COORDINATOR__API__ENDPOINTS__INTERACTIVE'], ['KILN_COORDINATOR__API__ENDPOINTS__PISTON']])('%s=false: there is no /api/v2/connect (404)', async (variable) => {
    const kiln = await startConnectServer({ [variable]: 'false' });
    try {
      expect(await new PistonConnectClient(kiln.url).refused).toBe(404);
    } finally {
      await kiln.close();
    }
  });
});
