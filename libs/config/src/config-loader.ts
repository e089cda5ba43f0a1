import { plainToInstance } from 'class-transformer';
import { ValidationError, validateSync } from 'class-validator';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { LanguageDefinition, LanguageRegistry, LIMIT_KEYS, parseLanguageTable } from '@kiln/tasks';
import { authEnabled } from './api-exposure';
import { KilnConfig } from './kiln-config';
import { AUTO, MachineSizing, sizeFromMachine } from './machine-sizing';

/** Thrown for any bad configuration; the message names the key (or file) at fault. */
export class ConfigError extends Error {}

export interface LoadedConfig {
  config: KilnConfig;
  languages: LanguageRegistry;
  home: string;
  /** Kiln's version (package.json), reported by every node. */
  version: string;
  /** The keys set to `auto` and sized from this machine, with how (machine-sizing.ts). */
  sizing: MachineSizing;
}

type Tree = Record<string, unknown>;
const ENV_PREFIX = 'KILN_';
// KILN_URL and KILN_KEY are the `kiln` CLI's (server address and API key), not configuration.
const NOT_CONFIG_KEYS = new Set(['KILN_CONFIG', 'KILN_LANGUAGES', 'KILN_HOME', 'KILN_MODE', 'KILN_URL', 'KILN_KEY']);

/**
 * Keys that moved to the section of the process that acts on them (old path
 * → new path): setting an old one stops the process with the new name, not
 * just "unknown key".
 */
export const MOVED_KEYS: Readonly<Record<string, string>> = {
  'worker.taskAttempts': 'coordinator.taskAttempts',
  'worker.heartbeatMs': 'nodes.heartbeatMs',
  'coordinator.workerTimeoutMs': 'nodes.timeoutMs',
};

/**
 * Loads config/kiln.yaml (the defaults), merges KILN_CONFIG over it, applies
 * KILN_* environment overrides and validates the result, then loads the
 * language table. Nothing is read from anywhere else.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const home = kilnHome(env);
  const defaults = readYaml(join(home, 'config', 'kiln.yaml'));
  let tree = structuredClone(defaults);
  if (env.KILN_CONFIG) tree = deepMerge(tree, readYaml(resolve(env.KILN_CONFIG)), 'KILN_CONFIG');
  applyEnvironment(tree, env, defaults);
  const sizing = sizeFromMachine(tree);
  const config = validateConfig(tree);
  const languagesFile = env.KILN_LANGUAGES ? resolve(env.KILN_LANGUAGES) : join(home, 'config', 'languages.yaml');
  return { config, languages: new LanguageRegistry(loadLanguages(languagesFile)), home, version: versionIn(home), sizing };
}

/** Where Kiln is installed: KILN_HOME, else the folder above this code that holds config/kiln.yaml. */
function kilnHome(env: NodeJS.ProcessEnv): string {
  return env.KILN_HOME ? resolve(env.KILN_HOME) : findKilnHome(__dirname);
}

/** Kiln's version (package.json), without loading the configuration: for the client commands. */
export function kilnVersion(env: NodeJS.ProcessEnv = process.env): string {
  return versionIn(kilnHome(env));
}

function versionIn(home: string): string {
  try {
    return (JSON.parse(readFileSync(join(home, 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function loadLanguages(file: string): LanguageDefinition[] {
  try {
    return parseLanguageTable(readYaml(file));
  } catch (error) {
    throw new ConfigError(`${file}: ${(error as Error).message}`);
  }
}

export function validateConfig(tree: Tree): KilnConfig {
  const config = plainToInstance(KilnConfig, tree);
  const invalid = flattenErrors(validateSync(config, { whitelist: true, forbidNonWhitelisted: true }));
  const valid = (key: string) => !invalid.some((problem) => sameOrNested(problem.key, key));
  // The checks across settings skip what failed validation, so every problem is said in one pass.
  const problems = [
    ...invalid.map(({ key, message }) => `${key}: ${message}`),
    ...defaultsAboveMaxima(config, valid),
    ...authWithoutKeys(config, valid),
    ...perKeyProblems(config, valid),
    ...sessionProblems(config, valid),
  ];
  if (problems.length) {
    throw new ConfigError(`invalid configuration:\n${problems.map((line) => `  - ${line}`).join('\n')}`);
  }
  return config;
}

/** Whether one key is the other or holds it (`a.b` holds `a.b.c` and `a.b[0]`). */
function sameOrNested(one: string, other: string): boolean {
  const holds = (outer: string, inner: string) => inner === outer || inner.startsWith(`${outer}.`) || inner.startsWith(`${outer}[`);
  return holds(one, other) || holds(other, one);
}

/** Whether a key passed validation (and so holds a value of its type). */
type IsValid = (key: string) => boolean;

function authWithoutKeys(config: KilnConfig, valid: IsValid): string[] {
  if (!valid('coordinator.auth') || !valid('coordinator.host')) return [];
  if (!authEnabled(config) || config.coordinator.auth.keys.length > 0) return [];
  const why = config.coordinator.auth.mode === 'on' ? 'auth.mode is on' : `the API listens on ${config.coordinator.host}, beyond loopback`;
  return [`coordinator.auth.keys: ${why}, so at least one API key is required (or bind to 127.0.0.1)`];
}

/**
 * Per-key overrides name configured keys, and every key can have at least the
 * tasks of the largest request the API takes (a full Judge0 batch of jobs
 * with the most tests), so a request is never refused for good by its size alone.
 */
function perKeyProblems(config: KilnConfig, valid: IsValid): string[] {
  const { perKey, auth, api } = config.coordinator;
  const sizes = ['coordinator.api.judge0.maxBatchSize', 'jobs.maxTests', 'jobs.testBatchSize'];
  const largest = sizes.every(valid) ? api.judge0.maxBatchSize * (1 + Math.ceil(config.jobs.maxTests / config.jobs.testBatchSize)) : null;
  const why = `the largest request (coordinator.api.judge0.maxBatchSize jobs of jobs.maxTests tests) creates ${largest} tasks`;
  const tooFew = (key: string, maxTasks: number | undefined) =>
    largest !== null && maxTasks !== undefined && valid(key) && maxTasks < largest ? [`${key}: must be at least ${largest}: ${why}`] : [];
  const problems = tooFew('coordinator.perKey.maxTasks', perKey.maxTasks);
  if (!Array.isArray(perKey.overrides)) return problems;
  perKey.overrides.forEach((override, index) => {
    const at = `coordinator.perKey.overrides[${index}]`;
    if (valid(`${at}.key`) && valid('coordinator.auth.keys') && !auth.keys.includes(override.key)) problems.push(`${at}.key: is not one of coordinator.auth.keys`);
    problems.push(...tooFew(`${at}.maxTasks`, override.maxTasks));
  });
  return problems;
}

/** A session's default idle time within its maximum, and both within its lifetime. */
function sessionProblems(config: KilnConfig, valid: IsValid): string[] {
  const { idleTimeoutMs, maxIdleTimeoutMs, maxLifetimeMs } = config.coordinator.sessions;
  const problems: string[] = [];
  if (!valid('coordinator.sessions')) return problems;
  if (idleTimeoutMs > maxIdleTimeoutMs) {
    problems.push(`coordinator.sessions.idleTimeoutMs: must not exceed coordinator.sessions.maxIdleTimeoutMs (${idleTimeoutMs} > ${maxIdleTimeoutMs})`);
  }
  if (maxIdleTimeoutMs > maxLifetimeMs) {
    problems.push(`coordinator.sessions.maxIdleTimeoutMs: must not exceed coordinator.sessions.maxLifetimeMs (${maxIdleTimeoutMs} > ${maxLifetimeMs})`);
  }
  return problems;
}

function defaultsAboveMaxima(config: KilnConfig, valid: IsValid): string[] {
  const { defaults, maxima } = config.limits;
  const comparable = (key: string) => valid(`limits.defaults.${key}`) && valid(`limits.maxima.${key}`);
  return LIMIT_KEYS.filter((key) => comparable(key) && defaults[key] > maxima[key]).map(
    (key) => `limits.defaults.${key}: must not exceed limits.maxima.${key} (${defaults[key]} > ${maxima[key]})`,
  );
}

interface Problem {
  key: string;
  message: string;
}

/** Validation errors, one line per reason, keys written as in the file (`overrides[0].key`). */
function flattenErrors(errors: ValidationError[], path = ''): Problem[] {
  return errors.flatMap((error) => {
    const key = !path ? error.property : /^\d+$/.test(error.property) ? `${path}[${error.property}]` : `${path}.${error.property}`;
    const own = reasonsOf(error).map((message) => ({ key, message }));
    return [...own, ...flattenErrors(error.children ?? [], key)];
  });
}

/**
 * The checks of what a value is (as apps/coordinator/src/http/validation.pipe.ts
 * has them for the API). When one fails the range checks on the key are not
 * said: a string "3903" is not "greater than 65535", it is not a number.
 */
const KIND_CHECKS = new Set(['isString', 'isArray', 'isInt', 'isNumber', 'isBoolean', 'isIn', 'nestedValidation']);

/**
 * class-validator's own messages of these checks (after the key's name), said
 * in PLAIN_WORDING instead; a message kiln-config.ts gives a check itself
 * (SIZED_INT: "whole number or auto") is kept.
 */
const CLASS_VALIDATOR_WORDING: Readonly<Record<string, string>> = {
  isInt: 'must be an integer number',
  isNumber: 'must be a number conforming to the specified constraints',
  isBoolean: 'must be a boolean value',
};
const PLAIN_WORDING: Readonly<Record<string, string>> = {
  isInt: 'must be an integer',
  isNumber: 'must be a number',
  isBoolean: 'must be true or false',
  nestedValidation: 'must be a section of keys',
};

/** Values of these keys may hold secrets (API keys, a Redis password): errors never print them. */
const SECRET_KEYS = new Set(['keys', 'key', 'url', 'secret']);

function reasonsOf(error: ValidationError): string[] {
  const failed = Object.entries(error.constraints ?? {});
  if (failed.some(([check]) => check === 'whitelistValidation')) return ['unknown key'];
  const kind = failed.filter(([check]) => KIND_CHECKS.has(check));
  const reasons = (kind.length ? kind : failed).map(([check, message]) => plainReason(check, message, error.property));
  if (SECRET_KEYS.has(error.property)) return reasons;
  const got = kind.length ? describeKind(error.value) : JSON.stringify(error.value);
  return reasons.map((reason) => `${reason} (got ${got})`);
}

/** The reason without the key's own name in front (the line starts with the key) and in plain words. */
function plainReason(check: string, message: string, property: string): string {
  const reason = message.startsWith(`${property} `) ? message.slice(property.length + 1) : message;
  const isClassValidatorWording = check === 'nestedValidation' || reason === CLASS_VALIDATOR_WORDING[check];
  return isClassValidatorWording && PLAIN_WORDING[check] ? PLAIN_WORDING[check] : reason;
}

/** A value of the wrong kind, said with its kind where JSON alone hides it (`"3903"` looks like a number in YAML). */
function describeKind(value: unknown): string {
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

function readYaml(file: string): Tree {
  if (!existsSync(file)) throw new ConfigError(`configuration file not found: ${file}`);
  try {
    return (parse(readFileSync(file, 'utf8')) ?? {}) as Tree;
  } catch (error) {
    throw new ConfigError(`${file}: not valid YAML: ${(error as Error).message}`);
  }
}

/** The directory that holds config/kiln.yaml: the repository (or image) root. */
export function findKilnHome(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'config', 'kiln.yaml'))) return dir;
    if (dirname(dir) === dir) throw new ConfigError('cannot find config/kiln.yaml; set KILN_HOME');
  }
}

function deepMerge(base: Tree, over: Tree, source: string, path = ''): Tree {
  const merged: Tree = { ...base };
  for (const [key, value] of Object.entries(over ?? {})) {
    const here = path ? `${path}.${key}` : key;
    if (!(key in base)) throw new ConfigError(`${source}: ${MOVED_KEYS[here] ? movedKey(here) : `unknown key ${here}`}`);
    merged[key] = isTree(base[key]) ? deepMerge(base[key] as Tree, sectionIn(value, source, here), source, here) : value;
  }
  return merged;
}

/**
 * The keys a file gives a section: none for an empty one (`coordinator:` with
 * every key under it commented out is null in YAML), so the defaults apply.
 */
function sectionIn(value: unknown, source: string, key: string): Tree {
  if (value === null) return {};
  if (isTree(value)) return value;
  throw new ConfigError(`${source}: ${key} must be a section of keys, not a single value (got ${JSON.stringify(value)})`);
}

/** KILN_COORDINATOR__API__ENDPOINTS__JOBS=false → coordinator.api.endpoints.jobs = false */
function applyEnvironment(tree: Tree, env: NodeJS.ProcessEnv, defaults: Tree): void {
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || NOT_CONFIG_KEYS.has(name) || raw === undefined) continue;
    const segments = name.slice(ENV_PREFIX.length).split('__');
    let node: Tree = tree;
    const path: string[] = [];
    for (const [index, segment] of segments.entries()) {
      const key = Object.keys(node).find((k) => normalize(k) === normalize(segment));
      if (key === undefined) throw new ConfigError(`${name}: ${movedFrom(path, segment) ?? `no configuration key ${[...path, segment.toLowerCase()].join('.')}`}`);
      path.push(key);
      if (index === segments.length - 1) node[key] = coerce(raw, expectedValue(defaults, path, node[key]), name);
      else if (isTree(node[key])) node = node[key] as Tree;
      else throw new ConfigError(`${name}: ${path.join('.')} is not a section`);
    }
  }
}

/**
 * A value of the type the key takes: its default (config/kiln.yaml), not what
 * KILN_CONFIG put there, which may be of the wrong type itself; else the value now set.
 */
function expectedValue(defaults: Tree, path: string[], current: unknown): unknown {
  let node: unknown = defaults;
  for (const key of path) node = isTree(node) ? node[key] : undefined;
  return node ?? current;
}

/** The moved key that `segment` under `path` names (as an environment variable spells it), said as a move. */
function movedFrom(path: string[], segment: string): string | null {
  const parent = path.join('.');
  const old = Object.keys(MOVED_KEYS).find((key) => {
    const at = key.lastIndexOf('.');
    return key.slice(0, at) === parent && normalize(key.slice(at + 1)) === normalize(segment);
  });
  return old ? movedKey(old) : null;
}

function movedKey(old: string): string {
  const now = MOVED_KEYS[old];
  const variable = `${ENV_PREFIX}${now.split('.').map((part) => part.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('__')}`;
  return `${old} has moved to ${now} (${variable}): it belongs to the process that acts on it`;
}

/** The environment's text as a value of the type of `expected`. */
function coerce(raw: string, expected: unknown, name: string): unknown {
  // A key sized from the machine by default (`auto`) takes a number too; other text is validation's to name.
  if (expected === AUTO) return raw.trim() === AUTO || raw.trim() === '' || Number.isNaN(Number(raw)) ? raw : Number(raw);
  if (typeof expected === 'number') {
    const value = Number(raw);
    if (raw.trim() === '' || Number.isNaN(value)) throw new ConfigError(`${name}: must be a number (got ${JSON.stringify(raw)})`);
    return value;
  }
  if (typeof expected === 'boolean') {
    if (!/^(true|false|1|0)$/i.test(raw)) throw new ConfigError(`${name}: must be true or false (got ${JSON.stringify(raw)})`);
    return /^(true|1)$/i.test(raw);
  }
  if (Array.isArray(expected)) return raw.split(',').map((item) => item.trim()).filter(Boolean);
  return raw;
}

const normalize = (key: string) => key.replace(/_/g, '').toLowerCase();
const isTree = (value: unknown): value is Tree => typeof value === 'object' && value !== null && !Array.isArray(value);
