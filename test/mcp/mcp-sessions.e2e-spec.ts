import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { Harness, startKiln } from '../support/kiln-harness';
import { callTool, MCP_TRANSPORTS, mcpClient, textOf } from '../support/mcp-clients';

const KEY = 'mcp-sessions-key-0123456789';

/**
 * Issue 16, acceptance 5 (its session half): the MCP SDK's own Client, over
 * stdio (`kiln mcp`) and over Streamable HTTP (/mcp), drives a real Python
 * session through the session tools (the Sessions API, docs/sessions.md):
 * create, write_file, session_run (a program, a context, a command),
 * list_files, read_file, close; a call after the close is a tool error with
 * the API's message. The job tools are mcp.component-spec.ts's.
 */
describe.each(MCP_TRANSPORTS)('MCP session tools over %s', (transport) => {
  let kiln: Harness;
  let client: Client;

  beforeAll(async () => {
    kiln = await startKiln({ env: { KILN_COORDINATOR__AUTH__MODE: 'on', KILN_COORDINATOR__AUTH__KEYS: KEY } });
    await kiln.coordinator!.listen(0, '127.0.0.1');
    client = await mcpClient(transport, await kiln.coordinator!.getUrl(), KEY);
  });

  afterAll(async () => {
    await client?.close();
    await kiln?.close();
  });

  const call = async (name: string, args: Record<string, unknown>) => {
    const result = await callTool(client, name, args);
    if (result.isError) throw new Error(`${name} failed: ${textOf(result)}`);
    return result;
  };

  it('create, write_file, session_run, list_files, read_file, close', async () => {
    const created = await call('create_session', { language: 'python' });
    const { id, language } = created.structuredContent as { id: string; language: string };
    expect(language).toBe('python');
    expect(textOf(created)).toContain(`session ${id} (python)`);

    expect((await call('write_file', { sessionId: id, path: 'data.csv', content: 'a,b\n1,2\n3,4\n' })).structuredContent).toEqual({ path: 'data.csv', size: 12 });
    const bytes = Buffer.from([0, 1, 2, 253, 254, 255]);
    await call('write_file', { sessionId: id, path: 'blob.bin', content: bytes.toString('base64'), encoding: 'base64' });

    const summed = await call('session_run', { sessionId: id, code: 'rows = open("data.csv").read().split()[1:]\nprint(sum(int(r.split(",")[1]) for r in rows))\nopen("out.txt", "w").write("from the run")' });
    expect(summed.structuredContent).toMatchObject({ verdict: 'OK', exitCode: 0, stdout: '6\n' });
    expect(textOf(summed)).toContain('--- stdout ---\n6\n');

    await call('session_run', { sessionId: id, code: 'x = 41', context: 'main' });
    const evaluated = await call('session_run', { sessionId: id, code: 'x + 1', context: 'main' });
    expect(evaluated.structuredContent).toMatchObject({ verdict: 'OK', result: '42' });
    expect(textOf(evaluated)).toContain('result: 42');

    const listed = await call('session_run', { sessionId: id, command: ['ls'] });
    expect((listed.structuredContent as { stdout: string }).stdout.split('\n')).toEqual(expect.arrayContaining(['blob.bin', 'data.csv', 'out.txt']));
    const entries = (await call('list_files', { sessionId: id })).structuredContent as { entries: { name: string }[] };
    expect(entries.entries.map((entry) => entry.name)).toEqual(expect.arrayContaining(['blob.bin', 'data.csv', 'out.txt']));

    expect((await call('read_file', { sessionId: id, path: 'out.txt' })).structuredContent).toMatchObject({ encoding: 'utf8', content: 'from the run', size: 12 });
    const binary = (await call('read_file', { sessionId: id, path: 'blob.bin' })).structuredContent as { encoding: string; content: string };
    expect(binary.encoding).toBe('base64');
    expect(Buffer.from(binary.content, 'base64')).toEqual(bytes);

    expect((await call('close_session', { sessionId: id })).structuredContent).toEqual({ id, closed: true });
    const after = await callTool(client, 'session_run', { sessionId: id, code: 'print(1)' });
    expect(after.isError).toBe(true);
    expect(textOf(after)).toMatch(/^(404|410) /);
  });

  it('another session id is a tool error with the API message, never a protocol error', async () => {
    const result = await callTool(client, 'read_file', { sessionId: 'no-such-session', path: 'x' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/^404 /);
  });
});
