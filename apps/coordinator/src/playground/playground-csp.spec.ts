import { playgroundCsp } from './playground-csp';

describe('playgroundCsp', () => {
  it.each([
    ['127.0.0.1:8080', "connect-src 'self' ws://127.0.0.1:8080 wss://127.0.0.1:8080"],
    ['kiln.example', "connect-src 'self' ws://kiln.example wss://kiln.example"],
    ['[::1]:8080', "connect-src 'self' ws://[::1]:8080 wss://[::1]:8080"],
  ])('lets the page open a WebSocket to its own server (%s) and nowhere else', (host, directive) => {
    expect(playgroundCsp(host).split(';')).toContain(directive);
  });

  it.each([[undefined], [''], ["127.0.0.1;script-src *"], ['evil.test ws:'], ['a/b']])('a Host that is no plain authority (%j) adds nothing to the policy', (host) => {
    const policy = playgroundCsp(host);
    expect(policy.split(';')).toContain("connect-src 'self'");
    expect(policy).not.toContain('ws:');
    expect(policy).not.toContain('script-src *');
  });
});
