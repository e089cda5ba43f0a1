import { createParamDecorator, ExecutionContext } from '@nestjs/common';

/** Who is calling: the id of their API key (a hash, never the key), or nobody when auth is off. */
export interface Principal {
  keyId: string | null;
}

export const ANONYMOUS: Principal = { keyId: null };

export type RequestWithPrincipal = { principal?: Principal };

/** The calling principal, as set by ApiKeyGuard. */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => context.switchToHttp().getRequest<RequestWithPrincipal>().principal ?? ANONYMOUS,
);
