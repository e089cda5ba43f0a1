import { OutputEncoding, StageOutput, StageResult, StageSummary, TaskOutputs, TaskResult, TaskSummary } from './stage-result';

/**
 * A worker's report split into what the job record keeps (the summaries,
 * read on every event) and the output, stored apart and read only to answer.
 */
export function splitTaskResult(result: TaskResult): { summary: TaskSummary; outputs: TaskOutputs | null } {
  const summary: TaskSummary = {};
  const outputs: TaskOutputs = {};
  if (result.compile) [summary.compile, outputs.compile] = splitStage(result.compile);
  if (result.run) [summary.run, outputs.run] = splitStage(result.run);
  if (result.tests) {
    summary.tests = [];
    outputs.tests = [];
    for (const { index, ...test } of result.tests) {
      const [stage, output] = splitStage(test);
      summary.tests.push({ index, ...stage });
      outputs.tests.push({ index, ...output });
    }
  }
  const hasOutput = outputs.compile || outputs.run || outputs.tests;
  return { summary, outputs: hasOutput ? outputs : null };
}

function splitStage({ stdout, stderr, interleaving, files, checkerMessage, ...summary }: StageSummary & StageOutput): [StageSummary, StageOutput] {
  const message = checkerMessage !== undefined ? { checkerMessage } : {};
  return [summary, { stdout, stderr, ...(interleaving ? { interleaving } : {}), ...(files ? { files } : {}), ...message }];
}

/**
 * The public stage result from its summary and stored output; `output` (with
 * combinedOutput) is rebuilt from the interleaving. A summary without stored
 * output (a record written before outputs were stored apart) keeps its own.
 */
export function renderStage(summary: StageSummary & Partial<StageResult>, output: StageOutput | undefined): StageResult {
  const { budgetUsed: _used, stdout, stderr, output: combined, files: ownFiles, ...rest } = summary;
  const encoding: OutputEncoding = rest.encoding ?? 'utf8';
  const text = output ?? { stdout: stdout ?? '', stderr: stderr ?? '' };
  const interleaved = output?.interleaving ? interleavedOutput(output, encoding) : combined;
  const files = output?.files ?? ownFiles;
  return {
    stdout: text.stdout,
    stderr: text.stderr,
    ...(interleaved !== undefined ? { output: interleaved } : {}),
    ...rest,
    ...(files ? { files } : {}),
    ...(output?.checkerMessage !== undefined ? { checkerMessage: output.checkerMessage } : {}),
  };
}

/** The answer's `output`: stdout and stderr interleaved again, from the stored pieces. */
export function interleavedOutput(output: StageOutput, encoding: OutputEncoding): string {
  const pieces = output.interleaving ?? [];
  if (encoding === 'base64') {
    return Buffer.concat(interleave(pieces, Buffer.from(output.stdout, 'base64'), Buffer.from(output.stderr, 'base64'))).toString('base64');
  }
  return interleave(pieces, output.stdout, output.stderr).join('');
}

function interleave<T extends string | Buffer>(pieces: number[], stdout: T, stderr: T): T[] {
  const parts: T[] = [];
  let out = 0;
  let err = 0;
  for (const piece of pieces) {
    if (piece > 0) parts.push(stdout.slice(out, (out += piece)) as T);
    else parts.push(stderr.slice(err, (err -= piece)) as T);
  }
  // Whatever the pieces leave out is still answered, never lost.
  parts.push(stdout.slice(out) as T, stderr.slice(err) as T);
  return parts;
}
