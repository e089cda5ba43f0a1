import { KilnInvalidArgumentError } from './client-errors';
import { KilnClient } from './kiln-client';

describe('KilnClient paths', () => {
  const sent: string[] = [];
  const realFetch = global.fetch;
  const client = new KilnClient({ baseUrl: 'http://127.0.0.1:1' });

  beforeEach(() => {
    sent.length = 0;
    global.fetch = (async (url: string | URL) => {
      sent.push(String(url));
      return new Response(JSON.stringify({ ok: true }), { status: 200, headers: { 'content-type': 'application/json' } });
    }) as typeof fetch;
  });
  afterAll(() => (global.fetch = realFetch));

  it.each([
    ['a file path climbing out of the workspace', () => client.readSessionFile('s1', '../../../jobs/abc')],
    ['a file path climbing out to a cancel route', () => client.writeSessionFile('s1', '../../../jobs/abc/cancel', new Uint8Array(1))],
    ['a "." part', () => client.readSessionFile('s1', 'out/./x')],
    ['an empty part', () => client.readSessionFile('s1', 'out//x')],
    ['a session id of ".."', () => client.closeSession('..')],
    ['a job id of ".."', () => client.job('..')],
    ['a job id of "."', () => client.cancel('.')],
  ])('refuses %s before sending anything', async (_what, call) => {
    await expect(call()).rejects.toBeInstanceOf(KilnInvalidArgumentError);
    expect(sent).toEqual([]);
  });

  it('names the field and the part it refuses', async () => {
    await expect(client.readSessionFile('s1', '../x')).rejects.toThrow('path: ".." cannot be a name in a path');
  });

  it('sends a file path inside the workspace with each part encoded, its slashes kept', async () => {
    await client.readSessionFile('s 1', 'out/a b%2e..txt/..x');
    expect(sent).toEqual(['http://127.0.0.1:1/sessions/s%201/files/out/a%20b%252e..txt/..x']);
  });
});
