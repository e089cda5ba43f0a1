import { IntersectionType } from '@nestjs/mapped-types';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsObject,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { COMPARISONS, Comparison, INTERACTOR_INPUTS, InteractorInput, OUTPUT_ENCODINGS, OutputEncoding } from '@kiln/tasks';
import { IfPresent } from './if-present';

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

  @IfPresent()
  @IsIn(ENCODINGS)
  encoding?: 'utf8' | 'base64';
}

/** How outputs are compared (README, "Comparison modes"): the job's, or one test's in place of it. */
export class ComparisonDto {
  @IfPresent()
  @IsIn(COMPARISONS)
  comparison?: Comparison;

  /** `float`: how far a number may be from the expected one. */
  @IfPresent()
  @IsNumber()
  @Min(0)
  absoluteError?: number;

  /** `float`: how far a number may be from the expected one, as a share of it. */
  @IfPresent()
  @IsNumber()
  @Min(0)
  relativeError?: number;
}

/** One test case: the program's stdin and the stdout it must print. */
export class TestCaseDto extends ComparisonDto {
  @IfPresent()
  @IsString()
  stdin?: string;

  /** Absent: the test passes on a clean exit, whatever the output. */
  @IfPresent()
  @IsString()
  expected?: string;

  /** Of both stdin and expected. */
  @IfPresent()
  @IsIn(ENCODINGS)
  encoding?: 'utf8' | 'base64';
}

/** The limits of one sandboxed program: a job's, or its checker's (which has no output budget of its own). */
export class SandboxLimitsDto {
  @IfPresent() @IsNumber() timeoutMs?: number;
  @IfPresent() @IsNumber() memoryMb?: number;
  @IfPresent() @IsNumber() cpus?: number;
  @IfPresent() @IsNumber() processes?: number;
  @IfPresent() @IsNumber() outputBytes?: number;
  @IfPresent() @IsNumber() compileTimeoutMs?: number;
  @IfPresent() @IsNumber() compileMemoryMb?: number;
  /** CPU time of each run; absent: timeoutMs × cpus. */
  @IfPresent() @IsNumber() cpuTimeMs?: number;
}

export class LimitsDto extends SandboxLimitsDto {
  @IfPresent() @IsNumber() jobOutputBytes?: number;
}

/** A program in a language: `code` (its main file), `files`, or both. A job's, or its checker's. */
export class ProgramDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  language: string;

  @IfPresent()
  @IsString()
  code?: string;

  // IsObject: ValidateNested alone walks into an array inside the array (`[[{…}]]`) and lets it through.
  @IfPresent()
  @IsArray()
  @ArrayMaxSize(1000)
  @IsObject({ each: true, message: 'each file must be an object {name, content, encoding?}' })
  @ValidateNested({ each: true })
  @Type(() => SourceFileDto)
  files?: SourceFileDto[];
}

/** A custom checker or an interactor (README, "Custom checkers", "Interactors"): a program of its own with its own limits, compiled once. */
export class CheckerDto extends ProgramDto {
  @IfPresent()
  @IsObject({ message: '$property must be an object' })
  @ValidateNested()
  @Type(() => SandboxLimitsDto)
  limits?: SandboxLimitsDto;
}

/** An interactor: a judging program (CheckerDto) that takes its input on stdin (the default) or as testlib's file (`input: "file"`). */
export class InteractorDto extends CheckerDto {
  @IfPresent()
  @IsIn(INTERACTOR_INPUTS)
  input?: InteractorInput;
}

/** The body of POST /execute and POST /jobs (README, "API"). */
export class CreateJobDto extends IntersectionType(ProgramDto, ComparisonDto) {

  @IfPresent()
  @IsString()
  stdin?: string;

  @IfPresent()
  @IsIn(ENCODINGS)
  stdinEncoding?: 'utf8' | 'base64';

  @IfPresent()
  @IsArray()
  @ArrayMaxSize(4096)
  @IsString({ each: true })
  args?: string[];

  /** Extra arguments of the compile step, each passed verbatim (no shell); only languages whose compile template has {compilerOptions}. */
  @IfPresent()
  @IsArray()
  @ArrayMaxSize(4096)
  @IsString({ each: true })
  compilerOptions?: string[];

  /** Test cases: compile once, run each; the configured jobs.maxTests bounds the count. */
  @IfPresent()
  @IsArray()
  @ArrayMaxSize(10_000)
  @IsObject({ each: true, message: 'each test must be an object {stdin?, expected?, encoding?}' })
  @ValidateNested({ each: true })
  @Type(() => TestCaseDto)
  tests?: TestCaseDto[];

  /** Judges each test's output in place of the comparison. */
  @IfPresent()
  @IsObject({ message: '$property must be an object' })
  @ValidateNested()
  @Type(() => CheckerDto)
  checker?: CheckerDto;

  @IfPresent()
  @IsBoolean()
  stopOnFirstFailure?: boolean;

  /** base64: stdout and stderr in the answer are base64 of the exact bytes. */
  @IfPresent()
  @IsIn(OUTPUT_ENCODINGS)
  outputEncoding?: OutputEncoding;

  /** true: each stage result also has `output`, stdout and stderr interleaved as written. */
  @IfPresent()
  @IsBoolean()
  combinedOutput?: boolean;

  /**
   * true: the run reads stdin while it runs, sent over the interactive
   * WebSocket (README, "Interactive runs"), after `stdin`; one run, no tests.
   */
  @IfPresent()
  @IsBoolean()
  interactive?: boolean;

  /**
   * An interactive problem's interactor (README, "Interactors"): it runs beside
   * the program, each in its own sandbox, the program's stdout its stdin and
   * its stdout the program's; `stdin` is its input only (on its stdin first,
   * or in input.txt: `input`); its exit code decides (testlib's convention).
   * Its own limits, as a checker's; compiled once per job.
   */
  @IfPresent()
  @IsObject({ message: '$property must be an object' })
  @ValidateNested()
  @Type(() => InteractorDto)
  interactor?: InteractorDto;

  /** Patterns of workspace files each run returns (`*.png`, `out/**`); jobs.outputFiles.maxPatterns bounds the count. */
  @IfPresent()
  @IsArray()
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  outputFiles?: string[];

  @IfPresent()
  @IsObject({ message: '$property must be an object' })
  @ValidateNested()
  @Type(() => LimitsDto)
  limits?: LimitsDto;

  /** A named queue (coordinator.queues); default: the language's queue (languages.yaml `queue`), else the first. */
  @IfPresent()
  @IsString()
  @MaxLength(32)
  queue?: string;

  /** 1 (lowest) … 10 (highest); default 5. */
  @IfPresent()
  @IsInt()
  @Min(1)
  @Max(10)
  priority?: number;

  /** Receives the finished job (POST, signed); see README "Webhooks". */
  @IfPresent()
  @MaxLength(2048)
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false }, { message: 'webhook must be an http(s) URL' })
  webhook?: string;
}
