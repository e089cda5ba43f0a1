/** A command line the CLI cannot use; the message says why. */
export class UsageError extends Error {}

export interface CommonOptions {
  url: string;
  key: string | null;
  json: boolean;
}

export type CliCommand =
  | ({ command: 'run'; file: string; lang: string | null; stdin: string | null; args: string[]; timeoutMs: number | null } & CommonOptions)
  | ({ command: 'languages' } & CommonOptions)
  | ({ command: 'job'; id: string } & CommonOptions)
  | ({ command: 'mcp' } & CommonOptions);

export const CLI_COMMANDS = ['run', 'languages', 'job', 'mcp'] as const;

export const isCliCommand = (word: string | undefined): boolean => (CLI_COMMANDS as readonly string[]).includes(word ?? '');

export const DEFAULT_URL = 'http://127.0.0.1:8080';

/** `--help` or `-h` among a command's options (after `--args` or `--` they are the program's). */
export function asksForHelp(argv: string[]): boolean {
  const end = argv.findIndex((word) => word === '--args' || word === '--');
  return (end < 0 ? argv : argv.slice(0, end)).some((word) => word === '--help' || word === '-h');
}

const VALUE_OPTIONS = { run: ['lang', 'stdin', 'timeout', 'url', 'key'], languages: ['url', 'key'], job: ['url', 'key'], mcp: ['url', 'key'] } as const;

/**
 * Parses `kiln run|languages|job|mcp …`. Options take `--name value` or
 * `--name=value`; `--args` (or `--`) ends the options: everything after it is
 * the program's arguments, verbatim. KILN_URL and KILN_KEY are the defaults
 * of --url and --key.
 */
export function parseCliArguments(argv: string[], env: NodeJS.ProcessEnv): CliCommand {
  const [command, ...rest] = argv;
  if (!isCliCommand(command)) throw new UsageError(`unknown command "${command}"`);
  const name = command as CliCommand['command'];
  const { positional, values, json, args } = scan(rest, VALUE_OPTIONS[name], name === 'run');
  const common: CommonOptions = { url: values.url ?? env.KILN_URL ?? DEFAULT_URL, key: values.key ?? env.KILN_KEY ?? null, json };
  checkUrl(common.url);
  if (name === 'languages' || name === 'mcp') {
    expectPositionals(positional, [], name);
    return { command: name, ...common };
  }
  if (name === 'job') {
    expectPositionals(positional, ['<id>'], name);
    return { command: name, id: positional[0], ...common };
  }
  expectPositionals(positional, ['<file>'], name);
  return { command: name, file: positional[0], lang: values.lang ?? null, stdin: values.stdin ?? null, args, timeoutMs: timeoutOf(values.timeout), ...common };
}

function scan(words: string[], valueOptions: readonly string[], takesArgs: boolean) {
  const positional: string[] = [];
  const values: Record<string, string> = {};
  let json = false;
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    if (takesArgs && (word === '--args' || word === '--')) return { positional, values, json, args: words.slice(i + 1) };
    if (!word.startsWith('--') || word === '-') {
      positional.push(word);
      continue;
    }
    const [option, inline] = splitOption(word);
    if (option === 'json' && inline === undefined) {
      json = true;
      continue;
    }
    if (!valueOptions.includes(option)) throw new UsageError(`unknown option --${option}`);
    const value = inline ?? words[++i];
    if (value === undefined) throw new UsageError(`--${option} needs a value`);
    values[option] = value;
  }
  return { positional, values, json, args: [] as string[] };
}

function splitOption(word: string): [string, string | undefined] {
  const equals = word.indexOf('=');
  return equals < 0 ? [word.slice(2), undefined] : [word.slice(2, equals), word.slice(equals + 1)];
}

function expectPositionals(found: string[], wanted: string[], command: string): void {
  if (found.length < wanted.length) throw new UsageError(`kiln ${command} needs ${wanted.join(' ')}`);
  if (found.length > wanted.length) throw new UsageError(`unexpected argument "${found[wanted.length]}" (program arguments go after --args)`);
}

function timeoutOf(text: string | undefined): number | null {
  if (text === undefined) return null;
  if (!/^[1-9][0-9]*$/.test(text)) throw new UsageError(`--timeout must be a whole number of milliseconds, got "${text}"`);
  return Number(text);
}

function checkUrl(url: string): void {
  if (!/^https?:\/\/[^\s/]+/.test(url)) throw new UsageError(`--url must be an http(s) address such as ${DEFAULT_URL}, got "${url}"`);
}
