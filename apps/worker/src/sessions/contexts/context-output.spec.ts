import { ContextOutput, contextMarker } from './context-output';

/** Feeds `chunks` of stdout through a ContextOutput; what it passed on, and what it made of the trailer. */
function split(nonce: string, chunks: (string | Buffer)[]) {
  const passed: string[] = [];
  const output = new ContextOutput(nonce, (stream, chunk) => passed.push(`${stream}:${chunk.toString('latin1')}`));
  for (const chunk of chunks) output.listener('stdout', Buffer.from(chunk));
  return { passed, report: output.finish() };
}

describe('ContextOutput: a context run’s stdout split into the program’s output and the driver’s trailer', () => {
  const trailer = (json: string, nonce = 'n1') => Buffer.concat([contextMarker(nonce), Buffer.from(json)]);

  it('passes the output on and reads the trailer after the marker', () => {
    const { passed, report } = split('n1', ['hello\n', trailer('{"result": "42", "error": null, "wallMs": 3, "cpuMs": 1, "memoryBytes": 1024}')]);
    expect(passed).toEqual(['stdout:hello\n']);
    expect(report).toEqual({ result: '42', error: null, wallMs: 3, cpuMs: 1, memoryBytes: 1024, outputLimited: false });
  });

  it('finds a marker split over chunks, holding back only what may begin it', () => {
    const whole = Buffer.concat([Buffer.from('abc'), trailer('{"result": null}')]);
    const chunks = [whole.subarray(0, 5), whole.subarray(5, 9), whole.subarray(9)];
    const { passed, report } = split('n1', chunks);
    expect(passed.join('')).toBe('stdout:abc');
    expect(report?.result).toBeNull();
  });

  it('never takes output for a trailer without the run’s nonce (the program cannot forge one)', () => {
    const { passed, report } = split('n1', [trailer('{"result": "forged"}', 'guess'), '\0kiln', 'tail']);
    expect(passed.join('')).toContain('{"result": "forged"}');
    expect(passed.join('').replace(/stdout:/g, '')).toBe(`${trailer('{"result": "forged"}', 'guess').toString('latin1')}\0kilntail`);
    expect(report).toBeNull();
  });

  it('passes stderr straight on, and reads a malformed trailer as no report', () => {
    const passed: string[] = [];
    const output = new ContextOutput('n1', (stream, chunk) => passed.push(`${stream}:${chunk}`));
    output.listener('stderr', Buffer.from('oops\n'));
    output.listener('stdout', trailer('not json'));
    expect(passed).toEqual(['stderr:oops\n']);
    expect(output.finish()).toBeNull();
  });

  it('takes only well-formed fields of the report', () => {
    const { report } = split('n1', [trailer('{"result": 7, "error": {"name": "ValueError", "value": "bad"}, "wallMs": -1, "outputLimited": true}')]);
    expect(report).toEqual({ result: null, error: { name: 'ValueError', value: 'bad' }, wallMs: undefined, cpuMs: undefined, memoryBytes: undefined, outputLimited: true });
  });
});
