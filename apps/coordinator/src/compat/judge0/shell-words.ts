// Judge0 writes command_line_arguments and compiler_options into a bash
// script after deleting $ & ; < > | and backquotes, so bash splits them into
// words (quotes and backslashes apply) and nothing else. Kiln never runs a
// shell: the same words are computed here and passed as argv.
const DELETED = /[$&;<>|`]/g;

/** The words bash would make of a Judge0 argument string (after Judge0's own filtering). */
export function shellWords(text: string | null): string[] {
  if (!text) return [];
  const words: string[] = [];
  let word: string | null = null;
  let quote: '"' | "'" | null = null;
  const source = text.trim().replace(DELETED, '');
  for (let i = 0; i < source.length; i++) {
    const char = source[i];
    if (quote === "'") {
      if (char === "'") quote = null;
      else word += char;
    } else if (quote === '"') {
      if (char === '"') quote = null;
      else if (char === '\\' && '"\\\n'.includes(source[i + 1] ?? '')) word += source[++i];
      else word += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      word ??= '';
    } else if (char === '\\') {
      word = (word ?? '') + (source[++i] ?? '');
    } else if (/\s/.test(char)) {
      if (word !== null) words.push(word);
      word = null;
    } else {
      word = (word ?? '') + char;
    }
  }
  if (word !== null) words.push(word);
  return words;
}
