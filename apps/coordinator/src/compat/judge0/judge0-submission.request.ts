import { cpuTimeMsOf, effectivePolicy, LIMIT_MINIMA, CPU_TIME_MINIMUM_MS, LimitsPolicy, takesCompilerOptions } from '@kiln/tasks';
import { decode64 } from './judge0-base64';
import { FieldErrorList, Judge0InvalidSubmission } from './judge0-errors';
import { Judge0Language, Judge0Languages } from './judge0-languages';

/** A submission as Judge0 takes it (POST /submissions, or one entry of a batch); unknown attributes are ignored, as Rails' permit does. */
export type Judge0SubmissionBody = Record<string, unknown>;

/** A checked submission: text attributes as bytes (base64 already decoded), numbers in Judge0's units (s, KB). */
export interface Judge0Submission {
  language: Judge0Language;
  languageId: number;
  sourceCode: Buffer;
  stdin: Buffer | null;
  expectedOutput: Buffer | null;
  compilerOptions: string | null;
  commandLineArguments: string | null;
  cpuTimeLimit: number | null;
  cpuExtraTime: number | null;
  wallTimeLimit: number | null;
  memoryLimit: number | null;
  stackLimit: number | null;
  maxProcessesAndOrThreads: number | null;
  maxFileSize: number | null;
  redirectStderrToStdout: boolean;
  numberOfRuns: number;
  callbackUrl: string | null;
}

interface NumericRule {
  attribute: string;
  /** Inclusive, unless `above` (Rails' greater_than). */
  minimum: number;
  above?: boolean;
  maximum: number;
}

/** Judge0's limits on the attributes it only bounds (MAX_CPU_EXTRA_TIME, MAX_STACK_LIMIT, MAX_MAX_FILE_SIZE, MAX_NUMBER_OF_RUNS). */
const JUDGE0_MAXIMA = { cpuExtraTime: 5, stackLimit: 128000, maxFileSize: 4096, numberOfRuns: 20 };

/**
 * Judge0's model validations (app/models/submission.rb), all errors at once,
 * in Rails' words. The numeric bounds are Kiln's (its configured maxima and
 * minima for the language, in Judge0's units) where Kiln enforces the limit,
 * Judge0's own where Kiln only records it. Checked procedurally rather than
 * with DTO decorators because the bounds come from the configuration.
 */
export function parseJudge0Submission(
  body: Judge0SubmissionBody,
  base64: boolean,
  languages: Judge0Languages,
  policy: LimitsPolicy,
  maxTests: number,
  fileSizeKb: number,
): Judge0Submission {
  const errors = new FieldErrorList();
  const text = (attribute: string) => textAttribute(body[attribute], base64 && BASE64_ATTRIBUTES.has(attribute));
  const sourceCode = text('source_code');
  if (!sourceCode || sourceCode.toString('utf8').trim() === '') errors.add('source_code', "can't be blank");
  const languageId = integerOf(body.language_id);
  const language = languageId === null ? undefined : languages.find(languageId);
  if (languageId === null) errors.add('language_id', "can't be blank");
  else if (!language) errors.add('language_id', `language with id ${languageId} doesn't exist`);
  const numbers = checkNumbers(body, rulesFor(language ? effectivePolicy(policy, language.definition.limits) : policy, maxTests, fileSizeKb), errors);
  checkOptions(body, language, errors);
  if (!errors.empty || !language || !sourceCode) throw new Judge0InvalidSubmission(errors.errors);
  return {
    language,
    languageId: languageId!,
    sourceCode,
    stdin: text('stdin'),
    expectedOutput: text('expected_output'),
    compilerOptions: stringOf(body.compiler_options),
    commandLineArguments: stringOf(body.command_line_arguments),
    cpuTimeLimit: numbers.cpu_time_limit,
    cpuExtraTime: numbers.cpu_extra_time,
    wallTimeLimit: numbers.wall_time_limit,
    memoryLimit: numbers.memory_limit,
    stackLimit: numbers.stack_limit,
    maxProcessesAndOrThreads: numbers.max_processes_and_or_threads,
    maxFileSize: numbers.max_file_size,
    redirectStderrToStdout: booleanOf(body.redirect_stderr_to_stdout),
    numberOfRuns: numbers.number_of_runs ?? 1,
    callbackUrl: stringOf(body.callback_url),
  };
}

/** The attributes base64_encoded=true applies to on the way in. */
const BASE64_ATTRIBUTES = new Set(['source_code', 'stdin', 'expected_output']);

/** `fileSizeKb`: the sandbox's own file size limit, which a submission reads back as its max_file_size when it gave none, and may send again. */
function rulesFor({ maxima }: LimitsPolicy, maxTests: number, fileSizeKb: number): NumericRule[] {
  return [
    { attribute: 'cpu_time_limit', minimum: CPU_TIME_MINIMUM_MS / 1000, maximum: cpuTimeMsOf(maxima) / 1000 },
    { attribute: 'cpu_extra_time', minimum: 0, maximum: JUDGE0_MAXIMA.cpuExtraTime },
    { attribute: 'wall_time_limit', minimum: Math.max(1, LIMIT_MINIMA.timeoutMs / 1000), maximum: maxima.timeoutMs / 1000 },
    { attribute: 'memory_limit', minimum: Math.max(2048, LIMIT_MINIMA.memoryMb * 1024), maximum: maxima.memoryMb * 1024 },
    { attribute: 'stack_limit', minimum: 0, maximum: JUDGE0_MAXIMA.stackLimit },
    { attribute: 'max_processes_and_or_threads', minimum: LIMIT_MINIMA.processes, maximum: maxima.processes },
    { attribute: 'max_file_size', minimum: 0, maximum: Math.max(JUDGE0_MAXIMA.maxFileSize, fileSizeKb) },
    { attribute: 'number_of_runs', minimum: 0, above: true, maximum: Math.min(JUDGE0_MAXIMA.numberOfRuns, maxTests) },
  ];
}

function checkNumbers(body: Judge0SubmissionBody, rules: NumericRule[], errors: FieldErrorList): Record<string, number | null> {
  const values: Record<string, number | null> = {};
  for (const rule of rules) {
    const raw = body[rule.attribute];
    values[rule.attribute] = null;
    if (raw === undefined || raw === null || raw === '') continue;
    const value = numberOf(raw);
    if (value === null) errors.add(rule.attribute, 'is not a number');
    else if (rule.above && value <= rule.minimum) errors.add(rule.attribute, `must be greater than ${rule.minimum}`);
    else if (!rule.above && value < rule.minimum) errors.add(rule.attribute, `must be greater than or equal to ${rule.minimum}`);
    else if (value > rule.maximum) errors.add(rule.attribute, `must be less than or equal to ${rule.maximum}`);
    else values[rule.attribute] = value;
  }
  return values;
}

/** The options Judge0 lets a server refuse, refused where Kiln cannot do them. */
function checkOptions(body: Judge0SubmissionBody, language: Judge0Language | undefined, errors: FieldErrorList): void {
  for (const attribute of ['compiler_options', 'command_line_arguments']) {
    const value = stringOf(body[attribute]);
    if (value !== null && value.length > 512) errors.add(attribute, 'is too long (maximum is 512 characters)');
  }
  if (stringOf(body.compiler_options)?.trim() && language && !takesCompilerOptions(language.definition.compile)) {
    errors.add('compiler_options', 'setting compiler options is only allowed for compiled languages');
  }
  for (const attribute of ['enable_per_process_and_thread_time_limit', 'enable_per_process_and_thread_memory_limit']) {
    if (booleanOf(body[attribute])) errors.add(attribute, 'this option cannot be enabled');
  }
  if (booleanOf(body.enable_network)) errors.add('enable_network', 'enabling network is not allowed');
  if (stringOf(body.additional_files)) errors.add('additional_files', 'setting additional files is not allowed');
}

function textAttribute(value: unknown, base64: boolean): Buffer | null {
  const text = stringOf(value);
  if (text === null) return null;
  return base64 ? decode64(text) : Buffer.from(text, 'utf8');
}

/**
 * A scalar attribute as Rails' strong parameters pass it (`permit` lets only
 * scalars through): text as it is, numbers and booleans as text, anything
 * else (an object, an array) absent.
 */
function stringOf(value: unknown): string | null {
  if (typeof value === 'string') return value;
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : null;
}

/** Rails' numericality: numbers, or strings that are numbers ("2", "0.5"). */
function numberOf(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(value)) return Number(value);
  return null;
}

/** An integer attribute as Rails casts it ("4" → 4, 4.7 → 4); anything else is blank. */
function integerOf(value: unknown): number | null {
  const number = numberOf(value);
  return number === null ? null : Math.trunc(number);
}

/** Rails' boolean cast: false, "false", "0", "f", "off", 0 and blank (or no scalar) are false. */
function booleanOf(value: unknown): boolean {
  const text = stringOf(value);
  return text !== null && text !== '' && !['false', '0', 'f', 'off', 'no'].includes(text.toLowerCase());
}
