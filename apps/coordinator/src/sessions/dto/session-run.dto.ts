import { PickType } from '@nestjs/mapped-types';
import { ArrayMaxSize, IsArray, IsInt, IsString, Matches } from 'class-validator';
import { CreateJobDto } from '../../jobs/dto/create-job.dto';
import { IfPresent } from '../../jobs/dto/if-present';

/**
 * The body of POST /sessions/:id/run (docs/sessions.md): `code` (the session
 * language's program, its main file; compiled first when the language
 * compiles) or `command`; stdin and args as a job's.
 */
export class SessionRunDto extends PickType(CreateJobDto, ['code', 'stdin', 'stdinEncoding', 'args'] as const) {
  /** An argv run in the workspace, without a shell. */
  @IfPresent()
  @IsArray()
  @ArrayMaxSize(4097)
  @IsString({ each: true })
  command?: string[];

  /** With `code` in a Python or JavaScript session: the stateful context it runs in. */
  @IfPresent()
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,32}$/, { message: 'context must be 1-32 letters, digits, "_" or "-"' })
  context?: string;

  /** This run's wall-clock limit (default: the session's limits.timeoutMs; at most limits.maxima.timeoutMs). */
  @IfPresent()
  @IsInt()
  timeoutMs?: number;
}
