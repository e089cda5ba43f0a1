import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { Harness, startKiln } from '../support/kiln-harness';
import { callTool, MCP_TRANSPORTS, mcpClient, textOf } from '../support/mcp-clients';
import { script, scriptedRuntime } from '../support/scripted-programs';

const KEY = 'mcp-test-key-0123456789';
const OTHER_KEY = 'mcp-other-key-0123456789';
const TOOLS = ['run_code', 'list_languages', 'create_session', 'session_run', 'write_file', 'read_file', 'list_files', 'close_session'];

/**
 * Issue 16, acceptance 5 (its job half): the MCP SDK's own Client, over
 * stdio (`kiln mcp`) and over Streamable HTTP (/mcp), lists Kiln's tools,
 * runs code on a worker of scripted programs, and gets a tool error, never a
 * protocol error, for a bad argument or the API's refusal. With API keys on,
 * as for the API. The session tools against real sessions are
 * mcp-sessions.e2e-spec.ts's; a real plot is python-data.e2e-spec.ts's.
 */
describe.each(MCP_TRANSPORTS)('MCP over %s', (transport) => {
  let kiln: Harness;
  let url: string;
  let client: Client;

  beforeAll(async () => {
    kiln = await startKiln({
      runtime: scriptedRuntime(),
      env: { KILN_COORDINATOR__AUTH__MODE: 'on', KILN_COORDINATOR__AUTH__KEYS: `${KEY},${OTHER_KEY}` },
    });
    await kiln.coordinator!.listen(0, '127.0.0.1');
    url = await kiln.coordinator!.getUrl();
    client = await mcpClient(transport, url, KEY);
  });

  afterAll(async () => {
    await client?.close();
    await kiln?.close();
  });

  it('lists the eight tools, each with a JSON schema for its arguments and its result', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual([...TOOLS].sort());
    for (const tool of tools) {
      expect(tool.description).toEqual(expect.any(String));
      expect(tool.inputSchema.type).toBe('object');
      expect(tool.outputSchema?.type).toBe('object');
    }
    const runCode = tools.find((tool) => tool.name === 'run_code')!;
    expect(runCode.inputSchema.required).toEqual(['language', 'code']);
    expect(Object.keys(runCode.inputSchema.properties ?? {})).toEqual(['language', 'code', 'stdin', 'args', 'files', 'outputFiles', 'timeoutMs']);
    expect(client.getServerVersion()).toMatchObject({ name: 'kiln' });
  });

  it('run_code returns the program output as text and as structured content', async () => {
    const result = await callTool(client, 'run_code', { language: 'python', code: script('out hello', 'echo', 'args', 'err warned'), stdin: 'in', args: ['a b'] });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ state: 'COMPLETED', verdict: 'OK', language: 'python', run: { stdout: 'hello\nina b\n', stderr: 'warned\n', exitCode: 0 } });
    const text = textOf(result);
    expect(text).toContain('COMPLETED OK');
    expect(text).toContain('--- stdout ---\nhello\nina b\n');
    expect(text).toContain('--- stderr ---\nwarned\n');
    // The job is the caller's: its key reads it through the API.
    const id = (result.structuredContent as { id: string }).id;
    expect((await kiln.http().get(`/jobs/${id}`).set('x-kiln-key', KEY)).body.run.stdout).toBe('hello\nina b\n');
    expect((await kiln.http().get(`/jobs/${id}`).set('x-kiln-key', OTHER_KEY)).status).toBe(404);
  });

  it('run_code with outputFiles returns the files, pictures as image content', async () => {
    const result = await callTool(client, 'run_code', { language: 'python', code: script('write plot.png PNGDATA', 'write table.csv 1,2'), outputFiles: ['*.png', '*.csv'] });
    expect(result.isError).toBeFalsy();
    const files = (result.structuredContent as { run: { files: { name: string; content: string }[] } }).run.files;
    expect(files.map((file) => [file.name, Buffer.from(file.content, 'base64').toString()])).toEqual([
      ['plot.png', 'PNGDATA\n'],
      ['table.csv', '1,2\n'],
    ]);
    expect(result.content.filter((part) => part.type === 'image')).toEqual([{ type: 'image', mimeType: 'image/png', data: Buffer.from('PNGDATA\n').toString('base64') }]);
    expect(textOf(result)).toContain('files: plot.png (8 bytes, shown as an image), table.csv (4 bytes)');
  });

  it('a program that fails is a result with its verdict, not a tool error', async () => {
    const result = await callTool(client, 'run_code', { language: 'python', code: script('err boom', 'exit 3') });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ verdict: 'RUNTIME_ERROR', run: { exitCode: 3 } });
    expect(textOf(result)).toContain('run: RUNTIME_ERROR, exit code 3');
  });

  it('list_languages answers the server languages', async () => {
    const result = await callTool(client, 'list_languages');
    const languages = (result.structuredContent as { languages: { id: string; compiled: boolean }[] }).languages;
    expect(languages.map((l) => l.id)).toEqual(expect.arrayContaining(['python', 'c', 'javascript']));
    expect(languages.find((l) => l.id === 'c')?.compiled).toBe(true);
    expect(textOf(result)).toMatch(/^python: Python \S+ \(also py, python3\); with numpy \S+, pandas \S+, scipy \S+, matplotlib \S+$/m);
  });

  it('a bad argument is a tool error naming it; the API refusal is a tool error with the API message', async () => {
    const wrongType = await callTool(client, 'run_code', { language: 5, code: 'x' });
    expect(wrongType.isError).toBe(true);
    expect(textOf(wrongType)).toMatch(/language/);
    const missing = await callTool(client, 'run_code', { language: 'python' });
    expect(missing.isError).toBe(true);
    expect(textOf(missing)).toMatch(/code/);
    const unknown = await callTool(client, 'run_code', { language: 'cobol', code: 'x' });
    expect(unknown.isError).toBe(true);
    expect(textOf(unknown)).toContain('400 invalid request (language: unknown language "cobol"');
    const badPattern = await callTool(client, 'run_code', { language: 'python', code: 'x', outputFiles: ['../etc'] });
    expect(badPattern.isError).toBe(true);
    expect(textOf(badPattern)).toContain('outputFiles[0]');
    const neither = await callTool(client, 'session_run', { sessionId: 'any' });
    expect(neither).toMatchObject({ isError: true, content: [{ type: 'text', text: 'give either code or command (one of them)' }] });
    // The connection is as good as before.
    expect((await callTool(client, 'run_code', { language: 'python', code: 'out still here' })).structuredContent).toMatchObject({ verdict: 'OK' });
  });

  it('a file path that climbs out of the workspace is a tool error naming it, never a request to another route', async () => {
    const job = (await callTool(client, 'run_code', { language: 'python', code: 'out mine' })).structuredContent as { id: string };
    // Without the check, fetch collapses the dots: GET /jobs/<id> (the job's record as the file) and PUT /jobs/<id>/cancel.
    const read = await callTool(client, 'read_file', { sessionId: 'any', path: `../../../jobs/${job.id}` });
    expect(read).toMatchObject({ isError: true, content: [{ type: 'text', text: 'path: ".." cannot be a name in a path (no empty, "." or ".." parts)' }] });
    const write = await callTool(client, 'write_file', { sessionId: 'any', path: `../../../jobs/${job.id}/cancel`, content: '' });
    expect(textOf(write)).toContain('path: ".."');
    expect(write.isError).toBe(true);
  });

  it('an unknown API key: over HTTP the endpoint refuses it (401); over stdio every tool answers the API refusal', async () => {
    if (transport === 'http') {
      await expect(mcpClient(transport, url, 'not-a-key-of-this-server')).rejects.toMatchObject({ code: 401, message: expect.stringContaining('unknown API key') });
      await expect(mcpClient(transport, url, null)).rejects.toMatchObject({ code: 401, message: expect.stringContaining('an API key is required') });
      return;
    }
    const stranger = await mcpClient(transport, url, 'not-a-key-of-this-server');
    try {
      const result = await callTool(stranger, 'list_languages');
      expect(result.isError).toBe(true);
      expect(textOf(result)).toBe('401 unknown API key');
    } finally {
      await stranger.close();
    }
  });
});

describe('MCP over HTTP, switched off', () => {
  let kiln: Harness;

  beforeAll(async () => {
    kiln = await startKiln({ worker: false, env: { KILN_COORDINATOR__API__ENDPOINTS__MCP: 'false' } });
  });

  afterAll(async () => {
    await kiln?.close();
  });

  it('coordinator.api.endpoints.mcp false: /mcp answers 404 as if it did not exist', async () => {
    const answer = await kiln.http().post('/mcp').set('accept', 'application/json, text/event-stream').send({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    expect(answer.status).toBe(404);
  });

  it('any method but POST on a server that is on: 405 with Allow: POST in JSON-RPC, stateless (no stream, no session); OPTIONS 204', async () => {
    const on = await startKiln({ worker: false });
    try {
      for (const method of ['get', 'delete', 'put', 'patch'] as const) {
        // The body is not read: a malformed one is no 400.
        const answer = await on.http()[method]('/mcp').set('content-type', 'application/json').send('{"unread":');
        expect({ method, status: answer.status, allow: answer.headers.allow, body: answer.body }).toEqual({
          method,
          status: 405,
          allow: 'POST',
          body: { jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed: this server is stateless (POST only)' }, id: null },
        });
      }
      const options = await on.http().options('/mcp');
      expect({ status: options.status, allow: options.headers.allow }).toEqual({ status: 204, allow: 'POST' });
    } finally {
      await on.close();
    }
  });
});
