import { Injectable } from '@nestjs/common';
import { KilnConfig } from '@kiln/config';
import {
  DEFAULT_RUN_OPTIONS,
  JobInput,
  LanguageDefinition,
  LanguageRegistry,
  Limits,
  mainFileName,
  outputPatternProblem,
  PRIORITY_RANGE,
  resolveLimits,
  RunOptions,
  takesCompilerOptions,
  TestCase,
} from '@kiln/tasks';
import { FieldError, InvalidRequestException } from '../http/field-error';
import { CreateJobDto, SourceFileDto, TestCaseDto } from './dto/create-job.dto';
import { decodeContent } from './request-content';

export interface JobRequest {
  language: LanguageDefinition;
  limits: Limits;
  input: JobInput;
  queue: string;
  priority: number;
  options: RunOptions;
}

/**
 * The checks that depend on configuration (the DTO holds the static ones):
 * known language, file count and sizes, test cases, limits within the
 * configured maxima. Reports every problem at once, each naming its field.
 */
@Injectable()
export class JobRequestFactory {
  constructor(
    private readonly config: KilnConfig,
    private readonly languages: LanguageRegistry,
  ) {}

  /** `maxPriority`: the caller's ceiling (coordinator.perKey.maxPriority for a key; none without keys). */
  create(dto: CreateJobDto, maxPriority: number = PRIORITY_RANGE.max): JobRequest {
    const problems: FieldError[] = [];
    const language = this.languages.resolve(dto.language);
    if (!language) problems.push({ field: 'language', message: `unknown language "${dto.language}"; GET /languages lists them` });
    const files = this.sourceFiles(dto, language, problems);
    const stdin = decodeContent(dto.stdin ?? '', dto.stdinEncoding, 'stdin', problems);
    this.checkInputs(files, stdin, dto.args ?? [], problems);
    this.checkCompilerOptions(dto.compilerOptions ?? [], language, problems);
    const tests = this.testCases(dto, problems);
    this.checkOutputFiles(dto.outputFiles ?? [], problems);
    const resolved = resolveLimits(dto.limits, this.config.limits, language?.limits);
    problems.push(...resolved.violations);
    const queue = dto.queue ?? this.config.coordinator.queues[0];
    if (!this.config.coordinator.queues.includes(queue)) {
      problems.push({ field: 'queue', message: `unknown queue "${queue}"; this server has: ${this.config.coordinator.queues.join(', ')}` });
    }
    if (dto.priority !== undefined && dto.priority > maxPriority) {
      problems.push({ field: 'priority', message: `at most ${maxPriority} for this API key (coordinator.perKey.maxPriority)` });
    }
    if (problems.length || !language) throw new InvalidRequestException(problems);
    return {
      language,
      queue,
      priority: dto.priority ?? Math.min(PRIORITY_RANGE.default, maxPriority),
      limits: resolved.limits,
      input: {
        files: files.map((f) => ({ name: f.name, contentBase64: f.content.toString('base64') })),
        stdinBase64: stdin.toString('base64'),
        args: dto.args ?? [],
        ...(dto.compilerOptions?.length ? { compilerOptions: dto.compilerOptions } : {}),
        ...(tests.length ? { tests } : {}),
      },
      options: {
        comparison: dto.comparison ?? DEFAULT_RUN_OPTIONS.comparison,
        stopOnFirstFailure: dto.stopOnFirstFailure ?? DEFAULT_RUN_OPTIONS.stopOnFirstFailure,
        outputEncoding: dto.outputEncoding ?? DEFAULT_RUN_OPTIONS.outputEncoding,
        ...(dto.combinedOutput ? { combinedOutput: true } : {}),
        ...(dto.outputFiles?.length ? { outputFiles: dto.outputFiles } : {}),
      },
    };
  }

  /** `code` becomes the main file under the language's file name; `files` follow (or lead, without code). */
  private sourceFiles(dto: CreateJobDto, language: LanguageDefinition | undefined, problems: FieldError[]) {
    const files = (dto.files ?? []).map((file: SourceFileDto, index) => ({
      name: file.name,
      content: decodeContent(file.content, file.encoding, `files[${index}].content`, problems),
    }));
    if (dto.code !== undefined) {
      files.unshift({ name: language ? mainFileName(language, dto.code) : 'main', content: Buffer.from(dto.code, 'utf8') });
    }
    if (files.length === 0) problems.push({ field: 'code', message: 'code or files is required' });
    const seen = new Set<string>();
    files.forEach((file, index) => {
      if (seen.has(file.name)) problems.push({ field: fileField(dto, index), message: `duplicate file name "${file.name}"` });
      seen.add(file.name);
      if (file.name.length > this.config.jobs.maxFileNameLength) {
        problems.push({ field: fileField(dto, index), message: `must be at most ${this.config.jobs.maxFileNameLength} characters` });
      }
    });
    return files;
  }

  private checkInputs(files: { content: Buffer }[], stdin: Buffer, args: string[], problems: FieldError[]): void {
    const jobs = this.config.jobs;
    if (files.length > jobs.maxFiles) problems.push({ field: 'files', message: `at most ${jobs.maxFiles} files` });
    const sourceBytes = files.reduce((sum, f) => sum + f.content.length, 0);
    if (sourceBytes > jobs.maxSourceBytes) {
      problems.push({ field: 'files', message: `sources total ${sourceBytes} bytes; at most ${jobs.maxSourceBytes}` });
    }
    if (stdin.length > jobs.maxStdinBytes) problems.push({ field: 'stdin', message: `at most ${jobs.maxStdinBytes} bytes` });
    if (args.length > jobs.maxArgs) problems.push({ field: 'args', message: `at most ${jobs.maxArgs} arguments` });
    args.forEach((arg, index) => {
      if (arg.includes('\0')) problems.push({ field: `args[${index}]`, message: 'must not contain NUL' });
      if (Buffer.byteLength(arg) > jobs.maxArgBytes) problems.push({ field: `args[${index}]`, message: `at most ${jobs.maxArgBytes} bytes` });
    });
  }

  /** Compiler options reach the compiler as argv words, in the compile sandbox: bounded like args. */
  private checkCompilerOptions(options: string[], language: LanguageDefinition | undefined, problems: FieldError[]): void {
    if (!options.length || !language) return;
    if (!takesCompilerOptions(language.compile)) {
      problems.push({ field: 'compilerOptions', message: `${language.id} takes no compiler options` });
    }
    const jobs = this.config.jobs;
    if (options.length > jobs.maxArgs) problems.push({ field: 'compilerOptions', message: `at most ${jobs.maxArgs} options` });
    options.forEach((option, index) => {
      if (option.includes('\0')) problems.push({ field: `compilerOptions[${index}]`, message: 'must not contain NUL' });
      if (Buffer.byteLength(option) > jobs.maxArgBytes) problems.push({ field: `compilerOptions[${index}]`, message: `at most ${jobs.maxArgBytes} bytes` });
    });
  }

  /** Output file patterns: bounded in count and length, relative, never reaching out of the workspace. */
  private checkOutputFiles(patterns: string[], problems: FieldError[]): void {
    const { maxPatterns } = this.config.jobs.outputFiles;
    if (patterns.length > maxPatterns) problems.push({ field: 'outputFiles', message: `at most ${maxPatterns} patterns` });
    patterns.forEach((pattern, index) => {
      const problem = outputPatternProblem(pattern);
      if (problem) problems.push({ field: `outputFiles[${index}]`, message: problem });
    });
  }

  /** Each test brings its own stdin, so a job-wide stdin beside tests would be ignored: refused instead. */
  private testCases(dto: CreateJobDto, problems: FieldError[]): TestCase[] {
    const tests = dto.tests ?? [];
    const { maxTests, maxStdinBytes } = this.config.jobs;
    if (tests.length > maxTests) problems.push({ field: 'tests', message: `at most ${maxTests} test cases` });
    if (tests.length && (dto.stdin !== undefined || dto.stdinEncoding !== undefined)) {
      problems.push({ field: 'stdin', message: 'give each test its own stdin (tests[].stdin) instead' });
    }
    return tests.map((test: TestCaseDto, index) => {
      const stdin = decodeContent(test.stdin ?? '', test.encoding, `tests[${index}].stdin`, problems);
      if (stdin.length > maxStdinBytes) problems.push({ field: `tests[${index}].stdin`, message: `at most ${maxStdinBytes} bytes` });
      if (test.expected === undefined) return { stdinBase64: stdin.toString('base64') };
      const expected = decodeContent(test.expected, test.encoding, `tests[${index}].expected`, problems);
      if (expected.length > maxStdinBytes) problems.push({ field: `tests[${index}].expected`, message: `at most ${maxStdinBytes} bytes` });
      return { stdinBase64: stdin.toString('base64'), expectedBase64: expected.toString('base64') };
    });
  }
}

/** The request field that holds the index-th file of the job (code is file 0 when present). */
function fileField(dto: CreateJobDto, index: number): string {
  if (dto.code !== undefined) return index === 0 ? 'code' : `files[${index - 1}].name`;
  return `files[${index}].name`;
}
