import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './kiln-harness';

/** The worked example of the README: awk, on the existing kiln/base image, added by configuration alone. */
export const AWK_ENTRY = `
  - id: awk
    name: AWK (mawk)
    version: "1.3.4"
    aliases: [mawk]
    image: kiln/base:latest
    file: main.awk
    run: [awk, -f, "{file}", "{args}"]
    versionCommand: [mawk, -W, version]
`;

/**
 * A temporary copy of the shipped language table (`shipped`; or the table
 * in use, KILN_LANGUAGES, where a test run points a language at an image
 * being tried out) with awk appended (for KILN_LANGUAGES), and its removal.
 */
export function languagesWithAwk(): { file: string; dir: string; shipped: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-languages-'));
  const file = join(dir, 'languages.yaml');
  const shipped = readFileSync(process.env.KILN_LANGUAGES ?? join(REPO_ROOT, 'config', 'languages.yaml'), 'utf8');
  writeFileSync(file, shipped + AWK_ENTRY);
  return { file, dir, shipped, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
