// Preloaded (`node --require`) into a Kiln process by scripts/measure-request-path.mjs.
// Counts what the process sends: writes to Redis sockets (each write is one
// round trip: a command, a pipeline or a MULTI block), by connection name
// (taken from the CLIENT SETNAME that ioredis sends first), every socket
// write by the kind of peer (Redis, an HTTP client, the Docker engine's unix
// socket, which carries the agents' attach streams), and Docker Engine
// API requests by method and path. On SIGUSR2 it writes the counts and its
// own CPU time (process.cpuUsage) to PATH_PROBE_FILE; when PATH_PROBE_FILE.cmd
// says `profile-start` or `profile-stop`, it also starts V8's CPU profiler or
// stops it and writes the profile to PATH_PROBE_FILE.cpuprofile. A diagnostic only.
'use strict';
const net = require('node:net');
const { readFileSync, rmSync, writeFileSync } = require('node:fs');
const inspector = require('node:inspector');
const { createRequire } = require('node:module');

const redisPort = Number(process.env.PATH_PROBE_REDIS_PORT);
const file = process.env.PATH_PROBE_FILE;
const redisWrites = {};
const docker = {};
/**
 * Every write system call of the process to a socket, by what it talks to:
 * redis, http (Kiln's own server) or docker (the engine's socket, attach
 * streams included). Counted where Node hands a write or a writev to the
 * kernel (net.Socket's _writeGeneric), so corked writes count once.
 */
const socketWrites = {};
const names = new WeakMap();
writeFileSync(`${file}.pid`, String(process.pid));

const write = net.Socket.prototype.write;
net.Socket.prototype.write = function probedWrite(chunk, ...rest) {
  if (this.remotePort === redisPort) {
    if (!names.has(this)) {
      const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('latin1') : '';
      const setName = /SETNAME\r\n\$\d+\r\n([^\r]+)/i.exec(text);
      names.set(this, setName ? setName[1] : 'unnamed');
    }
    const name = names.get(this);
    redisWrites[name] = (redisWrites[name] ?? 0) + 1;
  }
  return write.call(this, chunk, ...rest);
};

const writeGeneric = net.Socket.prototype._writeGeneric;
net.Socket.prototype._writeGeneric = function probedWriteGeneric(...args) {
  const peer = socketPeer(this);
  socketWrites[peer] = (socketWrites[peer] ?? 0) + 1;
  return writeGeneric.apply(this, args);
};

/** What a socket talks to; the process's own stdout and stderr (pipes are sockets too) are not the engine's. */
function socketPeer(socket) {
  if (socket.remotePort === redisPort) return 'redis';
  if (socket.server) return 'http';
  if (socket === process.stdout || socket === process.stderr) return 'stdio';
  return socket.remotePort === undefined ? 'docker' : 'other';
}

// dockerode's requests all go through docker-modem's dial (the project's copy).
const requireHere = createRequire(`${process.env.KILN_HOME ?? process.cwd()}/package.json`);
try {
  const Modem = requireHere('docker-modem');
  const dial = Modem.prototype.dial;
  Modem.prototype.dial = function probedDial(options, callback) {
    const call = `${options.method} ${String(options.path).replace(/\?.*$/, '').replace(/[0-9a-f]{64}/g, '{id}')}`;
    docker[call] = (docker[call] ?? 0) + 1;
    return dial.call(this, options, callback);
  };
} catch {
  // No Docker-backed worker in this process.
}

let profiler = null;
function profile(command, done) {
  if (command === 'profile-start' && !profiler) {
    profiler = new inspector.Session();
    profiler.connect();
    profiler.post('Profiler.enable', () => profiler.post('Profiler.setSamplingInterval', { interval: 250 }, () => profiler.post('Profiler.start', done)));
  } else if (command === 'profile-stop' && profiler) {
    profiler.post('Profiler.stop', (error, result) => {
      if (!error) writeFileSync(`${file}.cpuprofile`, JSON.stringify(result.profile));
      profiler.disconnect();
      profiler = null;
      done();
    });
  } else {
    done();
  }
}

function command() {
  try {
    const text = readFileSync(`${file}.cmd`, 'utf8').trim();
    rmSync(`${file}.cmd`);
    return text;
  } catch {
    return '';
  }
}

process.on('SIGUSR2', () => {
  // The counts first: the profiler's start or stop is not billed to the window.
  const cpu = process.cpuUsage();
  const hrtimeMicros = Number(process.hrtime.bigint() / 1000n);
  const counts = JSON.stringify({ hrtimeMicros, cpuMicros: cpu.user + cpu.system, redisWrites, socketWrites, docker });
  profile(command(), () => writeFileSync(file, counts));
});
