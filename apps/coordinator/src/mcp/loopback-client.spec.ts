import type { Request } from 'express';
import { hostOf, loopbackClientFor } from './loopback-client';

describe('the MCP endpoint loopback client', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['::1', '[::1]'],
    ['::ffff:127.0.0.2', '127.0.0.2'],
    ['127.0.0.2', '127.0.0.2'],
  ])('calls the API at the address the request came in on: %s as %s', (address, host) => {
    expect(hostOf(address)).toBe(host);
  });

  it('with the key the request presented', () => {
    const request = { socket: { localAddress: '::1', localPort: 8123 }, headers: { authorization: 'Bearer the-key' } } as unknown as Request;
    const client = loopbackClientFor(request);
    expect([client.baseUrl, client.key]).toEqual(['http://[::1]:8123', 'the-key']);
  });
});
