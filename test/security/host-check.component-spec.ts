import { INestApplication } from '@nestjs/common';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { Harness, startKiln } from '../support/kiln-harness';

const KEY = 'host-check-key-0123456789abcdef';

interface Answer {
  status: number;
  type: string;
  body: any;
}

/** One request to 127.0.0.1:<port> with exactly the Host header given (as a rebound page's request would carry it). */
function send(port: number, method: string, path: string, host: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, method, path, setHost: false, headers: { host, ...headers } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        const type = String(response.headers['content-type'] ?? '');
        resolve({ status: response.statusCode ?? 0, type, body: type.startsWith('application/json') ? JSON.parse(text) : text });
      });
    });
    request.on('error', reject);
    request.end(body);
  });
}

async function listenOnLoopback(kiln: Harness): Promise<number> {
  const app = kiln.coordinator as INestApplication;
  await app.listen(0, '127.0.0.1');
  return (app.getHttpServer().address() as AddressInfo).port;
}

const json = { 'content-type': 'application/json' };

/** Issue 12, acceptance 3: a loopback Kiln answers only Host names of loopback and the configured ones (DNS rebinding). */
describe('Host header check', () => {
  describe('a loopback Kiln, keys off (the defaults)', () => {
    let kiln: Harness;
    let port: number;

    beforeAll(async () => {
      kiln = await startKiln({ worker: false, env: { KILN_COORDINATOR__HOST_CHECK__ALLOWED_HOSTS: 'kiln.proxy.test' } });
      port = await listenOnLoopback(kiln);
    });

    afterAll(async () => {
      await kiln?.close();
    });

    // Every kind of route: the API, SSE, the playground and its assets, both compatibility APIs, preflights, unknown paths.
    const routes: [string, string, Record<string, string>, string | undefined][] = [
      ['GET', '/languages', {}, undefined],
      ['POST', '/execute', json, JSON.stringify({ language: 'python', code: 'print(1)' })],
      ['POST', '/jobs', json, JSON.stringify({ language: 'python', code: 'print(1)' })],
      ['GET', '/jobs/AAAAAAAAAAAAAAAA', {}, undefined],
      ['PUT', '/jobs/AAAAAAAAAAAAAAAA/cancel', {}, undefined],
      ['GET', '/jobs/AAAAAAAAAAAAAAAA/events', { accept: 'text/event-stream' }, undefined],
      ['GET', '/', {}, undefined],
      ['GET', '/s/AAAAAAAAAAAAAAAA', {}, undefined],
      ['GET', '/assets/index.js', {}, undefined],
      ['GET', '/api/v2/runtimes', {}, undefined],
      ['POST', '/api/v2/execute', { 'content-type': 'text/plain' }, JSON.stringify({ language: 'python', version: '*', files: [{ content: 'print(1)' }] })],
      ['GET', '/judge0/languages', {}, undefined],
      ['POST', '/judge0/submissions', json, JSON.stringify({ language_id: 71, source_code: 'print(1)' })],
      ['POST', '/snippets', json, JSON.stringify({ language: 'python', code: 'print(1)' })],
      ['POST', '/mcp', { ...json, accept: 'application/json, text/event-stream' }, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' })],
      ['GET', '/health', {}, undefined],
      ['GET', '/metrics', {}, undefined],
      ['OPTIONS', '/execute', { origin: 'http://attacker.test', 'access-control-request-method': 'POST' }, undefined],
      ['GET', '/nowhere', {}, undefined],
    ];

    it.each(routes)('%s %s with Host: attacker.test → 421, JSON naming the host', async (method, path, headers, body) => {
      const answer = await send(port, method, path, `attacker.test:${port}`, headers, body);
      expect(answer.status).toBe(421);
      expect(answer.type).toMatch(/^application\/json/);
      expect(answer.body).toEqual({
        error: `this Kiln does not answer to the host "attacker.test:${port}"`,
        details: [{ field: 'host', message: expect.stringContaining('coordinator.hostCheck.allowedHosts') }],
      });
    });

    it.each(['attacker.test', '127.0.0.1.attacker.test', 'localhost.attacker.test', '0.0.0.0', '[::]', '[2001:db8::5]', 'user@127.0.0.1', '127.0.0.1/x', ''])(
      'refuses Host %j',
      async (host) => {
        const answer = await send(port, 'GET', '/languages', host);
        expect(answer.status).toBe(421);
        expect(answer.body.details[0].field).toBe('host');
      },
    );

    it.each(['127.0.0.1:PORT', '127.0.0.1', 'localhost', 'localhost:PORT', 'LOCALHOST.', '[::1]:PORT', '127.0.0.2:PORT', 'kiln.proxy.test', 'kiln.proxy.test:443'])(
      'answers Host %s',
      async (host) => {
        const answer = await send(port, 'GET', '/languages', host.replace('PORT', String(port)));
        expect(answer.status).toBe(200);
        expect(answer.body).toContainEqual(expect.objectContaining({ id: 'python' }));
      },
    );

    it('every kind of route passes with a loopback Host (SSE, playground, compatibility APIs)', async () => {
      const host = `127.0.0.1:${port}`;
      const statuses = {
        sse: (await send(port, 'GET', '/jobs/AAAAAAAAAAAAAAAA/events', host, { accept: 'text/event-stream' })).status,
        page: (await send(port, 'GET', '/', host)).status,
        piston: (await send(port, 'GET', '/api/v2/runtimes', host)).status,
        judge0: (await send(port, 'GET', '/judge0/languages', `localhost:${port}`)).status,
        unknown: (await send(port, 'GET', '/nowhere', host)).status,
      };
      // No job has that id (404 from the route itself, not from the Host check).
      expect(statuses).toEqual({ sse: 404, page: 200, piston: 200, judge0: 200, unknown: 404 });
    });
  });

  describe('beyond loopback', () => {
    it('auto with keys on: no Host check (a rebound page cannot send a key)', async () => {
      const kiln = await startKiln({ worker: false, env: { KILN_COORDINATOR__HOST: '0.0.0.0', KILN_COORDINATOR__AUTH__KEYS: KEY } });
      try {
        const port = await listenOnLoopback(kiln);
        expect((await send(port, 'GET', '/languages', 'kiln.lan.test', { 'x-kiln-key': KEY })).status).toBe(200);
        expect((await send(port, 'GET', '/languages', 'kiln.lan.test')).status).toBe(401);
      } finally {
        await kiln.close();
      }
    });

    it('auto with keys switched off: checked, names only if allowed, IP addresses answered (they cannot be rebound)', async () => {
      const kiln = await startKiln({
        worker: false,
        env: { KILN_COORDINATOR__HOST: '0.0.0.0', KILN_COORDINATOR__AUTH__MODE: 'off', KILN_COORDINATOR__HOST_CHECK__ALLOWED_HOSTS: 'kiln.lan.test' },
      });
      try {
        const port = await listenOnLoopback(kiln);
        const statusFor = async (host: string) => (await send(port, 'GET', '/languages', host)).status;
        expect(await statusFor('attacker.test')).toBe(421);
        expect(await statusFor('kiln.lan.test:8080')).toBe(200);
        expect(await statusFor('[2001:db8::5]:8080')).toBe(200);
        expect(await statusFor(`127.0.0.1:${port}`)).toBe(200);
      } finally {
        await kiln.close();
      }
    });

    it('on: loopback names, IP addresses and the allowed hosts', async () => {
      const kiln = await startKiln({
        worker: false,
        env: {
          KILN_COORDINATOR__HOST: '0.0.0.0',
          KILN_COORDINATOR__AUTH__KEYS: KEY,
          KILN_COORDINATOR__HOST_CHECK__MODE: 'on',
          KILN_COORDINATOR__HOST_CHECK__ALLOWED_HOSTS: 'kiln.lan.test',
        },
      });
      try {
        const port = await listenOnLoopback(kiln);
        const statusFor = async (host: string) => (await send(port, 'GET', '/languages', host, { 'x-kiln-key': KEY })).status;
        expect(await statusFor('kiln.lan.test:8080')).toBe(200);
        expect(await statusFor('[2001:db8::5]:8080')).toBe(200);
        expect(await statusFor(`127.0.0.1:${port}`)).toBe(200);
        expect(await statusFor('other.lan.test')).toBe(421);
      } finally {
        await kiln.close();
      }
    });
  });

  it('off: any Host is answered', async () => {
    const kiln = await startKiln({ worker: false, env: { KILN_COORDINATOR__HOST_CHECK__MODE: 'off' } });
    try {
      const port = await listenOnLoopback(kiln);
      expect((await send(port, 'GET', '/languages', 'attacker.test')).status).toBe(200);
    } finally {
      await kiln.close();
    }
  });
});
