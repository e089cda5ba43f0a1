import type { Response } from 'supertest';
import { useKiln } from '../support/kiln-suite';

/** What a refusal of the method says in its head. */
const statusAndAllow = (answer: Response) => ({ status: answer.status, allow: answer.headers.allow });

/**
 * A path Kiln has routes for, asked with another method: 405 with `Allow`
 * and the API's `{error}` naming the methods, on every route of the
 * coordinator (the compatibility APIs' too); OPTIONS 204 with `Allow`; a
 * path no route has stays 404. /mcp answers its other methods itself, in
 * JSON-RPC (test/mcp/mcp.component-spec.ts).
 */
describe('a method the path does not take', () => {
  const suite = useKiln({ worker: false });
  const http = () => suite.kiln.http();

  it('POST /jobs/:id/cancel (the route is PUT) → 405, Allow: PUT, an error naming both', async () => {
    const answer = await http().post('/jobs/abc/cancel?reason=test');
    expect(statusAndAllow(answer)).toEqual({ status: 405, allow: 'PUT' });
    expect(answer.body).toEqual({ error: 'POST is not a method of /jobs/abc/cancel; it answers PUT' });
  });

  it.each([
    ['GET', '/execute', 'POST'],
    ['DELETE', '/jobs/abc', 'GET, HEAD'],
    ['POST', '/jobs/abc/events', 'GET, HEAD'],
    ['PUT', '/languages', 'GET, HEAD'],
    ['POST', '/health', 'GET, HEAD'],
    ['POST', '/', 'GET, HEAD'],
    ['PUT', '/snippets', 'POST'],
    ['PATCH', '/sessions/s1/files/src/main.py', 'GET, HEAD, PUT, DELETE'],
    ['PUT', '/sessions/s1', 'GET, HEAD, DELETE'],
    ['GET', '/sessions/s1/run', 'POST'],
    ['GET', '/api/v2/execute', 'POST'],
    ['POST', '/api/v2/runtimes', 'GET, HEAD'],
    ['DELETE', '/judge0/submissions/abc', 'GET, HEAD'],
    ['PUT', '/judge0/submissions/batch', 'GET, HEAD, POST'],
    ['POST', '/judge0/statuses', 'GET, HEAD'],
  ])('%s %s → 405, Allow: %s', async (method, path, allow) => {
    const answer = await http()[method.toLowerCase() as 'get'](path);
    expect(statusAndAllow(answer)).toEqual({ status: 405, allow });
    expect(answer.body).toEqual({ error: `${method} is not a method of ${path}; it answers ${allow}` });
  });

  it('the 405 comes before the body is read: a malformed one changes nothing', async () => {
    const answer = await http().post('/jobs/abc/cancel').set('content-type', 'application/json').send('{"oops":');
    expect(statusAndAllow(answer)).toEqual({ status: 405, allow: 'PUT' });
    expect(answer.body.error).toBe('POST is not a method of /jobs/abc/cancel; it answers PUT');
  });

  it('HEAD is answered where GET is, and is a 405 elsewhere', async () => {
    expect((await http().head('/languages')).status).toBe(200);
    expect(statusAndAllow(await http().head('/execute'))).toEqual({ status: 405, allow: 'POST' });
  });

  it.each(['/interactive', '/api/v2/connect'])('%s without Upgrade (a WebSocket endpoint asked over plain HTTP) → 426 with Upgrade: websocket; another method → 405, Allow: GET', async (path) => {
    const plain = await http().get(`${path}?x=1`);
    expect({ status: plain.status, upgrade: plain.headers.upgrade }).toEqual({ status: 426, upgrade: 'websocket' });
    expect(plain.body).toEqual({ error: `${path} is a WebSocket endpoint: open it with a WebSocket client (GET with Upgrade: websocket)` });
    expect((await http().head(path)).status).toBe(426);
    const posted = await http().post(path).send({ type: 'start' });
    expect(statusAndAllow(posted)).toEqual({ status: 405, allow: 'GET' });
    expect(posted.body.error).toBe(`${path} is a WebSocket endpoint: POST is not a method of it; open it with a WebSocket client (GET with Upgrade: websocket)`);
  });

  it('OPTIONS on a known path → 204 with Allow; on an unknown one → 404', async () => {
    expect(statusAndAllow(await http().options('/jobs/abc/cancel'))).toEqual({ status: 204, allow: 'PUT' });
    expect(statusAndAllow(await http().options('/nowhere'))).toEqual({ status: 404, allow: undefined });
  });

  it.each([
    ['GET', '/nowhere', { error: 'Cannot GET /nowhere' }],
    ['POST', '/jobs/abc/cancel/more', { error: 'Cannot POST /jobs/abc/cancel/more' }],
    ['GET', '/judge0/nowhere', { error: 'Cannot GET /judge0/nowhere' }],
    // Under Piston's prefix, Piston's own 404.
    ['GET', '/api/v2/nowhere', { message: 'Not Found' }],
    ['DELETE', '/api/v2/nowhere', { message: 'Not Found' }],
    ['GET', '/api/v2', { message: 'Not Found' }],
    ['POST', '/API/V2/execute/more', { message: 'Not Found' }],
  ])('%s %s, a path no route has → 404 without Allow, %j', async (method, path, body) => {
    const answer = await http()[method.toLowerCase() as 'get'](path);
    expect(statusAndAllow(answer)).toEqual({ status: 404, allow: undefined });
    expect(answer.body).toEqual(body);
  });

  it('the right method is still the route’s own (its 404 for an unknown job is not a 405)', async () => {
    expect(statusAndAllow(await http().put('/jobs/abc/cancel'))).toEqual({ status: 404, allow: undefined });
  });
});

describe('a method the path does not take, with CORS on and Judge0 under another prefix', () => {
  const ORIGIN = 'https://ide.kiln.test';
  const suite = useKiln({ worker: false, env: { KILN_COORDINATOR__CORS__ORIGINS: ORIGIN, KILN_COORDINATOR__API__JUDGE0__PREFIX: '/compat/j0' } });
  const http = () => suite.kiln.http();

  it('a preflight is CORS’s to answer, whatever method it asks for; the request itself gets a 405 the page may read', async () => {
    const preflight = await http().options('/jobs/abc/cancel').set('Origin', ORIGIN).set('Access-Control-Request-Method', 'POST');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(ORIGIN);
    const refused = await http().post('/jobs/abc/cancel').set('Origin', ORIGIN);
    expect(statusAndAllow(refused)).toEqual({ status: 405, allow: 'PUT' });
    expect(refused.headers['access-control-allow-origin']).toBe(ORIGIN);
  });

  it('the table holds the routes as registered: Judge0 under its configured prefix, nothing under the default one', async () => {
    expect(statusAndAllow(await http().delete('/compat/j0/submissions/abc'))).toEqual({ status: 405, allow: 'GET, HEAD' });
    expect(statusAndAllow(await http().delete('/judge0/submissions/abc'))).toEqual({ status: 404, allow: undefined });
  });
});
