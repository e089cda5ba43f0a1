import { LIMIT_KEYS } from '../limits/limits';
import { unknownPlaceholders } from './command-template';
import { LanguageDefinition, OutOfMemorySignature } from './language';
import { extensionOf } from './language-rules';

/** Thrown when config/languages.yaml is invalid; the message names the entry and the key. */
export class LanguageTableError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid language table:\n  - ${problems.join('\n  - ')}`);
  }
}

const ID = /^[a-z][a-z0-9_+#.-]{0,31}$/;
const QUEUE_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;
const FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;
const KNOWN_KEYS = new Set(['id', 'name', 'version', 'aliases', 'image', 'file', 'extensions', 'compile', 'run', 'env', 'limits', 'versionCommand', 'fileFromCode', 'outOfMemory', 'packages', 'packagesCommand', 'queue']);

type Raw = Record<string, unknown>;

/** Validates the parsed YAML (`{languages: [...]}`) into definitions, collecting every problem. */
export function parseLanguageTable(document: unknown): LanguageDefinition[] {
  const entries = (document as Raw | null)?.languages;
  if (!Array.isArray(entries) || entries.length === 0) {
    throw new LanguageTableError(['key "languages": must be a non-empty list']);
  }
  const problems: string[] = [];
  const languages = entries.map((entry, index) => parseEntry(entry, index, problems));
  checkUniqueNames(languages, problems);
  if (problems.length) throw new LanguageTableError(problems);
  return languages as LanguageDefinition[];
}

function parseEntry(entry: unknown, index: number, problems: string[]): LanguageDefinition {
  const raw = (typeof entry === 'object' && entry !== null ? entry : {}) as Raw;
  const where = `languages[${index}]${typeof raw.id === 'string' ? ` (${raw.id})` : ''}`;
  const problem = (key: string, message: string) => problems.push(`${where}: key "${key}": ${message}`);
  for (const key of Object.keys(raw)) if (!KNOWN_KEYS.has(key)) problem(key, 'unknown key');

  const id = text(raw, 'id', problem);
  if (id && !ID.test(id)) problem('id', 'must be lower-case letters, digits, and _+#.- (max 32)');
  const file = text(raw, 'file', problem);
  if (file && !FILE_NAME.test(file)) problem('file', 'must be a plain file name');
  const extensions = raw.extensions === undefined ? [extensionOf(file)] : strings(raw, 'extensions', problem, false);

  return {
    id,
    name: text(raw, 'name', problem),
    version: text(raw, 'version', problem, true),
    aliases: raw.aliases === undefined ? [] : strings(raw, 'aliases', problem, false).map((a) => a.toLowerCase()),
    image: text(raw, 'image', problem),
    file,
    extensions: extensions.filter(Boolean),
    compile: raw.compile === undefined || raw.compile === null ? undefined : command(raw, 'compile', problem),
    run: command(raw, 'run', problem),
    env: environment(raw, problem),
    limits: limitOverrides(raw, problem),
    ...(raw.versionCommand === undefined ? {} : { versionCommand: strings(raw, 'versionCommand', problem, true) }),
    ...(raw.fileFromCode === undefined ? {} : { fileFromCode: pattern(raw, 'fileFromCode', problem) }),
    ...(raw.outOfMemory === undefined ? {} : { outOfMemory: outOfMemory(raw, problem) }),
    ...(raw.packages === undefined ? {} : { packages: packages(raw, problem) }),
    ...(raw.packagesCommand === undefined ? {} : { packagesCommand: strings(raw, 'packagesCommand', problem, true) }),
    ...(raw.queue === undefined ? {} : { queue: queueName(raw, problem) }),
  };
}

/** The named queue the language's jobs go to when a request names none (as coordinator.queues spells queue names). */
function queueName(raw: Raw, problem: (k: string, m: string) => void): string {
  const queue = text(raw, 'queue', problem);
  if (queue && !QUEUE_NAME.test(queue)) problem('queue', 'must be 1-32 of a-z, 0-9, _ and -');
  return queue;
}

/** Libraries the image holds beyond the toolchain: name → version. */
function packages(raw: Raw, problem: (k: string, m: string) => void): Record<string, string> {
  const value = raw.packages as Raw;
  const valid =
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.entries(value).every(([name, version]) => /^[A-Za-z0-9_.+-]{1,64}$/.test(name) && typeof version === 'string' && version.trim() !== '');
  if (!valid) problem('packages', 'must map package names to version strings');
  return valid ? (value as Record<string, string>) : {};
}

/** A regular expression with at least one capturing group. */
function pattern(raw: Raw, key: string, problem: (k: string, m: string) => void): string {
  const source = raw[key];
  try {
    if (typeof source !== 'string') throw new Error();
    const groups = (new RegExp(`${source}|`).exec('') ?? []).length - 1;
    if (groups < 1) problem(key, 'must have a capturing group (the name)');
    return source;
  } catch {
    problem(key, 'must be a valid regular expression');
    return '';
  }
}

function outOfMemory(raw: Raw, problem: (k: string, m: string) => void): OutOfMemorySignature {
  const value = raw.outOfMemory as Raw;
  const exitCode = value?.exitCode;
  const output = value?.output;
  const keys = typeof value === 'object' && value !== null ? Object.keys(value) : [];
  const valid =
    keys.length > 0 &&
    keys.every((k) => k === 'exitCode' || k === 'output') &&
    (exitCode === undefined || (Number.isInteger(exitCode) && (exitCode as number) >= 0 && (exitCode as number) < 256)) &&
    (output === undefined || (typeof output === 'string' && output !== ''));
  if (!valid) problem('outOfMemory', 'must be {exitCode: 0-255, output: text}, at least one of them');
  return valid ? (value as OutOfMemorySignature) : {};
}

function text(raw: Raw, key: string, problem: (k: string, m: string) => void, numberOk = false): string {
  const value = raw[key];
  if (numberOk && typeof value === 'number') return String(value);
  if (typeof value !== 'string' || value.trim() === '') {
    problem(key, 'is required and must be a non-empty string');
    return '';
  }
  return value;
}

function strings(raw: Raw, key: string, problem: (k: string, m: string) => void, nonEmpty: boolean): string[] {
  const value = raw[key];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string') || (nonEmpty && value.length === 0)) {
    problem(key, `must be a ${nonEmpty ? 'non-empty ' : ''}list of strings`);
    return [];
  }
  return value as string[];
}

function command(raw: Raw, key: string, problem: (k: string, m: string) => void): string[] {
  const argv = strings(raw, key, problem, true);
  const unknown = unknownPlaceholders(argv);
  if (unknown.length) problem(key, `unknown placeholder(s): ${unknown.join(', ')}`);
  return argv;
}

function environment(raw: Raw, problem: (k: string, m: string) => void): Record<string, string> {
  if (raw.env === undefined) return {};
  const env = raw.env as Raw;
  const valid =
    typeof env === 'object' &&
    env !== null &&
    Object.entries(env).every(([k, v]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) && typeof v === 'string');
  if (!valid) problem('env', 'must map variable names to strings');
  return valid ? (env as Record<string, string>) : {};
}

function limitOverrides(raw: Raw, problem: (k: string, m: string) => void): LanguageDefinition['limits'] {
  if (raw.limits === undefined) return undefined;
  const limits = raw.limits as Raw;
  const result: NonNullable<LanguageDefinition['limits']> = {};
  for (const part of ['defaults', 'maxima'] as const) {
    const values = (limits?.[part] ?? {}) as Raw;
    for (const [key, value] of Object.entries(values)) {
      if (!(LIMIT_KEYS as string[]).includes(key)) problem(`limits.${part}.${key}`, 'unknown limit');
      else if (typeof value !== 'number' || !(value > 0)) problem(`limits.${part}.${key}`, 'must be a positive number');
    }
    if (limits?.[part] !== undefined) result[part] = values as never;
  }
  for (const key of Object.keys(limits ?? {})) {
    if (key !== 'defaults' && key !== 'maxima') problem(`limits.${key}`, 'must be "defaults" or "maxima"');
  }
  return result;
}

function checkUniqueNames(languages: LanguageDefinition[], problems: string[]): void {
  const owner = new Map<string, string>();
  for (const language of languages) {
    for (const name of new Set([language.id, ...language.aliases].filter(Boolean))) {
      const previous = owner.get(name);
      if (previous) problems.push(`languages (${language.id}): name "${name}" is already used by ${previous}`);
      else owner.set(name, language.id);
    }
  }
}
