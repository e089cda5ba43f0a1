import 'reflect-metadata';
import { ConfigError, isRunMode, loadConfig, RUN_MODES } from '@kiln/config';
import { startTracing, stopTracing } from '@kiln/telemetry';

const USAGE = `usage: kiln <${RUN_MODES.join('|')}>

  standalone    coordinator and worker in one process (starts a private Redis if none answers)
  coordinator   the HTTP API and job listener
  worker        runs tasks in sandbox containers (no HTTP)

Configuration: config/kiln.yaml, overridden by KILN_* environment variables (see README).`;

async function main(argv: string[]): Promise<void> {
  const mode = argv[0];
  if (!mode || !isRunMode(mode)) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(mode === '--help' || mode === '-h' ? 0 : 2);
  }
  const loaded = loadConfig();
  // Tracing starts before the apps (and their HTTP servers and clients) load.
  startTracing(loaded.config.telemetry.tracing, `kiln-${mode}`);
  const { startKiln } = await import('./run-modes');
  const kiln = await startKiln(mode, loaded);
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    process.stderr.write(`kiln: ${signal} received, shutting down\n`);
    kiln
      .close()
      .then(() => stopTracing())
      .then(
        () => process.exit(0),
        (error) => {
          process.stderr.write(`kiln: shutdown failed: ${(error as Error).message}\n`);
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main(process.argv.slice(2)).catch((error: Error) => {
  const prefix = error instanceof ConfigError ? 'kiln: configuration error' : 'kiln: cannot start';
  process.stderr.write(`${prefix}: ${error.message}\n`);
  process.exit(error instanceof ConfigError ? 78 : 1);
});
