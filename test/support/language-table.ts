import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './kiln-harness';

/** A language table made for a test (for KILN_LANGUAGES), and its removal. */
export interface TestLanguageTable {
  file: string;
  dir: string;
  /** The table it was copied from. */
  shipped: string;
  remove(): void;
}

/**
 * A temporary copy of the shipped language table (or the table in use,
 * KILN_LANGUAGES, where a test run points a language at an image being
 * tried out) with `entries` (YAML list items) appended.
 */
export function languagesWith(entries: string): TestLanguageTable {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-languages-'));
  const file = join(dir, 'languages.yaml');
  const shipped = readFileSync(process.env.KILN_LANGUAGES ?? join(REPO_ROOT, 'config', 'languages.yaml'), 'utf8');
  writeFileSync(file, shipped + entries);
  return { file, dir, shipped, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A language whose run step takes no arguments: it can be neither a checker nor an interactor with input "file". */
export const ARGLESS_ENTRY = `
  - id: argless
    name: Argless
    version: "1"
    image: kiln/base:latest
    file: main.sh
    run: [sh, "{file}"]
`;
