import { PistonController } from './piston.controller';
import { PistonExecutionService } from './piston-execution.service';
import { PistonRuntimes } from './piston-runtimes';

export const PISTON_CONTROLLERS = [PistonController];
export const PISTON_PROVIDERS = [PistonRuntimes, PistonExecutionService];
