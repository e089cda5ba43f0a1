import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { ApiKeys } from './api-keys';
import { KEY_HEADERS } from './key-headers.decorator';
import { PUBLIC_ROUTE } from './public.decorator';

/** Who a request says it is, before anything is refused: the rate limit counts by it, the key check refuses by it. */
export interface Caller {
  /** The id of a configured key the request presented, else null. */
  keyId: string | null;
  /** Why the route must refuse it (keys on, route not public, no or an unknown key), else null. */
  refusal: string | null;
}

const KEY_REQUIRED = 'an API key is required: send X-Kiln-Key or Authorization: Bearer';
const UNKNOWN_KEY = 'unknown API key';

/** Reads a request's key once (hashing it), for KilnThrottlerGuard and then ApiKeyGuard. */
@Injectable()
export class CallerIdentity {
  private readonly callers = new WeakMap<Request, Caller>();

  constructor(
    private readonly keys: ApiKeys,
    private readonly reflector: Reflector,
  ) {}

  of(context: ExecutionContext): Caller {
    const request = context.switchToHttp().getRequest<Request>();
    let caller = this.callers.get(request);
    if (!caller) this.callers.set(request, (caller = this.identify(request, context)));
    return caller;
  }

  private identify(request: Request, context: ExecutionContext): Caller {
    if (!this.keys.enabled) return { keyId: null, refusal: null };
    const targets = [context.getHandler(), context.getClass()];
    const presented = keyOf(request, this.reflector.getAllAndOverride<string[]>(KEY_HEADERS, targets) ?? []);
    const caller = this.identifyKey(presented);
    if (caller.keyId || this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return { keyId: caller.keyId, refusal: null };
    return caller;
  }

  /**
   * A presented key (null: none) by the rules of a route that is not public:
   * what WebSocket endpoints ask, whose key comes with the upgrade or, from a
   * browser (which cannot set headers on one), in a first message.
   */
  identifyKey(presented: string | null): Caller {
    if (!this.keys.enabled) return { keyId: null, refusal: null };
    const keyId = presented ? this.keys.identify(presented) : null;
    if (keyId) return { keyId, refusal: null };
    return { keyId: null, refusal: presented ? UNKNOWN_KEY : KEY_REQUIRED };
  }
}

/** The key a request presents: X-Kiln-Key, else Authorization: Bearer, else one of the route's alias headers. */
export function keyOf(request: Pick<Request, 'headers'>, aliasHeaders: readonly string[] = []): string | null {
  const header = request.headers['x-kiln-key'];
  if (typeof header === 'string' && header) return header;
  const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  if (bearer) return bearer[1];
  for (const name of aliasHeaders) {
    const alias = request.headers[name];
    if (typeof alias === 'string' && alias) return alias;
  }
  return null;
}
