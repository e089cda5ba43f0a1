import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** One import of a source file: what it names, and (for a relative one) the file it reaches, relative to the root. */
export interface SourceImport {
  from: string;
  specifier: string;
  /** For a relative specifier: the path it reaches, relative to the root (no extension); else null. */
  target: string | null;
}

/** The .ts files under `dir` (relative to `root`), spec files left out. */
export function sourceFiles(root: string, dir: string): string[] {
  const walk = (at: string): string[] =>
    readdirSync(join(root, at), { withFileTypes: true }).flatMap((entry) => {
      const path = join(at, entry.name);
      if (entry.isDirectory()) return walk(path);
      return entry.name.endsWith('.ts') && !/\.(spec|e2e-spec|fuzz\.spec)\.ts$/.test(entry.name) ? [path] : [];
    });
  return walk(dir);
}

/** Every import, export-from, dynamic import and require of the files, as TypeScript's own pre-processor reads them. */
export function importsOf(root: string, files: string[]): SourceImport[] {
  return files.flatMap((from) => {
    const { importedFiles } = ts.preProcessFile(readFileSync(join(root, from), 'utf8'), true, true);
    return importedFiles.map(({ fileName: specifier }) => ({
      from,
      specifier,
      target: specifier.startsWith('.') ? relative(root, resolve(root, dirname(from), specifier)) : null,
    }));
  });
}
