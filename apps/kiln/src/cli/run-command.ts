import { readFile } from 'node:fs/promises';
import { KilnClient, type JobRequest, type JobView } from '@kiln/client';
import { UsageError, type CliCommand } from './cli-arguments';
import type { CliIo } from './cli-io';
import { exitCodeOf } from './exit-codes';
import { guessLanguage } from './language-guess';

type RunOptions = Extract<CliCommand, { command: 'run' }>;

/** A file that cannot be read: the CLI says so and exits 66. */
export class InputError extends Error {}

/**
 * `kiln run <file>`: submits the file as a job, streams its output live
 * (the program's stdout to stdout, its stderr and the compiler's output to
 * stderr) and exits with the program's exit code. Ctrl-C cancels the job.
 * A task run again after its worker was lost is said on stderr before its
 * output starts again. With --json nothing streams: the finished job is
 * printed instead.
 */
export async function runFile(options: RunOptions, client: KilnClient, io: CliIo): Promise<number> {
  const request = await jobRequestFor(options, client, io);
  const { id } = await client.submit(request);
  const stopListening = io.onInterrupt(() => void client.cancel(id).catch(() => undefined));
  let followed: Followed;
  try {
    followed = await follow(client, id, options.json ? null : io);
  } finally {
    stopListening();
  }
  const { job, streamed } = followed;
  if (options.json) {
    io.stdout.write(`${JSON.stringify(job, null, 2)}\n`);
    return exitCodeOf(job);
  }
  // The compiler's messages come with the result, not as a stream: shown once it is known.
  if (job.compile && job.verdict === 'COMPILE_ERROR' && !streamed.has('compile')) io.stderr.write(job.compile.stdout + job.compile.stderr);
  if (job.verdict !== 'OK') io.stderr.write(`kiln: ${summaryOf(job)}\n`);
  return exitCodeOf(job);
}

async function jobRequestFor(options: RunOptions, client: KilnClient, io: CliIo): Promise<JobRequest> {
  const code = await readInput(options.file, () => readFile(options.file, 'utf8'));
  const language = options.lang ?? (await languageOf(options.file, client));
  const stdin = options.stdin === null ? undefined : await readInput(options.stdin, () => (options.stdin === '-' ? readAll(io.stdin) : readFile(options.stdin!, 'utf8')));
  return {
    language,
    code,
    ...(stdin !== undefined ? { stdin } : {}),
    ...(options.args.length ? { args: options.args } : {}),
    ...(options.timeoutMs !== null ? { limits: { timeoutMs: options.timeoutMs } } : {}),
  };
}

async function languageOf(file: string, client: KilnClient): Promise<string> {
  const languages = await client.languages();
  const guessed = guessLanguage(file, languages);
  if (!guessed) throw new UsageError(`cannot tell the language of ${file} from its extension; pass --lang (this server has: ${languages.map((l) => l.id).join(', ')})`);
  return guessed;
}

interface Followed {
  job: JobView;
  /** Tasks whose output was streamed (and so already written). */
  streamed: Set<string>;
}

/** Reads the job's events to the end; writes output as it comes when `io` is given. */
async function follow(client: KilnClient, id: string, io: CliIo | null): Promise<Followed> {
  const streamed = new Set<string>();
  for await (const event of client.events(id)) {
    if (event.type === 'end') return { job: event.job, streamed };
    if (!io) continue;
    // What was printed before is a lost attempt's: said, so the output that follows is not read as its continuation.
    if (event.type === 'retry') io.stderr.write(`kiln: the worker running this was lost; the run starts again (attempt ${event.attempt})\n`);
    if (event.type !== 'output') continue;
    streamed.add(event.task);
    (event.stream === 'stdout' && event.task !== 'compile' ? io.stdout : io.stderr).write(event.text);
  }
  // The stream closed without its end event (a proxy cut it): ask once.
  return { job: await client.job(id), streamed };
}

function summaryOf(job: JobView): string {
  if (job.state !== 'COMPLETED') return `job ${job.id} ${job.state}${job.error ? `: ${job.error}` : ''}`;
  const stage = job.run ?? job.compile;
  const how = stage?.signal ? `signal ${stage.signal}` : stage?.exitCode !== null && stage?.exitCode !== undefined ? `exit code ${stage.exitCode}` : '';
  return `${job.verdict}${how ? ` (${how})` : ''}, job ${job.id}`;
}

async function readInput(name: string, read: () => Promise<string>): Promise<string> {
  try {
    return await read();
  } catch (error) {
    throw new InputError(`cannot read ${name}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

