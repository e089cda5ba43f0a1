import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { CallerIdentity } from './caller-identity';
import { RequestWithPrincipal } from './principal';

/**
 * With auth on, every non-public route needs a configured key (`X-Kiln-Key`
 * or `Authorization: Bearer`). It runs after KilnThrottlerGuard, so requests
 * without a valid key are counted (by address) before they are refused, and
 * before any body is read (JsonBodyInterceptor runs after guards).
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(private readonly callers: CallerIdentity) {}

  canActivate(context: ExecutionContext): boolean {
    const { keyId, refusal } = this.callers.of(context);
    if (refusal) throw new UnauthorizedException({ error: refusal });
    context.switchToHttp().getRequest<RequestWithPrincipal>().principal = { keyId };
    return true;
  }
}
