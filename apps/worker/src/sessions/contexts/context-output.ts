import { OutputListener } from '../../agent/agent-session';

/** What a context driver reports after a run (python-context.driver.ts), as far as it says it. */
export interface ContextReport {
  result: string | null;
  error: { name: string; value: string } | null;
  wallMs?: number;
  cpuMs?: number;
  memoryBytes?: number;
  /** The driver stopped passing output on at its limit: the run was cut. */
  outputLimited: boolean;
}

/** The marker before a context run's trailer: NUL, `kiln-context:<nonce>`, NUL. */
export function contextMarker(nonce: string): Buffer {
  return Buffer.from(`\0kiln-context:${nonce}\0`);
}

/**
 * Splits a context run's stdout into the program's output, passed on as it
 * comes, and the driver's trailer after the marker. The few bytes at the
 * end of a chunk that could begin the marker wait for the next chunk; stderr
 * passes straight on. The trailer is the context's word, so it is read
 * defensively: anything malformed is no report at all.
 */
export class ContextOutput {
  private readonly marker: Buffer;
  private held = Buffer.alloc(0);
  private trailer: Buffer[] | null = null;

  constructor(
    nonce: string,
    private readonly onOutput: OutputListener,
  ) {
    this.marker = contextMarker(nonce);
  }

  readonly listener: OutputListener = (stream, chunk) => {
    if (stream === 'stderr') return this.onOutput('stderr', chunk);
    if (this.trailer) {
      this.trailer.push(chunk);
      return;
    }
    const data = this.held.length ? Buffer.concat([this.held, chunk]) : chunk;
    const at = data.indexOf(this.marker);
    if (at >= 0) {
      this.pass(data.subarray(0, at));
      this.trailer = [data.subarray(at + this.marker.length)];
      this.held = Buffer.alloc(0);
      return;
    }
    const keep = this.markerStartAtEnd(data);
    this.pass(data.subarray(0, data.length - keep));
    this.held = Buffer.from(data.subarray(data.length - keep));
  };

  /** After the run: the driver's report, or null when there was none (the run was stopped, or the context died). */
  finish(): ContextReport | null {
    if (!this.trailer) {
      this.pass(this.held);
      this.held = Buffer.alloc(0);
      return null;
    }
    return parseReport(Buffer.concat(this.trailer).toString('utf8'));
  }

  private pass(data: Buffer): void {
    if (data.length) this.onOutput('stdout', data);
  }

  /** How many bytes at the end of `data` are the first bytes of the marker. */
  private markerStartAtEnd(data: Buffer): number {
    for (let length = Math.min(this.marker.length - 1, data.length); length > 0; length--) {
      if (data.subarray(data.length - length).equals(this.marker.subarray(0, length))) return length;
    }
    return 0;
  }
}

function parseReport(text: string): ContextReport | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const report = raw as Record<string, unknown>;
  const count = (value: unknown) => (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined);
  const error = report.error as Record<string, unknown> | null | undefined;
  return {
    result: typeof report.result === 'string' ? report.result : null,
    error: error && typeof error === 'object' ? { name: String(error.name ?? 'Error'), value: String(error.value ?? '') } : null,
    wallMs: count(report.wallMs),
    cpuMs: count(report.cpuMs),
    memoryBytes: count(report.memoryBytes),
    outputLimited: report.outputLimited === true,
  };
}
