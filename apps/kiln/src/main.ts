import 'reflect-metadata';
import { ConfigError, isRunMode, loadConfig, RUN_MODES } from '@kiln/config';
import { CLI_USAGE, runCli } from './cli/cli';
import { isCliCommand } from './cli/cli-arguments';
import { processIo } from './cli/cli-io';
import type { RunningKiln } from './run-modes';
import { SHUTDOWN_MARGIN_MS, shutdownDeadlineMs } from './shutdown-deadline';

const USAGE = `usage: kiln <${RUN_MODES.join('|')}>   or   kiln <run|languages|job|mcp> …

  standalone    coordinator and worker in one process (starts a private Redis if none answers)
  coordinator   the HTTP API and job listener
  worker        runs tasks in sandbox containers (no HTTP)

Client commands (talk to a running Kiln over HTTP):
${CLI_USAGE}

Configuration: config/kiln.yaml, overridden by KILN_* environment variables (see README).`;

const HELP_WORDS = ['help', '--help', '-h'];

async function main(argv: string[]): Promise<void> {
  const mode = argv[0];
  if (isCliCommand(mode)) return runClient(argv);
  if (HELP_WORDS.includes(mode)) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  if (!mode || !isRunMode(mode)) {
    // Said first: the usage that follows is long, and a typo should not hide in it.
    const unknown = mode ? `kiln: unknown command "${mode}"\n\n` : '';
    process.stderr.write(`${unknown}${USAGE}\n`);
    process.exit(2);
  }
  const loaded = loadConfig();
  // Loaded here, not at the top: the server modules (Nest, dockerode, BullMQ, OpenTelemetry)
  // take a good half second to load, which the client commands above never need. Tracing
  // starts before the apps (and their HTTP servers and clients) load.
  const { startTracing, stopTracing } = await import('@kiln/telemetry');
  startTracing(loaded.config.telemetry.tracing, `kiln-${mode}`);
  const { startKiln } = await import('./run-modes');
  const stop = new AbortController();
  const stopped = new Promise<string>((resolve) => {
    const onSignal = (signal: string) => {
      if (stop.signal.aborted) return;
      process.stderr.write(`kiln: ${signal} received, shutting down\n`);
      stop.abort();
      exitAfter(shutdownDeadlineMs(mode, loaded.config));
      resolve(signal);
    };
    process.on('SIGTERM', () => onSignal('SIGTERM'));
    process.on('SIGINT', () => onSignal('SIGINT'));
  });
  let kiln: RunningKiln;
  try {
    kiln = await startKiln(mode, loaded, stop.signal);
  } catch (error) {
    if (!stop.signal.aborted) throw error;
    process.stderr.write(`kiln: stopped before it had started (${(error as Error).message})\n`);
    process.exit(0);
  }
  await stopped;
  try {
    await kiln.close();
    await stopTracing();
    process.exit(0);
  } catch (error) {
    process.stderr.write(`kiln: shutdown failed: ${(error as Error).message}\n`);
    process.exit(1);
  }
}

/**
 * A stopping process ends within its deadline whatever hangs (a Redis that
 * is gone can hold a close forever): past it, it says so and exits.
 */
function exitAfter(deadlineMs: number): void {
  setTimeout(() => {
    process.stderr.write(`kiln: shutdown did not finish within ${deadlineMs} ms (its grace periods plus ${SHUTDOWN_MARGIN_MS} ms); exiting now\n`);
    process.exit(1);
  }, deadlineMs);
}

/** A client command: runs, then exits with its code once what it printed is flushed. */
async function runClient(argv: string[]): Promise<void> {
  const code = await runCli(argv, processIo());
  await new Promise((resolve) => process.stdout.write('', resolve));
  process.exit(code);
}

main(process.argv.slice(2)).catch((error: Error) => {
  const prefix = error instanceof ConfigError ? 'kiln: configuration error' : 'kiln: cannot start';
  process.stderr.write(`${prefix}: ${error.message}\n`);
  process.exit(error instanceof ConfigError ? 78 : 1);
});
