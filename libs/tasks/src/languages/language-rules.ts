import { LanguageDefinition } from './language';

// What a found name may be: a plain file name, never a path or an option.
const PLAIN_NAME = /^[A-Za-z0-9_][A-Za-z0-9_]{0,63}$/;

/**
 * Name of the main file for the request's `code`: the language's `file`,
 * unless `fileFromCode` finds a name in the code (Java wants `public class
 * Solution` in Solution.java).
 */
export function mainFileName(language: LanguageDefinition, code: string): string {
  if (!language.fileFromCode) return language.file;
  const found = new RegExp(language.fileFromCode).exec(code)?.[1];
  return found && PLAIN_NAME.test(found) ? found + extensionOf(language.file) : language.file;
}

/** Whether a run that ended with this exit code and output is the runtime giving up for lack of memory. */
export function isOutOfMemoryExit(language: LanguageDefinition, exitCode: number | null, output: Buffer[]): boolean {
  const signature = language.outOfMemory;
  if (!signature || exitCode === null) return false;
  if (signature.exitCode !== undefined && signature.exitCode !== exitCode) return false;
  const text = signature.output;
  return text === undefined || output.some((stream) => stream.includes(text));
}

export function extensionOf(file: string): string {
  const dot = file.lastIndexOf('.');
  return dot > 0 ? file.slice(dot) : '';
}
