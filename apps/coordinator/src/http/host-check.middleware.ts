import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { isIP } from 'node:net';
import { hostCheckEnabled, hostnameOf, isLoopbackHost, isLoopbackName, KilnConfig } from '@kiln/config';

const MISDIRECTED_REQUEST = 421;

/**
 * DNS rebinding guard, before any routing: a page on attacker.test whose name
 * an attacker re-points to 127.0.0.1 talks to a local Kiln from the
 * visitor's browser, but its requests still say `Host: attacker.test`. With
 * the check on (coordinator.hostCheck), only loopback names and the
 * configured names are answered; anything else is 421, the status for "this
 * server does not serve that authority". Beyond loopback an IP address is
 * answered too: a page that names an address is on that address's own
 * origin, so it cannot be a rebound one.
 */
export function hostCheckMiddleware(config: KilnConfig): RequestHandler {
  const refusal = hostRefusal(config);
  return (request: Request, response: Response, next: NextFunction) => {
    const refused = refusal(request.headers.host);
    if (!refused) {
      next();
      return;
    }
    response.status(MISDIRECTED_REQUEST).json(refused);
  };
}

/**
 * The same rule for what no middleware sees (a WebSocket upgrade): the 421
 * body for a `Host` header the check refuses, null when it is answered or
 * the check is off.
 */
export function hostRefusal(config: KilnConfig): (header: string | undefined) => { error: string; details: { field: string; message: string }[] } | null {
  const allowed = new Set(config.coordinator.hostCheck.allowedHosts.map((name) => hostnameOf(name)));
  const addressesToo = !isLoopbackHost(config.coordinator.host);
  const answers = (hostname: string | null) => hostname !== null && (isLoopbackName(hostname) || allowed.has(hostname) || (addressesToo && isIP(hostname) !== 0));
  const rule = `must name loopback (127.0.0.1, [::1], localhost)${addressesToo ? ', an IP address' : ''} or one of coordinator.hostCheck.allowedHosts`;
  if (!hostCheckEnabled(config)) return () => null;
  return (header = '') =>
    answers(hostnameOf(header))
      ? null
      : {
          error: header ? `this Kiln does not answer to the host ${JSON.stringify(header.slice(0, 255))}` : 'a Host header is required',
          details: [{ field: 'host', message: rule }],
        };
}
