import { Judge0BadRequest } from './judge0-errors';
import { encode64 } from './judge0-base64';

/** Every attribute of a submission (Judge0 CE 1.13's serializer), in its order. */
export const JUDGE0_ATTRIBUTES = [
  'source_code', 'language_id', 'stdin', 'expected_output', 'stdout', 'status_id', 'created_at', 'finished_at',
  'time', 'memory', 'stderr', 'token', 'number_of_runs', 'cpu_time_limit', 'cpu_extra_time', 'wall_time_limit',
  'memory_limit', 'stack_limit', 'max_processes_and_or_threads', 'enable_per_process_and_thread_time_limit',
  'enable_per_process_and_thread_memory_limit', 'max_file_size', 'compile_output', 'exit_code', 'exit_signal',
  'message', 'wall_time', 'compiler_options', 'command_line_arguments', 'redirect_stderr_to_stdout', 'callback_url',
  'additional_files', 'enable_network', 'started_at', 'queued_at', 'updated_at', 'queue_host', 'execution_host',
  'status', 'language',
] as const;

export type Judge0Attribute = (typeof JUDGE0_ATTRIBUTES)[number];

/** A submission's attributes; text attributes as bytes (Buffer) until serialized. */
export type Judge0Attributes = Record<Judge0Attribute, unknown>;

/** What GET /submissions/:token answers without `fields` (Fields::Submission#default_fields). */
export const DEFAULT_FIELDS: readonly Judge0Attribute[] = ['token', 'time', 'memory', 'stdout', 'stderr', 'compile_output', 'message', 'status'];

/** Text attributes: base64 with base64_encoded=true, else they must be UTF-8. */
const TEXT_ATTRIBUTES = new Set<Judge0Attribute>(['source_code', 'stdin', 'expected_output', 'stdout', 'stderr', 'compile_output', 'message']);

/** The answer holds bytes that are not UTF-8 and base64 was not asked for. */
export class NotUtf8Error extends Error {}

/**
 * `?fields=`: comma-separated attribute names (taken as they are, like
 * Judge0), `*` for all; none: the defaults. Unknown names are a 400 naming them.
 */
export function parseFields(param: unknown): Judge0Attribute[] {
  const names = typeof param === 'string' && param !== '' ? param.split(',') : [];
  if (names.includes('*')) return [...JUDGE0_ATTRIBUTES];
  const known = new Set<string>(JUDGE0_ATTRIBUTES);
  const invalid = names.filter((name) => !known.has(name));
  if (invalid.length) throw new Judge0BadRequest(`invalid fields: [${invalid.join(', ')}]`);
  return names.length ? (names as Judge0Attribute[]) : [...DEFAULT_FIELDS];
}

/** The requested attributes, text encoded as Judge0 does (Ruby's Base64.encode64, or UTF-8 checked strictly). */
export function serializeSubmission(attributes: Judge0Attributes, fields: readonly Judge0Attribute[], base64: boolean): Record<string, unknown> {
  const answer: Record<string, unknown> = {};
  for (const field of fields) {
    const value = attributes[field];
    answer[field] = TEXT_ATTRIBUTES.has(field) && Buffer.isBuffer(value) ? encodeText(value, base64) : value;
  }
  return answer;
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

function encodeText(bytes: Buffer, base64: boolean): string {
  if (base64) return encode64(bytes);
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    throw new NotUtf8Error();
  }
}
