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
