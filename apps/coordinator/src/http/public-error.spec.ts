import { clientErrorOf, publicErrorText, reasonPhrase } from './public-error';

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
});
