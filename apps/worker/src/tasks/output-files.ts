import { matchesAnyOutputPattern, OutputFile, outputFileCost } from '@kiln/tasks';
import { CollectedFile, strictUtf8Text } from '../agent/agent-frames';

/** What a run returns of the files its program left: those that fit, and whether any that matched did not. */
export interface ReturnedFiles {
  files: OutputFile[];
  truncated: boolean;
  /** Bytes of the run's share of the output budget they take (output-files.ts's measure). */
  budgetUsed: number;
}

export interface FileSelection {
  patterns: readonly string[];
  /** At most this many files (jobs.outputFiles.maxFiles). */
  maxFiles: number;
  /** What is left of the run's share of the output budget once its stdout and stderr are kept. */
  room: number;
}

/**
 * The collected files a run returns: those whose names match a pattern, in
 * the order of their names (so the same workspace always gives the same
 * answer), each whole as long as it fits the room left and the count; one
 * that does not fit stays behind and a smaller one after it may still come.
 * A name that is not UTF-8 matches nothing (patterns are text). The agent
 * sent regular files only: symlinks, fifos and devices never get here.
 */
export function returnedFiles(collected: CollectedFile[], selection: FileSelection): ReturnedFiles {
  const matching = collected
    .map((file) => ({ name: strictUtf8Text(file.name), content: file.content }))
    .filter((file): file is { name: string; content: Buffer } => file.name !== null && matchesAnyOutputPattern(file.name, selection.patterns))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const files: OutputFile[] = [];
  let used = 0;
  for (const file of matching) {
    const cost = outputFileCost(file.name, file.content.length);
    if (files.length >= selection.maxFiles || used + cost > selection.room) continue;
    files.push({ name: file.name, size: file.content.length, encoding: 'base64', content: file.content.toString('base64') });
    used += cost;
  }
  return { files, truncated: files.length < matching.length, budgetUsed: used };
}
