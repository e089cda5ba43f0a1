import { PistonController } from './piston.controller';
import { PistonExecutionService } from './piston-execution.service';
import { PistonRuntimes } from './piston-runtimes';

export const PISTON_CONTROLLERS = [PistonController];
export const PISTON_PROVIDERS = [PistonRuntimes, PistonExecutionService];

/** Piston clients (piston-client among them) send JSON as text/plain: these paths take JSON whatever the type says. */
export const PISTON_ANY_TYPE_JSON_PATHS = ['/api/v2/'];
