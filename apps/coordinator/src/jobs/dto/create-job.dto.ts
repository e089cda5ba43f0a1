import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { COMPARISONS, Comparison, OUTPUT_ENCODINGS, OutputEncoding } from '@kiln/tasks';

/**
 * A relative path of plain segments: no absolute path, no `.`/`..`, no empty
 * segment, no NUL, no leading `-` (a file named `-fplugin=x.so` would become a
 * compiler option).
 */
export const SAFE_FILE_NAME = /^(?!.*(?:^|\/)\.{1,2}(?:\/|$))[A-Za-z0-9_.][A-Za-z0-9_.-]*(?:\/[A-Za-z0-9_.][A-Za-z0-9_.-]*)*$/;

const ENCODINGS = ['utf8', 'base64'];

export class SourceFileDto {
  @IsString()
  @MaxLength(255)
  @Matches(SAFE_FILE_NAME, {
    message: 'name must be a relative path of letters, digits, "_", "-", "." (no "..", no leading "/" or "-")',
  })
  name: string;

  @IsString()
  content: string;

  @IsOptional()
  @IsIn(ENCODINGS)
  encoding?: 'utf8' | 'base64';
}

/** One test case: the program's stdin and the stdout it must print. */
export class TestCaseDto {
  @IsOptional()
  @IsString()
  stdin?: string;

  /** Absent: the test passes on a clean exit, whatever the output. */
  @IsOptional()
  @IsString()
  expected?: string;

  /** Of both stdin and expected. */
  @IsOptional()
  @IsIn(ENCODINGS)
  encoding?: 'utf8' | 'base64';
}

export class LimitsDto {
  @IsOptional() @IsNumber() timeoutMs?: number;
  @IsOptional() @IsNumber() memoryMb?: number;
  @IsOptional() @IsNumber() cpus?: number;
  @IsOptional() @IsNumber() processes?: number;
  @IsOptional() @IsNumber() outputBytes?: number;
  @IsOptional() @IsNumber() jobOutputBytes?: number;
  @IsOptional() @IsNumber() compileTimeoutMs?: number;
  @IsOptional() @IsNumber() compileMemoryMb?: number;
  /** CPU time of each run; absent: timeoutMs × cpus. */
  @IsOptional() @IsNumber() cpuTimeMs?: number;
}

/** The body of POST /execute and POST /jobs (DESIGN.md's native API). */
export class CreateJobDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  language: string;

  @IsOptional()
  @IsString()
  code?: string;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => SourceFileDto)
  files?: SourceFileDto[];

  @IsOptional()
  @IsString()
  stdin?: string;

  @IsOptional()
  @IsIn(ENCODINGS)
  stdinEncoding?: 'utf8' | 'base64';

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(4096)
  @IsString({ each: true })
  args?: string[];

  /** Extra arguments of the compile step, each passed verbatim (no shell); only languages whose compile template has {compilerOptions}. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(4096)
  @IsString({ each: true })
  compilerOptions?: string[];

  /** Test cases: compile once, run each; the configured jobs.maxTests bounds the count. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10_000)
  @ValidateNested({ each: true })
  @Type(() => TestCaseDto)
  tests?: TestCaseDto[];

  @IsOptional()
  @IsIn(COMPARISONS)
  comparison?: Comparison;

  @IsOptional()
  @IsBoolean()
  stopOnFirstFailure?: boolean;

  /** base64: stdout and stderr in the answer are base64 of the exact bytes. */
  @IsOptional()
  @IsIn(OUTPUT_ENCODINGS)
  outputEncoding?: OutputEncoding;

  /** true: each stage result also has `output`, stdout and stderr interleaved as written. */
  @IsOptional()
  @IsBoolean()
  combinedOutput?: boolean;

  @IsOptional()
  @ValidateNested()
  @Type(() => LimitsDto)
  limits?: LimitsDto;

  /** A named queue (coordinator.queues); default: the language's queue, else the first. */
  @IsOptional()
  @IsString()
  @MaxLength(32)
  queue?: string;

  /** 1 (lowest) … 10 (highest); default 5. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10)
  priority?: number;

  /** Receives the finished job (POST, signed); see README "Webhooks". */
  @IsOptional()
  @MaxLength(2048)
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false }, { message: 'webhook must be an http(s) URL' })
  webhook?: string;
}
