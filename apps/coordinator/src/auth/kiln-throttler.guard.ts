import { Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import { RequestWithPrincipal } from './principal';

/** Rate limits per API key when there is one, else per client address. */
@Injectable()
export class KilnThrottlerGuard extends ThrottlerGuard {
  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    const principal = (request as RequestWithPrincipal).principal;
    return principal?.keyId ? `key:${principal.keyId}` : `ip:${String(request.ip)}`;
  }
}
