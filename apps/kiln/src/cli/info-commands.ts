import type { KilnClient } from '@kiln/client';
import type { CliIo } from './cli-io';

/** `kiln languages`: the server's languages, as a table (or JSON with --json). */
export async function listLanguages(client: KilnClient, io: CliIo, json: boolean): Promise<number> {
  const languages = await client.languages();
  if (json) {
    io.stdout.write(`${JSON.stringify(languages, null, 2)}\n`);
    return 0;
  }
  const rows = [['ID', 'NAME', 'VERSION', 'ALIASES'], ...languages.map((l) => [l.id, l.name, l.version, l.aliases.join(', ')])];
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  for (const row of rows) io.stdout.write(`${row.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd()}\n`);
  return 0;
}

/** `kiln job <id>`: the job as the API answers it (JSON). */
export async function showJob(client: KilnClient, io: CliIo, id: string): Promise<number> {
  io.stdout.write(`${JSON.stringify(await client.job(id), null, 2)}\n`);
  return 0;
}
