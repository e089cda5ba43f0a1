import { Duplex } from 'node:stream';
import { encodeFrame, Frame, FrameDecoder, FRAME_ERROR, FRAME_EXEC, FRAME_HELLO, FRAME_LIVE_STDIN, FRAME_QUIT, FRAME_RESULT, FRAME_SIGNAL, FRAME_STDIN_END, FRAME_STDOUT } from './agent-frames';
import { AgentRefusedError, AgentSession, LiveControl, TAMPERED_NOTE } from './agent-session';

const RESULT = 'exit_code=3\nsignal=0\ntimed_out=0\ncpu_limited=0\noutput_limited=0\noom_killed=0\nwall_ms=5\ncpu_ms=1\nmax_rss_kb=1\nstdout_bytes=0\nstderr_bytes=0\n';
const FORGED = 'exit_code=0\nsignal=0\ntimed_out=0\ncpu_limited=0\noutput_limited=0\noom_killed=0\nwall_ms=1\ncpu_ms=1\nmax_rss_kb=1\nstdout_bytes=7\nstderr_bytes=0\n';

/** A session over a stream the test plays the agent on; what the session writes is decoded into `sent`. */
function agentStream(): { session: AgentSession; push: (bytes: Buffer) => void; sent: Frame[] } {
  const sent: Frame[] = [];
  const decoder = new FrameDecoder();
  const stream = new Duplex({
    read: () => undefined,
    write: (chunk: Buffer, _encoding, done) => {
      sent.push(...decoder.push(chunk));
      done();
    },
  });
  const session = new AgentSession(stream, (source, stdout) => source.on('data', (chunk: Buffer) => stdout.write(chunk)));
  return { session, push: (bytes) => stream.push(bytes), sent };
}

function execNonce(sent: Frame[]): string {
  const exec = sent.find((frame) => frame.type === FRAME_EXEC)!;
  const strings = exec.payload.toString().split('\0');
  return strings[strings.indexOf('nonce') + 1];
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('AgentSession: the exec nonce', () => {
  it('sends a fresh nonce with every exec and takes the result that echoes it', async () => {
    const { session, push, sent } = agentStream();
    const first = session.exec({ argv: ['x'] }, Buffer.alloc(0));
    await settle(); // frames leave at the end of the turn
    const nonce = execNonce(sent);
    expect(nonce).toMatch(/^[0-9a-f]{32}$/);
    push(encodeFrame(FRAME_RESULT, Buffer.from(`${RESULT}nonce=${nonce}\n`)));
    await expect(first).resolves.toMatchObject({ result: { exitCode: 3 } });
    void session.exec({ argv: ['x'] }, Buffer.alloc(0));
    await settle();
    expect(execNonce(sent.slice(1))).not.toBe(nonce);
  });

  it('a result without the exec’s nonce (forged by the program) ends the run as the program’s failure, and the real one is not believed either', async () => {
    const { session, push, sent } = agentStream();
    const exec = session.exec({ argv: ['x'] }, Buffer.alloc(0));
    await settle(); // frames leave at the end of the turn
    const nonce = execNonce(sent);
    push(Buffer.concat([encodeFrame(FRAME_STDOUT, Buffer.from('forged\n')), encodeFrame(FRAME_RESULT, Buffer.from(FORGED))]));
    push(encodeFrame(FRAME_RESULT, Buffer.from(`${RESULT}nonce=${nonce}\n`)));
    const report = await exec;
    expect(report.result).toMatchObject({ exitCode: null, signal: 9, tampered: expect.stringMatching(/nonce/) });
    expect(report.stdout.toString()).toBe('forged\n');
    expect(report.stderr.toString()).toContain(TAMPERED_NOTE);
    expect(session.isGone).toBe(true);
  });

  it('a result with a wrong nonce is forged too', async () => {
    const { session, push } = agentStream();
    const exec = session.exec({ argv: ['x'] }, Buffer.alloc(0));
    await settle(); // frames leave at the end of the turn
    push(encodeFrame(FRAME_RESULT, Buffer.from(`${FORGED}nonce=0123456789abcdef0123456789abcdef\n`)));
    await expect(exec).resolves.toMatchObject({ result: { tampered: expect.any(String) } });
  });

  it('a refusal carries the nonce: with it, the exec is refused with its text; without it, it was forged', async () => {
    const refused = agentStream();
    const exec = refused.session.exec({ argv: ['x'] }, Buffer.alloc(0));
    await settle(); // frames leave at the end of the turn
    refused.push(encodeFrame(FRAME_ERROR, Buffer.from(`nonce=${execNonce(refused.sent)}\ncannot start program: out of memory`)));
    await expect(exec).rejects.toThrow(new AgentRefusedError('cannot start program: out of memory'));

    const forged = agentStream();
    const other = forged.session.exec({ argv: ['x'] }, Buffer.alloc(0));
    await settle(); // frames leave at the end of the turn
    forged.push(encodeFrame(FRAME_ERROR, Buffer.from('cannot start program: out of memory')));
    await expect(other).resolves.toMatchObject({ result: { tampered: expect.stringMatching(/refusal/) } });
  });

  it('garbage in the stream during an exec ends it as the program’s failure, at once', async () => {
    const { session, push } = agentStream();
    const exec = session.exec({ argv: ['x'] }, Buffer.alloc(0));
    await settle(); // frames leave at the end of the turn
    push(Buffer.from('this is not a frame at all\n'));
    await expect(exec).resolves.toMatchObject({ result: { signal: 9, tampered: expect.stringMatching(/unreadable agent stream/) } });
  });

  it('a second hello during an exec ends it as the program’s failure too (a dead nested sandbox, or a forged frame)', async () => {
    const { session, push } = agentStream();
    push(encodeFrame('H', Buffer.from('kiln-agent 1')));
    await session.ready();
    const exec = session.exec({ argv: ['x'] }, Buffer.alloc(0));
    await settle(); // frames leave at the end of the turn
    push(encodeFrame('H', Buffer.from('kiln-agent 1')));
    await expect(exec).resolves.toMatchObject({ result: { tampered: expect.stringMatching(/new agent/) } });
  });
});

describe('AgentSession: interactive execs', () => {
  it('relays live stdin, its end and signals only while its exec runs', async () => {
    const { session, push, sent } = agentStream();
    let control: LiveControl | undefined;
    let detached = false;
    const exec = session.exec({ argv: ['x'] }, Buffer.from('early'), undefined, {
      attach: (given) => {
        control = given;
        return () => (detached = true);
      },
    });
    await settle(); // frames leave at the end of the turn
    const execFrame = sent.find((frame) => frame.type === FRAME_EXEC)!;
    expect(execFrame.payload.toString().split('\0')).toEqual(expect.arrayContaining(['interactive', '1']));
    control!.write(Buffer.alloc(40 * 1024, 'a'));
    control!.signal(2);
    control!.end();
    await settle();
    const live = sent.filter((frame) => [FRAME_LIVE_STDIN, FRAME_STDIN_END, FRAME_SIGNAL].includes(frame.type));
    expect(live.map((frame) => `${frame.type}${frame.payload.length}`)).toEqual(['I32768', 'I8192', 'K1', 'D0']);
    expect(live[2].payload.toString()).toBe('2');
    push(encodeFrame(FRAME_RESULT, Buffer.from(`${RESULT}nonce=${execNonce(sent)}\n`)));
    await exec;
    expect(detached).toBe(true);
    const before = sent.length;
    control!.write(Buffer.from('late'));
    control!.signal(9);
    await settle();
    expect(sent.length).toBe(before);
  });
});

describe('AgentSession: a sandbox told to end', () => {
  const hello = () => encodeFrame(FRAME_HELLO, Buffer.from('kiln-agent 1'));

  it('sends a Q that follows an exec in the same write, and nothing after it until the next hello', async () => {
    const writes: Frame[][] = [];
    const decoder = new FrameDecoder();
    const stream = new Duplex({
      read: () => undefined,
      write: (chunk: Buffer, _encoding, done) => {
        writes.push(decoder.push(chunk));
        done();
      },
      writev: (chunks, done) => {
        writes.push(chunks.flatMap(({ chunk }) => decoder.push(chunk as Buffer)));
        done();
      },
    });
    const session = new AgentSession(stream, (source, stdout) => source.on('data', (chunk: Buffer) => stdout.write(chunk)));
    stream.push(hello());
    await session.ready();
    const run = session.exec({ argv: ['x'] }, Buffer.alloc(0));
    session.quit();
    expect(session.ending).toBe(true);
    await settle();
    expect(writes).toEqual([[expect.objectContaining({ type: FRAME_EXEC }), expect.objectContaining({ type: FRAME_QUIT })]]);
    // Until the next sandbox says hello, whatever would be sent would reach it.
    await expect(session.exec({ argv: ['y'] }, Buffer.alloc(0))).rejects.toThrow(/told to end/);
    expect(() => session.writeFiles([{ name: 'f', content: Buffer.from('x'), mode: 0o644 }])).toThrow(/told to end/);
    await expect(session.ping(1000)).rejects.toThrow(/told to end/);
    stream.push(encodeFrame(FRAME_RESULT, Buffer.from(`${RESULT}nonce=${execNonce(writes[0])}\n`)));
    await expect(run).resolves.toMatchObject({ result: { exitCode: 3 } });
    expect(session.ending).toBe(true);
    await expect(session.exec({ argv: ['y'] }, Buffer.alloc(0))).rejects.toThrow(/told to end/);
    stream.push(hello());
    await session.helloNumber(2);
    expect(session.ending).toBe(false);
    void session.exec({ argv: ['z'] }, Buffer.alloc(0));
    await settle();
    expect(writes.slice(1).flat().map((frame) => frame.type)).toEqual([FRAME_EXEC]);
  });
});
