import { extname } from 'node:path';
import type { LanguageSummary } from '@kiln/client';

/** File extensions of the default language table's languages (ids as in config/languages.yaml). */
const BY_EXTENSION: Record<string, string> = {
  '.py': 'python',
  '.js': 'javascript',
  '.mjs': 'javascript',
  '.cjs': 'javascript',
  '.ts': 'typescript',
  '.sh': 'bash',
  '.bash': 'bash',
  '.c': 'c',
  '.cpp': 'cpp',
  '.cc': 'cpp',
  '.cxx': 'cpp',
  '.go': 'go',
  '.java': 'java',
  '.rs': 'rust',
  '.cs': 'csharp',
  '.rb': 'ruby',
  '.php': 'php',
  '.pl': 'perl',
  '.lua': 'lua',
};

/**
 * The language of a file, by its extension: the table above when the server
 * has that language, else a server language whose id or alias is the
 * extension itself (`.awk` → an operator's `awk`). Null when neither fits.
 */
export function guessLanguage(file: string, languages: LanguageSummary[]): string | null {
  const extension = extname(file).toLowerCase();
  if (!extension) return null;
  const known = BY_EXTENSION[extension];
  if (known && languages.some((l) => l.id === known)) return known;
  const bare = extension.slice(1);
  return languages.find((l) => l.id.toLowerCase() === bare || l.aliases.some((a) => a.toLowerCase() === bare))?.id ?? null;
}
