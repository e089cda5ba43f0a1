import { useKiln } from '../support/kiln-suite';

/**
 * The bodies /mcp refuses, answered as MCP's Streamable HTTP transport
 * answers them: a JSON-RPC error with `id` null, the HTTP status kept. A
 * body that does not parse is a Parse error (-32700); valid JSON that is no
 * JSON-RPC message, or that the body checks refuse, an Invalid Request
 * (-32600); a body of another type or too large a refusal of the request
 * (-32000, as the SDK's own transport answers those). Other routes keep the
 * API's `{error}`. The methods /mcp does not take, and what the SDK's
 * client does over /mcp, are mcp.component-spec.ts's.
 */
describe('/mcp body refusals as JSON-RPC errors', () => {
  const suite = useKiln({ worker: false, env: { KILN_COORDINATOR__BODY_LIMIT_BYTES: '65536' } });
  const http = () => suite.kiln.http();

  const post = (body: string, type = 'application/json') =>
    http().post('/mcp').set('accept', 'application/json, text/event-stream').set('content-type', type).send(body);

  const rpcError = (code: number, message: string | RegExp) => ({
    jsonrpc: '2.0',
    error: { code, message: typeof message === 'string' ? message : expect.stringMatching(message) },
    id: null,
  });

  it('a body that is not JSON → 400, -32700 Parse error', async () => {
    const answer = await post('{"jsonrpc": "2.0", "id": 1,');
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual(rpcError(-32700, /^Parse error: malformed JSON body \(body: .+\)$/));
  });

  it.each([
    ['an object that is no message', '{"hello": "world"}', 'Invalid Request: the body is not a JSON-RPC 2.0 message (a request, a notification or a response)'],
    ['a message of another JSON-RPC version', '{"jsonrpc": "1.0", "id": 1, "method": "tools/list"}', 'Invalid Request: the body is not a JSON-RPC 2.0 message (a request, a notification or a response)'],
    ['a message without its method', '{"jsonrpc": "2.0", "id": 1, "params": {}}', 'Invalid Request: the body is not a JSON-RPC 2.0 message (a request, a notification or a response)'],
    ['an empty batch', '[]', 'Invalid Request: an empty batch (a batch holds at least one JSON-RPC message)'],
    ['a batch with one entry that is no message', '[{"jsonrpc": "2.0", "method": "notifications/initialized"}, "x"]', 'Invalid Request: entry 1 of the batch is not a JSON-RPC 2.0 message'],
  ])('valid JSON, %s → 400, -32600 Invalid Request', async (_what, body, message) => {
    const answer = await post(body);
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual(rpcError(-32600, message));
  });

  it('JSON the body checks refuse (a prototype key) → 400, -32600 naming the key', async () => {
    const answer = await post('{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"__proto__": {}}}');
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual(rpcError(-32600, /^Invalid Request: forbidden key in JSON body: "__proto__" \(params\.__proto__: .+\)$/));
  });

  it('a body of another type → 415, and one too large → 413, both -32000', async () => {
    const text = await post('{"jsonrpc": "2.0", "id": 1, "method": "tools/list"}', 'text/plain');
    expect(text.status).toBe(415);
    expect(text.body).toEqual(rpcError(-32000, /^unsupported media type: send the body as application\/json/));
    const large = await post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { pad: 'x'.repeat(70_000) } }));
    expect(large.status).toBe(413);
    expect(large.body).toEqual(rpcError(-32000, /^request body too large: at most 65536 bytes/));
  });

  it('a JSON-RPC message still gets its answer', async () => {
    const answer = await post('{"jsonrpc": "2.0", "id": 7, "method": "tools/list"}');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ jsonrpc: '2.0', id: 7, result: { tools: expect.any(Array) } });
  });

  it('other routes keep the API’s {error} for the same bodies', async () => {
    const malformed = await http().post('/execute').set('content-type', 'application/json').send('{"language": "python",');
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ error: 'malformed JSON body', details: [{ field: 'body' }] });
    const text = await http().post('/execute').set('content-type', 'text/plain').send('{}');
    expect(text.status).toBe(415);
    expect(text.body.error).toBe('unsupported media type: send the body as application/json');
  });
});
