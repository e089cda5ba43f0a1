import { ReportedStage } from './stage-result';
import { interleavedOutput, renderStage, splitTaskResult } from './stage-output';
import { Verdict } from './verdict';

const summary = { exitCode: 0, signal: null, verdict: Verdict.OK, wallTimeMs: 1, cpuTimeMs: 1, memoryBytes: 1, truncated: false };

describe('stage output, stored once', () => {
  it('rebuilds the interleaved output from stdout, stderr and the pieces', () => {
    expect(interleavedOutput({ stdout: 'abc', stderr: 'XY', interleaving: [1, -2, 2] }, 'utf8')).toBe('aXYbc');
    const base64 = { stdout: Buffer.from([1, 2, 3]).toString('base64'), stderr: Buffer.from([9]).toString('base64'), interleaving: [2, -1, 1] };
    expect(Buffer.from(interleavedOutput(base64, 'base64'), 'base64')).toEqual(Buffer.from([1, 2, 9, 3]));
  });

  it('never loses what the pieces leave out', () => {
    expect(interleavedOutput({ stdout: 'abc', stderr: 'X', interleaving: [1] }, 'utf8')).toBe('abcX');
  });

  it('splits a report into summaries and output, and renders them back as the answer', () => {
    const run: ReportedStage = { stdout: 'o', stderr: 'e', interleaving: [-1, 1], ...summary, budgetUsed: 28 };
    const { summary: kept, outputs } = splitTaskResult({ run, tests: [{ index: 4, stdout: 't', stderr: '', ...summary }] });
    expect(kept.run).toEqual({ ...summary, budgetUsed: 28 });
    expect(kept.tests).toEqual([{ index: 4, ...summary }]);
    expect(outputs).toEqual({ run: { stdout: 'o', stderr: 'e', interleaving: [-1, 1] }, tests: [{ index: 4, stdout: 't', stderr: '' }] });
    expect(renderStage(kept.run!, outputs!.run)).toEqual({ stdout: 'o', stderr: 'e', output: 'eo', ...summary });
    expect(splitTaskResult({}).outputs).toBeNull();
  });

  it('keeps a checker’s or interactor’s message with the output (a run’s as a test’s), its findings in the record', () => {
    const judged = { ...summary, verdict: Verdict.CHECKER_ERROR, checkerError: 'the interactor was killed by SIGSEGV' };
    const run: ReportedStage = { stdout: '? 1\n', stderr: '', checkerMessage: 'asked once', ...judged };
    const { summary: kept, outputs } = splitTaskResult({ run, tests: [{ index: 0, stdout: '', stderr: '', checkerMessage: 'ok', ...summary }] });
    expect(kept).toEqual({ run: judged, tests: [{ index: 0, ...summary }] });
    expect(outputs).toEqual({ run: { stdout: '? 1\n', stderr: '', checkerMessage: 'asked once' }, tests: [{ index: 0, stdout: '', stderr: '', checkerMessage: 'ok' }] });
    expect(renderStage(kept.run!, outputs!.run)).toEqual({ stdout: '? 1\n', stderr: '', ...judged, checkerMessage: 'asked once' });
  });

  it('keeps output files with the output, never in the record, and answers them on the stage', () => {
    const files = [{ name: 'plot.png', size: 3, encoding: 'base64' as const, content: 'AQID' }];
    const run: ReportedStage = { stdout: '', stderr: '', files, filesTruncated: true, ...summary };
    const { summary: kept, outputs } = splitTaskResult({ run });
    expect(kept.run).toEqual({ ...summary, filesTruncated: true });
    expect(outputs!.run).toEqual({ stdout: '', stderr: '', files });
    expect(renderStage(kept.run!, outputs!.run)).toEqual({ stdout: '', stderr: '', ...summary, filesTruncated: true, files });
  });

  it('renders a record written before outputs were stored apart as it was', () => {
    expect(renderStage({ stdout: 'old', stderr: '', output: 'old', ...summary }, undefined)).toEqual({ stdout: 'old', stderr: '', output: 'old', ...summary });
  });
});
