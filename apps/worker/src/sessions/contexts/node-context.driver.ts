import { NODE_TOP_LEVEL_AWAIT } from './node-top-level-await';

/**
 * The JavaScript context driver, run in the session's sandbox as
 * `node -e <this> serve|run <name> [<limit>]`: the same two halves and the
 * same wire as the Python one (python-context.driver.ts says how it works).
 * The context runs each piece of code with vm.runInThisContext, so its
 * top-level declarations, require()d modules and data stay for the next;
 * a final expression's value is the result (a promise is awaited first).
 * Code that awaits at its top level is rewritten first so that its
 * declarations still stay (node-top-level-await.ts).
 * Node cannot point its own fds 1 and 2 elsewhere, so what the code writes
 * through process.stdout, process.stderr and console is the run's output; a
 * program it starts with inherited stdio writes nowhere (give it pipes).
 */
export const NODE_CONTEXT_DRIVER = String.raw`
(() => {
  'use strict';
  const fs = require('fs');
  const net = require('net');
  const util = require('util');
  const vm = require('vm');
  const [mode, name, limitText] = process.argv.slice(1);
  const address = '\0kiln-context-' + name;
  const RESULT_CHARS = 32768;
  const ERROR_CHARS = 4096;

  const header = (tag, size) => {
    const bytes = Buffer.alloc(5);
    bytes.write(tag, 0, 'latin1');
    bytes.writeUInt32BE(size, 1);
    return bytes;
  };

${NODE_TOP_LEVEL_AWAIT}
  const writeAll = (fd, data) => {
    for (let at = 0; at < data.length; ) at += fs.writeSync(fd, data, at, data.length - at);
  };

  let current = null;

  const send = (tag, data) => {
    if (current && !current.destroyed) current.write(Buffer.concat([header(tag, data.length), data]));
  };

  const writer = (tag) =>
    function write(chunk, encoding, callback) {
      const done = typeof encoding === 'function' ? encoding : callback;
      const text = typeof encoding === 'string' ? encoding : 'utf8';
      send(tag, typeof chunk === 'string' ? Buffer.from(chunk, text) : Buffer.from(chunk));
      if (typeof done === 'function') process.nextTick(done);
      return true;
    };

  const execute = async (socket, code) => {
    current = socket;
    const started = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    let result = null;
    let error = null;
    try {
      let value = vm.runInThisContext(awaitable(code) ?? code, { filename: '<context>' });
      if (value && typeof value.then === 'function') value = await value;
      result = value === undefined ? null : util.inspect(value).slice(0, RESULT_CHARS);
    } catch (thrown) {
      // The stack without the driver's own frames.
      const stack = thrown && thrown.stack ? String(thrown.stack).split('\n').filter((line) => !/^\s+at /.test(line) || line.includes('<context>')) : null;
      process.stderr.write((stack ? stack.join('\n') : 'Uncaught ' + util.inspect(thrown)) + '\n');
      const message = thrown && thrown.message !== undefined ? thrown.message : thrown;
      error = { name: (thrown && thrown.name) || typeof thrown, value: String(message).slice(0, ERROR_CHARS) };
    }
    await new Promise((resolve) => setImmediate(resolve));
    current = null;
    const used = process.cpuUsage(cpu);
    const body = Buffer.from(
      JSON.stringify({
        result,
        error,
        wallMs: Number((process.hrtime.bigint() - started) / 1000000n),
        cpuMs: Math.round((used.user + used.system) / 1000),
        memoryBytes: process.resourceUsage().maxRSS * 1024,
      }),
    );
    socket.end(Buffer.concat([header('r', body.length), body]));
  };

  const serve = () => {
    process.stdout.write = writer('o');
    process.stderr.write = writer('e');
    process.on('uncaughtException', (thrown) => process.stderr.write('Uncaught ' + util.inspect(thrown) + '\n'));
    process.on('unhandledRejection', (reason) => process.stderr.write('Unhandled rejection ' + util.inspect(reason) + '\n'));
    process.argv = [process.argv[0]];
    let queue = Promise.resolve();
    net
      .createServer((socket) => {
        let buffered = Buffer.alloc(0);
        socket.on('error', () => {});
        socket.on('data', (chunk) => {
          buffered = Buffer.concat([buffered, chunk]);
          if (buffered.length < 4 || buffered.length < 4 + buffered.readUInt32BE(0)) return;
          const request = JSON.parse(buffered.subarray(4, 4 + buffered.readUInt32BE(0)).toString('utf8'));
          buffered = Buffer.alloc(0);
          queue = queue.then(() => execute(socket, request.code));
        });
      })
      .listen(address);
  };

  const talk = (socket, nonce, code, limit) => {
    const body = Buffer.from(JSON.stringify({ code }));
    const length = Buffer.alloc(4);
    length.writeUInt32BE(body.length, 0);
    socket.write(Buffer.concat([length, body]));
    let buffered = Buffer.alloc(0);
    let forwarded = 0;
    let finished = false;
    const finish = (report) => {
      finished = true;
      writeAll(1, Buffer.concat([Buffer.from('\0kiln-context:'), nonce, Buffer.from('\0'), report]));
      process.exit(0);
    };
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (!finished && buffered.length >= 5 && buffered.length >= 5 + buffered.readUInt32BE(1)) {
        const tag = String.fromCharCode(buffered[0]);
        const payload = buffered.subarray(5, 5 + buffered.readUInt32BE(1));
        buffered = buffered.subarray(5 + payload.length);
        if (tag === 'r') return finish(payload);
        writeAll(tag === 'o' ? 1 : 2, payload.subarray(0, Math.max(0, limit - forwarded)));
        forwarded += payload.length;
        if (forwarded > limit) return finish(Buffer.from(JSON.stringify({ outputLimited: true })));
      }
    });
    socket.on('close', () => {
      if (finished) return;
      writeAll(2, Buffer.from('\nkiln: the context ' + name + ' ended during the run\n'));
      process.exit(70);
    });
  };

  const run = () => {
    const input = fs.readFileSync(0);
    const newline = input.indexOf(10);
    const nonce = input.subarray(0, newline);
    const code = input.subarray(newline + 1).toString('utf8');
    const deadline = Date.now() + 5000;
    const attempt = () => {
      const socket = net.connect(address);
      socket.once('error', () => {
        if (Date.now() > deadline) {
          writeAll(2, Buffer.from('kiln: the context ' + name + ' does not answer\n'));
          process.exit(71);
        }
        setTimeout(attempt, 10);
      });
      socket.once('connect', () => {
        socket.removeAllListeners('error');
        socket.on('error', () => {});
        talk(socket, nonce, code, Number(limitText));
      });
    };
    attempt();
  };

  if (mode === 'serve') serve();
  else run();
})();
`;
