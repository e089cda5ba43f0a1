import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { isIP } from 'node:net';
import { hostCheckEnabled, hostnameOf, isLoopbackHost, isLoopbackName, KilnConfig } from '@kiln/config';
import { FieldError } from './field-error';

const MISDIRECTED_REQUEST = 421;

/** Why a request's `Host` is not answered: the 421 body, in the API's error shape. */
export interface HostRefusal {
  error: string;
  details: FieldError[];
}

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
  const refusalOf = hostCheck(config);
  return (request: Request, response: Response, next: NextFunction) => {
    const refusal = refusalOf(request.headers.host);
    if (refusal) response.status(MISDIRECTED_REQUEST).json(refusal);
    else next();
  };
}

/**
 * The same rule as a function of the `Host` header: null when it is
 * answered. WebSocket upgrades never pass Express's middleware, so the
 * upgrade edge (websocket-upgrades.ts) asks this directly.
 */
export function hostCheck(config: KilnConfig): (header: string | undefined) => HostRefusal | null {
  if (!hostCheckEnabled(config)) return () => null;
  const allowed = new Set(config.coordinator.hostCheck.allowedHosts.map((name) => hostnameOf(name)));
  const addressesToo = !isLoopbackHost(config.coordinator.host);
  const answers = (hostname: string | null) => hostname !== null && (isLoopbackName(hostname) || allowed.has(hostname) || (addressesToo && isIP(hostname) !== 0));
  const rule = `must name loopback (127.0.0.1, [::1], localhost)${addressesToo ? ', an IP address' : ''} or one of coordinator.hostCheck.allowedHosts`;
  return (header = '') => {
    if (answers(hostnameOf(header))) return null;
    return {
      error: header ? `this Kiln does not answer to the host ${JSON.stringify(header.slice(0, 255))}` : 'a Host header is required',
      details: [{ field: 'host', message: rule }],
    };
  };
}
