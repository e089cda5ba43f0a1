import { Injectable } from '@nestjs/common';
import { KilnConfig } from '@kiln/config';
import {
  CheckerPlan,
  Comparison,
  DEFAULT_RUN_OPTIONS,
  InteractorPlan,
  JobInput,
  LanguageDefinition,
  LanguageRegistry,
  Limits,
  outputPatternProblem,
  PRIORITY_RANGE,
  resolveLimits,
  RunOptions,
  takesCompilerOptions,
  TestCase,
} from '@kiln/tasks';
import { FieldError, InvalidRequestException } from '../http/field-error';
import { checkerOf } from './checker-request';
import { jobComparisonOf, testComparisonOf } from './comparison-request';
import { CreateJobDto, TestCaseDto } from './dto/create-job.dto';
import { interactorOf } from './interactor-request';
import { decodeContent } from './request-content';
import { sourcesOf } from './request-sources';

export interface JobRequest {
  language: LanguageDefinition;
  limits: Limits;
  input: JobInput;
  checker?: CheckerPlan;
  interactor?: InteractorPlan;
  queue: string;
  priority: number;
  options: RunOptions;
}

/**
 * The checks that depend on configuration (the DTO holds the static ones):
 * known language, file count and sizes, test cases and how they are judged
 * (comparison, checker), limits within the configured maxima. Reports every
 * problem at once, each naming its field.
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
    const files = sourcesOf(dto, language, this.config.jobs, problems);
    const stdin = decodeContent(dto.stdin ?? '', dto.stdinEncoding, 'stdin', problems);
    this.checkInputs(stdin, dto.args ?? [], problems);
    this.checkCompilerOptions(dto.compilerOptions ?? [], language, problems);
    const judging = jobComparisonOf(dto, problems);
    const tests = this.testCases(dto, judging.comparison, problems);
    const checker = checkerOf(dto, this.languages, this.config, problems);
    this.checkOutputFiles(dto.outputFiles ?? [], problems);
    if (dto.interactive && (dto.tests?.length || dto.checker)) {
      problems.push({ field: 'interactive', message: 'an interactive job runs its program once: it takes no tests or checker' });
    }
    const interactor = interactorOf(dto, this.languages, this.config, problems);
    const resolved = resolveLimits(dto.limits, this.config.limits, language?.limits);
    problems.push(...resolved.violations);
    const queue = dto.queue ?? language?.queue ?? this.config.coordinator.queues[0];
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
        files,
        stdinBase64: stdin.toString('base64'),
        args: dto.args ?? [],
        ...(dto.compilerOptions?.length ? { compilerOptions: dto.compilerOptions } : {}),
        ...(tests.length ? { tests } : {}),
        ...(checker ? { checker: { files: checker.files } } : {}),
        ...(dto.interactive ? { interactive: true as const } : {}),
        ...(interactor ? { interactor: { files: interactor.files } } : {}),
      },
      ...(checker ? { checker: checker.plan } : {}),
      ...(interactor ? { interactor: interactor.plan } : {}),
      options: {
        ...judging,
        stopOnFirstFailure: dto.stopOnFirstFailure ?? DEFAULT_RUN_OPTIONS.stopOnFirstFailure,
        outputEncoding: dto.outputEncoding ?? DEFAULT_RUN_OPTIONS.outputEncoding,
        ...(dto.combinedOutput ? { combinedOutput: true } : {}),
        ...(dto.outputFiles?.length ? { outputFiles: dto.outputFiles } : {}),
      },
    };
  }

  private checkInputs(stdin: Buffer, args: string[], problems: FieldError[]): void {
    const jobs = this.config.jobs;
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
  private testCases(dto: CreateJobDto, comparison: Comparison, problems: FieldError[]): TestCase[] {
    const tests = dto.tests ?? [];
    const { maxTests, maxStdinBytes } = this.config.jobs;
    if (tests.length > maxTests) problems.push({ field: 'tests', message: `at most ${maxTests} test cases` });
    if (tests.length && (dto.stdin !== undefined || dto.stdinEncoding !== undefined)) {
      problems.push({ field: 'stdin', message: 'give each test its own stdin (tests[].stdin) instead' });
    }
    return tests.map((test: TestCaseDto, index) => {
      const stdin = decodeContent(test.stdin ?? '', test.encoding, `tests[${index}].stdin`, problems);
      if (stdin.length > maxStdinBytes) problems.push({ field: `tests[${index}].stdin`, message: `at most ${maxStdinBytes} bytes` });
      const judging = testComparisonOf(test, index, comparison, problems);
      if (test.expected === undefined) return { stdinBase64: stdin.toString('base64'), ...judging };
      const expected = decodeContent(test.expected, test.encoding, `tests[${index}].expected`, problems);
      if (expected.length > maxStdinBytes) problems.push({ field: `tests[${index}].expected`, message: `at most ${maxStdinBytes} bytes` });
      return { stdinBase64: stdin.toString('base64'), expectedBase64: expected.toString('base64'), ...judging };
    });
  }
}
