import { SetMetadata } from '@nestjs/common';

export const PUBLIC_ROUTE = 'kiln:public';

/** A route that needs no API key (health checks from load balancers). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);
