import { createServer } from 'node:net';
import Redis from 'ioredis';
import { clientErrorOf, publicErrorText, reasonPhrase, serverErrorOf } from './public-error';

/** A loopback port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('public error texts', () => {
  it.each([
    ['ThrottlerException: Too Many Requests', 429, 'too many requests'],
    ['Http Exception', 500, 'internal server error'],
    ['SyntaxError: Unexpected token', 400, 'bad request'],
    ['PayloadTooLargeError: request entity too large', 413, 'payload too large'],
  ])('%j → %j', (text, status, expected) => {
    expect(publicErrorText(text, status)).toBe(expected);
  });

  it.each(['no job with id abc', 'Cannot GET /nowhere', 'unknown API key', 'verdict RUNTIME_ERROR'])('keeps %j', (text) => {
    expect(publicErrorText(text, 400)).toBe(text);
  });

  it('takes 4xx errors Express marks for the client, nothing else', () => {
    expect(clientErrorOf(Object.assign(new URIError("Failed to decode param '%E0'"), { status: 400, expose: true }))).toEqual({
      status: 400,
      message: "Failed to decode param '%E0'",
    });
    expect(clientErrorOf(Object.assign(new Error('TypeError: x'), { status: 400, expose: true }))).toEqual({ status: 400, message: 'bad request' });
    expect(clientErrorOf(Object.assign(new Error('boom'), { status: 500, expose: false }))).toBeNull();
    expect(clientErrorOf(new TypeError('x is undefined'))).toBeNull();
    expect(clientErrorOf(undefined)).toBeNull();
    expect(reasonPhrase(599)).toBe('error');
  });

  it('answers 503 when Redis does not answer (the error ioredis really raises), 500 for anything else', async () => {
    // disconnectTimeout 0: ioredis's disconnect() waits up to that long (2 s by default) for a
    // 'close' of its socket, which a refused socket has already had; the timer held the Jest
    // worker past its last test ("force exited" at the end of test:fast).
    const redis = new Redis({ port: await closedPort(), host: '127.0.0.1', maxRetriesPerRequest: 1, retryStrategy: () => 50, lazyConnect: false, disconnectTimeout: 0 });
    redis.on('error', () => undefined);
    try {
      const outage = await redis.get('x').then(() => null, (error: unknown) => error);
      expect(serverErrorOf(outage)).toEqual({ status: 503, message: expect.stringContaining('Redis') });
    } finally {
      redis.disconnect();
    }
    expect(serverErrorOf(new TypeError('x is undefined'))).toEqual({ status: 500, message: 'internal error' });
  });
});
