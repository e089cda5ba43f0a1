import { PickType } from '@nestjs/mapped-types';
import { Type } from 'class-transformer';
import { IsInt, IsObject, ValidateNested } from 'class-validator';
import { SESSION_LIMIT_KEYS } from '@kiln/tasks';
import { CreateJobDto, LimitsDto } from '../../jobs/dto/create-job.dto';
import { IfPresent } from '../../jobs/dto/if-present';

/**
 * A session's limits: a job's, less those that are per job (its output
 * budget, its compile's memory); timeoutMs is each run's default.
 */
export class SessionLimitsDto extends PickType(LimitsDto, SESSION_LIMIT_KEYS) {}

/** The body of POST /sessions (docs/sessions.md): its language and starting files as a job's. */
export class CreateSessionDto extends PickType(CreateJobDto, ['language', 'files'] as const) {
  @IfPresent()
  @IsObject({ message: '$property must be an object' })
  @ValidateNested()
  @Type(() => SessionLimitsDto)
  limits?: SessionLimitsDto;

  /** The sandbox is removed after this long without a request (coordinator.sessions.maxIdleTimeoutMs at most). */
  @IfPresent()
  @IsInt()
  idleTimeoutMs?: number;
}
