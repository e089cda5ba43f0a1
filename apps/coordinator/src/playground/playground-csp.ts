import helmet from 'helmet';

/**
 * The playground page's Content-Security-Policy: helmet's default (the one
 * every API answer carries: scripts, styles, fetches from 'self' only) less
 * `upgrade-insecure-requests`. Kiln serves plain HTTP; on any address but
 * loopback that directive makes the browser rewrite the page's own script,
 * style and API requests to https://, where nothing listens, and the page is
 * dead. Behind a TLS proxy the page is https already and the directive adds
 * nothing. Only the page's HTML carries this header (CSP governs documents).
 */
export const PLAYGROUND_CSP = Object.entries(helmet.contentSecurityPolicy.getDefaultDirectives())
  .filter(([directive]) => directive !== 'upgrade-insecure-requests')
  .map(([directive, values]) => [directive, ...(values as string[])].join(' '))
  .join(';');

/** An authority as a Host header may carry it: a name or an address, an optional port; nothing else reaches the policy. */
const AUTHORITY = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * The policy for a page served under `host`, with `connect-src` naming the
 * page's own WebSocket origin (ws:// and, behind a TLS proxy, wss://) beside
 * 'self': the interactive runs' socket. CSP Level 3 lets 'self' cover the
 * same host's ws: and wss:, but not every browser does, and the page's own
 * server is the only socket it may open. Without a usable Host, 'self' alone.
 */
export function playgroundCsp(host: string | undefined): string {
  const sockets = host && AUTHORITY.test(host) ? ` ws://${host} wss://${host}` : '';
  return `${PLAYGROUND_CSP};connect-src 'self'${sockets}`;
}
