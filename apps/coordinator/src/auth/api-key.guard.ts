import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { ApiKeys } from './api-keys';
import { ANONYMOUS, RequestWithPrincipal } from './principal';
import { KEY_HEADERS } from './key-headers.decorator';
import { PUBLIC_ROUTE } from './public.decorator';

/** With auth on, every non-public route needs a configured key (`X-Kiln-Key` or `Authorization: Bearer`). */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly keys: ApiKeys,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request & RequestWithPrincipal>();
    request.principal = ANONYMOUS;
    if (!this.keys.enabled) return true;
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()])) return true;
    const aliases = this.reflector.getAllAndOverride<string[]>(KEY_HEADERS, [context.getHandler(), context.getClass()]) ?? [];
    const presented = keyOf(request, aliases);
    if (!presented) throw new UnauthorizedException({ error: 'an API key is required: send X-Kiln-Key or Authorization: Bearer' });
    const keyId = this.keys.identify(presented);
    if (!keyId) throw new UnauthorizedException({ error: 'unknown API key' });
    request.principal = { keyId };
    return true;
  }
}

/** The key a request presents: X-Kiln-Key, else Authorization: Bearer, else one of the route's alias headers. */
export function keyOf(request: Request, aliasHeaders: readonly string[] = []): string | null {
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
