import type { JobView, StageResult } from '@kiln/client';
import { element } from './dom';

export interface OutputChunk {
  task: string;
  stream: 'stdout' | 'stderr';
  text: string;
  test?: number;
}

/**
 * The live output pane: chunks as they stream in, stdout and stderr in
 * different styles, a heading whenever the source changes (compiler, test n).
 */
export class OutputView {
  private source: string | null = null;
  private last: HTMLSpanElement | null = null;
  private streamed = false;

  constructor(private readonly pane: HTMLPreElement) {}

  clear(): void {
    this.pane.replaceChildren();
    this.source = null;
    this.last = null;
    this.streamed = false;
  }

  append(chunk: OutputChunk): void {
    this.streamed = true;
    this.heading(sourceOf(chunk));
    if (this.last?.dataset.stream === chunk.stream) {
      this.last.textContent += chunk.text;
      return;
    }
    const span = element('span', chunk.text, chunk.stream);
    span.dataset.stream = chunk.stream;
    this.pane.append(span);
    this.last = span;
  }

  /**
   * The task's worker was lost and the task runs again from the start: what
   * it printed so far stays, under a line saying the output below is the new
   * attempt's (a terminal cannot take back what it printed either).
   */
  restart(task: string, attempt?: number): void {
    const what = task === 'compile' ? 'the compiler' : 'the program';
    const which = attempt ? ` (attempt ${attempt})` : '';
    this.pane.append(element('span', `${this.pane.childNodes.length ? '\n' : ''}── its worker was lost: ${what} runs again from the start${which} ──\n`, 'source'));
    this.source = null;
    this.last = null;
  }

  /** What the user typed into a running program, shown where it was typed (a terminal's echo). */
  echo(text: string): void {
    const span = element('span', text, 'stdin');
    span.dataset.stream = 'stdin';
    this.pane.append(span);
    this.last = span;
  }

  /** When nothing streamed (a very fast job, a stream that broke), shows the output from the final answer. */
  fillFrom(job: JobView): void {
    if (this.streamed) return;
    const stages: [string, StageResult | null][] = [
      ['compile', job.compile],
      ['run', job.run],
    ];
    for (const [task, stage] of stages) this.appendStage(task, stage);
    for (const test of job.tests) if ('stdout' in test) this.appendStage('run', test, test.index);
  }

  private appendStage(task: string, stage: StageResult | null, test?: number): void {
    if (!stage || stage.encoding === 'base64') return;
    if (stage.stdout) this.append({ task, stream: 'stdout', text: stage.stdout, test });
    if (stage.stderr) this.append({ task, stream: 'stderr', text: stage.stderr, test });
  }

  private heading(source: string): void {
    if (source === this.source) return;
    const first = this.source === null;
    this.source = source;
    this.last = null;
    if (first && source === '') return;
    this.pane.append(element('span', `${first ? '' : '\n'}── ${source || 'run'} ──\n`, 'source'));
  }
}

function sourceOf(chunk: OutputChunk): string {
  if (chunk.task === 'compile') return 'compiler';
  return chunk.test !== undefined ? `test ${chunk.test + 1}` : '';
}
