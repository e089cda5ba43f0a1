/**
 * A small deterministic fuzzer of JSON requests: a seeded PRNG (mulberry32),
 * random JSON values, and mutations of a valid request (values swapped for
 * others of any type, keys added or removed, nesting, hostile strings and
 * numbers). The same seed always gives the same cases, so a failing seed is
 * a reproducible test case.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** mulberry32: fast, tiny, and good enough to spread cases. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOSTILE_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff\ud800',
  '🦀'.repeat(3),
  '../../etc/passwd',
  '/etc/passwd',
  '-fplugin=x.so',
  '$(id)',
  '%E0%A4%A',
  '*',
  '^3',
  '1.2.3.4.5',
  'true',
  '0',
  '-1',
  '1e309',
  'NaN',
  '=====',
  'aGVsbG8=',
  'not base64!',
  'python',
  'c',
  'java',
  'https://hooks.kiln.test/h',
  'http://127.0.0.1:9/hook',
  'base64',
  'utf8',
  'hex',
  'exact',
  'trimmed',
  'tokens',
  'float',
];

const HOSTILE_NUMBERS = [0, -0, 1, -1, 0.5, 2.5, 71, 50, 1e308, -1e308, 2 ** 53 + 1, 1e-300, 4294967296, 255, 65536, 1000000];

/** Keys of every request format Kiln speaks, hostile ones and nonsense: what an added key is drawn from. */
const KEYS = [
  'language', 'code', 'files', 'name', 'content', 'encoding', 'stdin', 'stdinEncoding', 'args', 'compilerOptions', 'tests', 'expected',
  'comparison', 'absoluteError', 'relativeError', 'checker', 'stopOnFirstFailure', 'outputEncoding', 'combinedOutput', 'limits', 'timeoutMs', 'memoryMb', 'cpus', 'processes',
  'outputBytes', 'compileTimeoutMs', 'compileMemoryMb', 'cpuTimeMs', 'queue', 'priority', 'webhook', 'version', 'run_timeout',
  'compile_timeout', 'run_memory_limit', 'compile_memory_limit', 'run_cpu_time', 'compile_cpu_time', 'language_id', 'source_code',
  'expected_output', 'cpu_time_limit', 'cpu_extra_time', 'wall_time_limit', 'memory_limit', 'stack_limit',
  'max_processes_and_or_threads', 'max_file_size', 'number_of_runs', 'redirect_stderr_to_stdout', 'compiler_options',
  'command_line_arguments', 'callback_url', 'enable_network', 'additional_files', 'submissions', 'privileged', '',
  '__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '0', 'length',
];

export class JsonFuzzer {
  constructor(readonly random: () => number) {}

  int(below: number): number {
    return Math.floor(this.random() * below);
  }

  chance(probability: number): boolean {
    return this.random() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  string(): string {
    if (this.chance(0.5)) return this.pick(HOSTILE_STRINGS);
    const length = this.chance(0.05) ? 2000 + this.int(4000) : this.int(24);
    let text = '';
    for (let i = 0; i < length; i++) text += String.fromCharCode(this.chance(0.9) ? 32 + this.int(95) : this.int(0x10000));
    return text;
  }

  number(): number {
    return this.chance(0.6) ? this.pick(HOSTILE_NUMBERS) : (this.random() - 0.5) * 10 ** this.int(12);
  }

  /** Any JSON value, at most `depth` levels of arrays and objects. */
  value(depth = 3): Json {
    const kind = this.int(depth > 0 ? 7 : 5);
    if (kind === 0) return null;
    if (kind === 1) return this.chance(0.5);
    if (kind === 2) return this.number();
    if (kind === 3 || kind === 4) return this.string();
    if (kind === 5) return Array.from({ length: this.int(4) }, () => this.value(depth - 1));
    const object: { [key: string]: Json } = {};
    for (let i = this.int(4); i > 0; i--) setOwn(object, this.pick(KEYS), this.value(depth - 1));
    return object;
  }

  /** `count` mutations of a copy of `base`. */
  mutate(base: Json, count = 1 + this.int(4)): Json {
    let value = clone(base);
    for (let i = 0; i < count; i++) value = this.mutateOnce(value);
    return value;
  }

  private mutateOnce(root: Json): Json {
    const containers = containersOf(root);
    const op = this.int(9);
    if (containers.length === 0 || (op === 0 && this.chance(0.2))) return this.value();
    if (op === 0) return this.replaceSomewhere(root, containers);
    const target = this.pick(containers);
    const keys = Object.keys(target);
    if (op === 1 && keys.length) return this.remove(root, target, this.pick(keys));
    if (op === 2 && !Array.isArray(target)) {
      setOwn(target, this.pick(KEYS), this.value());
      return root;
    }
    if (op === 3 && Array.isArray(target)) {
      for (let i = this.int(30); i > 0 && target.length; i--) target.push(clone(target[this.int(target.length)]));
      return root;
    }
    if (op === 4 && keys.length) {
      const key = this.pick(keys);
      setOwn(target, key, this.nest(getOwn(target, key), 1 + this.int(40)));
      return root;
    }
    if (op === 5 && keys.length) {
      const key = this.pick(keys);
      setOwn(target, key, retype(getOwn(target, key), this));
      return root;
    }
    return this.replaceSomewhere(root, containers);
  }

  private replaceSomewhere(root: Json, containers: Containers): Json {
    const target = this.pick(containers);
    const keys = Object.keys(target);
    if (!keys.length) return root;
    setOwn(target, this.pick(keys), this.value());
    return root;
  }

  private remove(root: Json, target: Json[] | { [key: string]: Json }, key: string): Json {
    if (Array.isArray(target)) target.splice(Number(key), 1);
    else delete target[key];
    return root;
  }

  private nest(value: Json, depth: number): Json {
    let nested = value;
    for (let i = 0; i < depth; i++) nested = this.chance(0.5) ? [nested] : { a: nested };
    return nested;
  }

  /** A raw body: the JSON text of `value`, sometimes damaged byte by byte (what a broken or hostile client sends). */
  text(value: Json): string {
    let text = JSON.stringify(value);
    if (this.chance(0.6)) return text;
    for (let i = 1 + this.int(4); i > 0; i--) {
      const at = this.int(text.length + 1);
      const op = this.int(4);
      if (op === 0) text = text.slice(0, at);
      else if (op === 1) text = text.slice(0, at) + this.pick(['{', '}', '[', ']', '"', ',', ':', '\\', '\u0000', 'null', '1e999', '-']) + text.slice(at);
      else if (op === 2) text = text.slice(0, at) + text.slice(at + 1 + this.int(8));
      else text = text.slice(0, at) + '['.repeat(this.int(200)) + text.slice(at);
    }
    return text;
  }
}

type Containers = (Json[] | { [key: string]: Json })[];

function containersOf(root: Json): Containers {
  const found: Containers = [];
  const pending: Json[] = [root];
  while (pending.length) {
    const value = pending.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    found.push(value);
    pending.push(...Object.values(value));
  }
  return found;
}

function retype(value: Json, fuzz: JsonFuzzer): Json {
  if (typeof value === 'string') return fuzz.chance(0.5) ? Number(value) || fuzz.number() : [value];
  if (typeof value === 'number') return fuzz.chance(0.5) ? String(value) : { value };
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return fuzz.chance(0.5) ? value[0] ?? null : Object.fromEntries(value.map((item, index) => [String(index), item]));
  return value === null ? fuzz.string() : JSON.stringify(value);
}

/** An own property even for "__proto__" (plain assignment would set the prototype instead), as JSON.parse makes it. */
function setOwn(target: Json[] | { [key: string]: Json }, key: string, value: Json): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function getOwn(target: Json[] | { [key: string]: Json }, key: string): Json {
  return Object.getOwnPropertyDescriptor(target, key)?.value ?? null;
}

/** A deep copy with own "__proto__" keys kept (JSON round trip). */
export function clone(value: Json): Json {
  return JSON.parse(JSON.stringify(value)) as Json;
}
