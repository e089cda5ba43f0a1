import type { Extension } from '@codemirror/state';
import { StreamLanguage, type StreamParser } from '@codemirror/language';

type Loader = () => Promise<Extension>;

const legacy = (parser: Promise<StreamParser<unknown>>): Promise<Extension> => parser.then((p) => StreamLanguage.define(p));

/**
 * Syntax highlighting per language id of the default table, each loaded when
 * first picked (its own bundle chunk, from this server). Languages without a
 * CodeMirror 6 package use CodeMirror's ported legacy modes.
 */
const LOADERS: Record<string, Loader> = {
  python: async () => (await import('@codemirror/lang-python')).python(),
  javascript: async () => (await import('@codemirror/lang-javascript')).javascript(),
  typescript: async () => (await import('@codemirror/lang-javascript')).javascript({ typescript: true }),
  c: async () => (await import('@codemirror/lang-cpp')).cpp(),
  cpp: async () => (await import('@codemirror/lang-cpp')).cpp(),
  go: async () => (await import('@codemirror/lang-go')).go(),
  java: async () => (await import('@codemirror/lang-java')).java(),
  rust: async () => (await import('@codemirror/lang-rust')).rust(),
  php: async () => (await import('@codemirror/lang-php')).php(),
  bash: () => legacy(import('@codemirror/legacy-modes/mode/shell').then((m) => m.shell)),
  ruby: () => legacy(import('@codemirror/legacy-modes/mode/ruby').then((m) => m.ruby)),
  perl: () => legacy(import('@codemirror/legacy-modes/mode/perl').then((m) => m.perl)),
  lua: () => legacy(import('@codemirror/legacy-modes/mode/lua').then((m) => m.lua)),
  csharp: () => legacy(import('@codemirror/legacy-modes/mode/clike').then((m) => m.csharp)),
};

/** Highlighting for a language by id or alias; none (plain text) for a language this page does not know. */
export async function languageSupport(language: { id: string; aliases: string[] }): Promise<Extension> {
  for (const name of [language.id, ...language.aliases]) {
    const load = LOADERS[name.toLowerCase()];
    if (load) return load();
  }
  return [];
}
