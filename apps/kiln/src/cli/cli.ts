import { KilnApiError, KilnClient, KilnUnreachableError } from '@kiln/client';
import { asksForHelp, parseCliArguments, UsageError } from './cli-arguments';
import type { CliIo } from './cli-io';
import { CLI_EXIT } from './exit-codes';
import { listLanguages, showJob } from './info-commands';
import { serveMcp } from './mcp-command';
import { InputError, runFile } from './run-command';

export const CLI_USAGE = `  run <file>    run a file on a Kiln server, output streamed live; exits with the program's code
                [--lang L] [--stdin FILE|- (else an empty stdin)] [--timeout MS] [--json] [--args ARG...]
  languages     the server's languages [--json]
  job <id>      a job, as JSON
  mcp           an MCP server on stdin/stdout for an assistant, whose tools call this Kiln server
  (client options: --url URL, default $KILN_URL or http://127.0.0.1:8080; --key KEY, default $KILN_KEY)`;

/**
 * The client commands of `kiln`: run, languages, job, mcp. Answers the exit code.
 * Every failure is one line on stderr, `kiln: …`, and a CLI_EXIT code.
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  if (asksForHelp(argv)) {
    io.stdout.write(`usage: kiln ${argv[0]} …\n${CLI_USAGE}\n`);
    return 0;
  }
  try {
    const options = parseCliArguments(argv, io.env);
    const client = new KilnClient({ baseUrl: options.url, key: options.key });
    if (options.command === 'run') return await runFile(options, client, io);
    if (options.command === 'languages') return await listLanguages(client, io, options.json);
    if (options.command === 'mcp') return await serveMcp(client, io);
    return await showJob(client, io, options.id);
  } catch (error) {
    io.stderr.write(`kiln: ${oneLine((error as Error).message ?? String(error))}\n`);
    return exitCodeFor(error);
  }
}

function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError) return CLI_EXIT.usage;
  if (error instanceof InputError) return CLI_EXIT.noInput;
  if (error instanceof KilnApiError) return error.status < 500 ? CLI_EXIT.refused : CLI_EXIT.unavailable;
  if (error instanceof KilnUnreachableError) return CLI_EXIT.unavailable;
  return CLI_EXIT.unavailable;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
