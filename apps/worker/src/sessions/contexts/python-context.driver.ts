/**
 * The Python context driver (docs/sessions.md, "Stateful contexts"), run in
 * the session's sandbox as `python3 -c <this> serve|run <name> [<limit>]`:
 * nothing is written into the workspace.
 *
 * - `serve` is the context: a kept program (the agent's keep=1) holding one
 *   namespace, listening on an abstract Unix socket (private to the
 *   sandbox's network namespace, no file). Its fds 1 and 2 are pipes it
 *   reads itself, so print() and the output of programs it starts alike go
 *   to the run in progress.
 * - `run` is one run: an ordinary exec. It reads `<nonce>\n<code>` on stdin,
 *   hands the code to the context, writes the context's output to its own
 *   stdout and stderr as it comes (at most <limit> bytes), then one trailer
 *   on stdout: NUL, `kiln-context:<nonce>`, NUL, the result as JSON. The
 *   worker splits it off (context-output.ts); the context never sees the
 *   nonce, so its output cannot forge a trailer.
 *
 * Exit codes of `run`: 0 answered, 70 the interpreter ended during the run,
 * 71 no context answers.
 *
 * Code may await at its top level (as in Python's asyncio REPL): it is
 * compiled with PyCF_ALLOW_TOP_LEVEL_AWAIT, and code that awaits is a
 * coroutine, run to its end on the context's one event loop, made at the
 * first such run and kept, so tasks a run starts are there for the next
 * (they advance only while a run awaits).
 */
export const PYTHON_CONTEXT_DRIVER = String.raw`
import ast, json, os, select, socket, struct, sys, threading, time, traceback, resource

MODE, NAME = sys.argv[1], sys.argv[2]
ADDRESS = '\0kiln-context-' + NAME
RESULT_CHARS = 32768
ERROR_CHARS = 4096
# inspect.CO_COROUTINE, without importing inspect at every start.
CO_COROUTINE = 0x80
LOOP = None


def header(tag, size):
    return tag + struct.pack('>I', size)


def read_exact(sock, size):
    data = b''
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise EOFError('the context ended')
        data += chunk
    return data


class Output(threading.Thread):
    """Reads the context's fds 1 and 2 and sends what they carry to the run in progress."""

    def __init__(self):
        super().__init__(daemon=True)
        self.lock = threading.Lock()
        self.connection = None
        self.loops = 0
        self.waiters = []
        self.pipes = {}
        self.wake_read, self.wake_write = os.pipe()
        for fd, tag in ((1, b'o'), (2, b'e')):
            read_end, write_end = os.pipe()
            os.dup2(write_end, fd)
            os.close(write_end)
            self.pipes[read_end] = tag

    def attach(self, connection):
        with self.lock:
            self.connection = connection

    def send(self, tag, data):
        with self.lock:
            if self.connection is None:
                return
            try:
                self.connection.sendall(header(tag, len(data)) + data)
            except OSError:
                self.connection = None

    def drained(self, timeout=1.0):
        """Waits until everything written to fds 1 and 2 before the call has been sent."""
        event = threading.Event()
        with self.lock:
            self.waiters.append((self.loops + 1, event))
        os.write(self.wake_write, b'.')
        event.wait(timeout)

    def run(self):
        # A look at the pipes that began after a waiter came and found nothing means
        # all that was written before it has been sent.
        while True:
            with self.lock:
                self.loops += 1
                loop = self.loops
                waiting = bool(self.waiters)
            readable, _, _ = select.select([self.wake_read, *self.pipes], [], [], 0 if waiting else None)
            if self.wake_read in readable:
                os.read(self.wake_read, 4096)
            data_fds = [fd for fd in readable if fd != self.wake_read]
            for fd in data_fds:
                data = os.read(fd, 65536)
                if data:
                    self.send(self.pipes[fd], data)
            if not data_fds:
                with self.lock:
                    due = [event for after, event in self.waiters if after <= loop]
                    self.waiters = [(after, event) for after, event in self.waiters if after > loop]
                for event in due:
                    event.set()


def cpu_ms():
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return (own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime) * 1000


def event_loop():
    """The context's event loop; asyncio is imported only once code awaits."""
    global LOOP
    if LOOP is None:
        import asyncio
        LOOP = asyncio.new_event_loop()
        asyncio.set_event_loop(LOOP)
    return LOOP


def evaluate(tree, mode, namespace):
    code = compile(tree, '<context>', mode, ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    value = eval(code, namespace)
    return event_loop().run_until_complete(value) if code.co_flags & CO_COROUTINE else value


def code_frames(tb):
    """The traceback from the code's first frame on: the driver's and the event loop's frames are left out."""
    first = tb
    while first is not None and first.tb_frame.f_code.co_filename != '<context>':
        first = first.tb_next
    # None: the code never ran (a SyntaxError); then only the driver's own frame goes.
    return first if first is not None else tb.tb_next


def execute(code, namespace):
    """Runs the code; the value of a final expression is the result (as E2B's runCode, Jupyter)."""
    try:
        tree = ast.parse(code, '<context>', 'exec')
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        evaluate(tree, 'exec', namespace)
        value = evaluate(ast.Expression(last.value), 'eval', namespace) if last else None
        return (None if value is None else repr(value)[:RESULT_CHARS]), None
    except BaseException as error:
        # SystemExit and KeyboardInterrupt too: the context lives on.
        traceback.print_exception(type(error), error, code_frames(error.__traceback__))
        return None, {'name': type(error).__name__, 'value': str(error)[:ERROR_CHARS]}


def serve():
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(ADDRESS)
    server.listen(4)
    output = Output()
    output.start()
    sys.stdout.reconfigure(line_buffering=True, write_through=True)
    sys.stderr.reconfigure(line_buffering=True, write_through=True)
    sys.argv = ['']
    namespace = {'__name__': '__main__', '__builtins__': __builtins__}
    while True:
        connection, _ = server.accept()
        try:
            size = struct.unpack('>I', read_exact(connection, 4))[0]
            request = json.loads(read_exact(connection, size))
            output.attach(connection)
            started, cpu = time.monotonic(), cpu_ms()
            result, error = execute(request['code'], namespace)
            sys.stdout.flush()
            sys.stderr.flush()
            output.drained()
            output.attach(None)
            report = {
                'result': result,
                'error': error,
                'wallMs': round((time.monotonic() - started) * 1000),
                'cpuMs': round(cpu_ms() - cpu),
                'memoryBytes': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
            }
            body = json.dumps(report).encode()
            connection.sendall(header(b'r', len(body)) + body)
        except (OSError, EOFError, ValueError):
            output.attach(None)
        finally:
            connection.close()


def write_all(fd, data):
    while data:
        data = data[os.write(fd, data):]


def connect():
    deadline = time.monotonic() + 5
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(ADDRESS)
            return sock
        except OSError:
            sock.close()
            if time.monotonic() > deadline:
                sys.stderr.write('kiln: the context ' + NAME + ' does not answer\n')
                sys.exit(71)
            time.sleep(0.01)


def run():
    limit = int(sys.argv[3])
    nonce, _, code = sys.stdin.buffer.read().partition(b'\n')
    sock = connect()
    body = json.dumps({'code': code.decode('utf-8', 'replace')}).encode()
    sock.sendall(struct.pack('>I', len(body)) + body)
    forwarded = 0
    try:
        while True:
            head = read_exact(sock, 5)
            payload = read_exact(sock, struct.unpack('>I', head[1:])[0])
            if head[:1] == b'r':
                report = payload
                break
            room = max(0, limit - forwarded)
            write_all(1 if head[:1] == b'o' else 2, payload[:room])
            forwarded += len(payload)
            if forwarded > limit:
                report = json.dumps({'outputLimited': True}).encode()
                break
    except EOFError:
        sys.stderr.write('\nkiln: the context ' + NAME + ' ended during the run\n')
        sys.exit(70)
    write_all(1, b'\0kiln-context:' + nonce + b'\0' + report)


serve() if MODE == 'serve' else run()
`;
