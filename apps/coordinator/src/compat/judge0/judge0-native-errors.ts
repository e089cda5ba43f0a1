import { InvalidRequestException, FieldError } from '../../http/field-error';
import { FieldErrorList, Judge0InvalidSubmission } from './judge0-errors';

// Native request fields → the Judge0 attribute they came from.
const ATTRIBUTE_OF: [RegExp, string][] = [
  [/^language$/, 'language_id'],
  [/^(code|files)/, 'source_code'],
  [/^tests\[\d+\]\.expected/, 'expected_output'],
  [/^(stdin|tests\[\d+\]\.stdin)/, 'stdin'],
  [/^tests$/, 'number_of_runs'],
  [/^args/, 'command_line_arguments'],
  [/^compilerOptions/, 'compiler_options'],
  [/^limits\.timeoutMs/, 'wall_time_limit'],
  [/^limits\.cpuTimeMs/, 'cpu_time_limit'],
  [/^limits\.memoryMb/, 'memory_limit'],
  [/^limits\.processes/, 'max_processes_and_or_threads'],
  [/^webhook/, 'callback_url'],
];

/**
 * Kiln's own refusal of the mapped job (a source over the size limit, a
 * callback URL that may not be reached…) as Judge0's 422, each problem under
 * the attribute it came from; null for any other error.
 */
export function toJudge0FieldErrors(error: unknown): Judge0InvalidSubmission | null {
  if (!(error instanceof InvalidRequestException)) return null;
  const details = ((error.getResponse() as { details?: FieldError[] }).details ?? []);
  const errors = new FieldErrorList();
  for (const { field, message } of details) errors.add(ATTRIBUTE_OF.find(([pattern]) => pattern.test(field))?.[1] ?? 'base', message);
  return new Judge0InvalidSubmission(errors.errors);
}
