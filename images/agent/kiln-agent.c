/*
 * kiln-agent: PID 1 of every Kiln sandbox container and the only process the
 * worker talks to. The wire protocol (v1) is specified in
 * docs/agent-protocol.md; this file implements it.
 *
 * Everything the sandboxed program can influence is treated as hostile: its
 * output is drained without bound on time but with a bound on memory, its
 * processes are all killed at the end of every exec, and the workspace is
 * walked without ever following a symlink or opening anything but regular
 * files and directories.
 *
 * Modes: the default is a sandbox container's agent; `--nested` makes it the
 * supervisor of nested sandboxes (nested-supervisor.c) and `--inner` the agent
 * inside one of them.
 *
 * Build: gcc -std=gnu11 -O2 -static -Wall -Wextra -Werror -o kiln-agent \
 *            kiln-agent.c nested-supervisor.c sandbox-seccomp.c
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"

#define GREETING "kiln-agent 1"
#define MAX_FRAME (256u << 20)
#define HEADER_BYTES 5
#define OUTPUT_CHUNK (32u << 10)
#define FILE_CHUNK (64u << 10)
/* The longest workspace path, in bytes, in F frames both ways: the agent
 * refuses a longer name and collects none (MAX_FILE_NAME_BYTES in
 * apps/worker/src/agent/agent-frames.ts is the same number). */
#define MAX_NAME 255
#define COLLECT_MAX_DEPTH 32
#define COLLECT_MAX_FILES 10000
/* Files, directories and skipped entries together: bounds the walk's time. */
#define COLLECT_MAX_ENTRIES 100000
/* At most this many N frames per exec, whatever skipped_max asks. */
#define MAX_SKIPPED_REPORTED 1024
#define MAX_TIMEOUT_MS 1000000000000ull
/* While killing, re-send SIGKILL this often until every process is reaped. */
#define KILL_POLL_MS 20
/* Outside a pid namespace escaped processes may hold the pipes forever. */
#define NON_PID1_DRAIN_MS 1000
/* A ping's payload is echoed; anything longer is refused. */
#define MAX_PING 256

extern char **environ;

static int workspace_fd = -1;
static int signal_fd = -1;
static int is_pid1;
/* Exit status when the worker closes stdin (the inner agent's differs). */
static int eof_exit_code = 0;
/* The exec in progress, for killing it on a fatal error; 0 when idle. */
static pid_t running_pid;
static int running_reaped;

/* ------------------------------------------------------------ utilities */

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void log_message(const char *fmt, va_list ap)
{
    char line[600];
    int n = snprintf(line, sizeof line, "kiln-agent: ");
    n += vsnprintf(line + n, sizeof line - n - 1, fmt, ap);
    if (n > (int)sizeof line - 2)
        n = sizeof line - 2;
    line[n++] = '\n';
    if (write(2, line, n) < 0) { /* nowhere left to complain */ }
}

void log_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_message(fmt, ap);
    va_end(ap);
}

/* Outside a pid namespace kill(-1) would hit every process of our uid on the
 * host, so only PID 1 may use it; otherwise the program's group is the best
 * we can do, and only while its leader is unreaped (so the pgid can't have
 * been recycled by an unrelated process). */
static void kill_program(void)
{
    if (!running_pid)
        return;
    if (is_pid1)
        kill(-1, SIGKILL);
    else if (!running_reaped)
        kill(-running_pid, SIGKILL);
}

static void __attribute__((noreturn)) die(int code)
{
    kill_program();
    _exit(code);
}

/* ------------------------------------------------------- frames to fd 1 */

static void send_bytes(const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = write(1, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            log_error("write to worker: %s", strerror(errno));
            die(1);
        }
        p += n;
        len -= n;
    }
}

void send_frame(char type, const void *payload, size_t len)
{
    static uint8_t frame[HEADER_BYTES + OUTPUT_CHUNK];
    frame[0] = type;
    put_be32(frame + 1, len);
    if (len <= OUTPUT_CHUNK) { /* one write() per frame for O/E/R/X */
        memcpy(frame + HEADER_BYTES, payload, len);
        send_bytes(frame, HEADER_BYTES + len);
    } else {
        send_bytes(frame, HEADER_BYTES);
        send_bytes(payload, len);
    }
}

void send_error(const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof text)
        n = sizeof text - 1;
    log_error("%s", text);
    send_frame('X', text, n);
}

/* ----------------------------------------------------- input from fd 0 */

/* A fixed buffer: big frames (files, stdin) are streamed through it, and
 * during an exec it bounds how much of the worker's next requests we hold. */
static struct {
    uint8_t data[64u << 10];
    size_t head, tail;
} in;

static size_t in_buffered(void) { return in.tail - in.head; }
static int in_has_room(void) { return in.head > 0 || in.tail < sizeof in.data; }

/* One read(); returns 0 on EOF or a read error, 1 otherwise. */
static int in_fill(void)
{
    if (in.head > 0) {
        memmove(in.data, in.data + in.head, in_buffered());
        in.tail -= in.head;
        in.head = 0;
    }
    if (in.tail == sizeof in.data)
        return 1;
    ssize_t n = read(0, in.data + in.tail, sizeof in.data - in.tail);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return 1;
    if (n < 0)
        log_error("read from worker: %s", strerror(errno));
    if (n <= 0)
        return 0;
    in.tail += n;
    return 1;
}

/* EOF while idle or mid-frame both mean the worker is gone: exit 0. */
static size_t in_wait(void)
{
    while (in_buffered() == 0)
        if (!in_fill())
            die(eof_exit_code);
    return in_buffered();
}

static void in_read(void *dst, size_t len)
{
    uint8_t *p = dst;
    while (len > 0) {
        size_t n = in_wait();
        if (n > len)
            n = len;
        memcpy(p, in.data + in.head, n);
        in.head += n;
        p += n;
        len -= n;
    }
}

static void in_skip(size_t len)
{
    while (len > 0) {
        size_t n = in_wait();
        if (n > len)
            n = len;
        in.head += n;
        len -= n;
    }
}

/* ------------------------------------------------ F: write a workspace file */

/* Relative, no empty/./.. component, no NUL, <= 255 bytes. */
static int valid_relative_path(const char *s, size_t len)
{
    if (len == 0 || len > MAX_NAME || memchr(s, 0, len) || s[0] == '/')
        return 0;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != '/')
            continue;
        const char *c = s + start;
        size_t clen = i - start;
        if (clen == 0 || (clen == 1 && c[0] == '.') || (clen == 2 && c[0] == '.' && c[1] == '.'))
            return 0;
        start = i + 1;
    }
    return 1;
}

/* Creates and opens each parent directory without following symlinks, so a
 * link planted by an earlier program can't redirect the write. Cuts `path`
 * at its slashes; returns the parent's fd with *leaf pointing at the name. */
static int open_parent_dir(char *path, char **leaf)
{
    int dir = fcntl(workspace_fd, F_DUPFD_CLOEXEC, 3);
    char *component = path, *slash;
    while (dir >= 0 && (slash = strchr(component, '/'))) {
        *slash = 0;
        int next = -1;
        if (mkdirat(dir, component, 0755) == 0 || errno == EEXIST)
            next = openat(dir, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int saved = errno;
        close(dir);
        errno = saved;
        dir = next;
        component = slash + 1;
    }
    *leaf = component;
    return dir;
}

static int write_file_bytes(int fd, const uint8_t *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno;
        p += n;
        len -= n;
    }
    return 0;
}

/* Streams `len` frame bytes into fd; after the first error it only skips, so
 * the input stays in sync. Returns the first errno (or the one passed in). */
static int copy_input_to_file(int fd, size_t len, int err)
{
    while (len > 0) {
        size_t n = in_wait();
        if (n > len)
            n = len;
        if (!err)
            err = write_file_bytes(fd, in.data + in.head, n);
        in.head += n;
        len -= n;
    }
    return err;
}

static void handle_file_frame(uint32_t len)
{
    static char name[65536], shown[MAX_NAME + 1];
    uint8_t field[4];
    if (len < 6) {
        send_error("F frame too short");
        in_skip(len);
        return;
    }
    in_read(field, 2);
    size_t name_len = (size_t)field[0] << 8 | field[1];
    if (name_len > len - 6) {
        send_error("F frame name overruns the frame");
        in_skip(len - 2);
        return;
    }
    in_read(name, name_len);
    name[name_len] = 0;
    in_read(field, 4);
    mode_t mode = get_be32(field) & 0755;
    size_t content_len = len - 6 - name_len;
    if (!valid_relative_path(name, name_len)) {
        send_error("bad file name");
        in_skip(content_len);
        return;
    }
    memcpy(shown, name, name_len + 1);

    char *leaf;
    int dir = open_parent_dir(name, &leaf);
    int fd = dir < 0 ? -1 : openat(dir, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    int err = copy_input_to_file(fd, content_len, fd < 0 ? errno : 0);
    if (fd >= 0) {
        if (!err && fchmod(fd, mode) < 0) /* umask must not change the mode */
            err = errno;
        close(fd);
        if (err)
            unlinkat(dir, leaf, 0);
    }
    if (dir >= 0)
        close(dir);
    if (err)
        send_error("file %s: %s", shown, strerror(err));
}

/* ------------------------------------------------------ S: stdin buffer */

static uint8_t *stdin_data;
static size_t stdin_len, stdin_cap;

static void handle_stdin_frame(uint32_t len)
{
    if (stdin_len + len > stdin_cap) {
        size_t cap = stdin_cap * 2 > stdin_len + len ? stdin_cap * 2 : stdin_len + len;
        uint8_t *grown = realloc(stdin_data, cap);
        if (!grown) {
            send_error("stdin: out of memory");
            in_skip(len);
            return;
        }
        stdin_data = grown;
        stdin_cap = cap;
    }
    in_read(stdin_data + stdin_len, len);
    stdin_len += len;
}

static void clear_stdin(void)
{
    free(stdin_data);
    stdin_data = NULL;
    stdin_len = stdin_cap = 0;
}

/* ---------------------------------------------------- E: exec request */

struct exec_request {
    char **argv, **envp;
    const char *cwd;
    uint64_t timeout_ms, cpu_ms, output_bytes, fsize_bytes, nofile, collect_max_bytes, skipped_max;
    int collect;
};

static const struct { const char *key; size_t offset; } number_keys[] = {
    { "timeout_ms", offsetof(struct exec_request, timeout_ms) },
    { "cpu_ms", offsetof(struct exec_request, cpu_ms) },
    { "output_bytes", offsetof(struct exec_request, output_bytes) },
    { "fsize_bytes", offsetof(struct exec_request, fsize_bytes) },
    { "nofile", offsetof(struct exec_request, nofile) },
    { "collect_max_bytes", offsetof(struct exec_request, collect_max_bytes) },
    { "skipped_max", offsetof(struct exec_request, skipped_max) },
};

static int parse_u64(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    if (!*s)
        return 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
            return 0;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return 1;
}

static const char *set_exec_option(struct exec_request *req, const char *key, const char *value,
                                   size_t *argc, size_t *envc, int *cpu_given)
{
    if (!strcmp(key, "arg")) {
        req->argv[(*argc)++] = (char *)value;
        return NULL;
    }
    if (!strcmp(key, "env")) {
        if (!strchr(value, '=') || value[0] == '=')
            return "env entry must be NAME=value";
        req->envp[(*envc)++] = (char *)value;
        return NULL;
    }
    if (!strcmp(key, "cwd")) {
        req->cwd = value;
        return strcmp(value, ".") && !valid_relative_path(value, strlen(value)) ? "bad cwd" : NULL;
    }
    if (!strcmp(key, "collect")) {
        req->collect = value[0] == '1';
        return strcmp(value, "0") && strcmp(value, "1") ? "collect must be 0 or 1" : NULL;
    }
    for (size_t i = 0; i < sizeof number_keys / sizeof number_keys[0]; i++) {
        if (strcmp(key, number_keys[i].key))
            continue;
        if (!strcmp(key, "cpu_ms"))
            *cpu_given = 1;
        return parse_u64(value, (uint64_t *)((char *)req + number_keys[i].offset)) ? NULL : "bad number";
    }
    return "unknown key";
}

/* Fills req with pointers into payload (which must outlive req). */
static const char *parse_exec_request(char *payload, size_t len, struct exec_request *req)
{
    if (len == 0 || payload[len - 1] != 0)
        return "E payload must end with NUL";
    size_t strings = 0;
    for (size_t i = 0; i < len; i++)
        strings += payload[i] == 0;
    if (strings % 2)
        return "E payload must hold key/value pairs";
    *req = (struct exec_request){
        .cwd = ".", .timeout_ms = 10000, .output_bytes = 65536, .fsize_bytes = 64u << 20,
        .nofile = 256, .collect_max_bytes = 64u << 20,
    };
    req->argv = calloc(strings / 2 + 1, sizeof(char *));
    req->envp = calloc(strings / 2 + 1, sizeof(char *));
    if (!req->argv || !req->envp)
        return "out of memory";
    size_t argc = 0, envc = 0;
    int cpu_given = 0;
    for (char *p = payload; p < payload + len;) {
        char *key = p;
        p += strlen(p) + 1;
        char *value = p;
        p += strlen(p) + 1;
        const char *problem = set_exec_option(req, key, value, &argc, &envc, &cpu_given);
        if (problem) {
            static char message[128];
            snprintf(message, sizeof message, "E key %.40s: %s", key, problem);
            return message;
        }
    }
    if (argc == 0)
        return "E without arg";
    if (req->timeout_ms > MAX_TIMEOUT_MS)
        req->timeout_ms = MAX_TIMEOUT_MS;
    if (!cpu_given)
        req->cpu_ms = 2 * req->timeout_ms;
    if (req->skipped_max > MAX_SKIPPED_REPORTED)
        req->skipped_max = MAX_SKIPPED_REPORTED;
    return NULL;
}

/* ------------------------------------------------------- the child side */

static void __attribute__((noreturn)) child_fail(int report_fd, const char *stage)
{
    char message[160];
    int n = stage ? snprintf(message, sizeof message, "%s: %s", stage, strerror(errno))
                  : snprintf(message, sizeof message, "%s", strerror(errno));
    if (write(report_fd, message, n) < 0) { /* the parent then reports no text */ }
    _exit(127);
}

/* Lowers both limits; can't raise past the container's hard limit, so the
 * request is clamped to it rather than failing. */
static int set_limit(int resource, uint64_t soft, uint64_t hard)
{
    struct rlimit current;
    if (getrlimit(resource, &current) < 0)
        return -1;
    if (current.rlim_max != RLIM_INFINITY && hard > current.rlim_max)
        hard = current.rlim_max;
    if (soft > hard)
        soft = hard;
    struct rlimit wanted = { .rlim_cur = soft, .rlim_max = hard };
    return setrlimit(resource, &wanted);
}

static int apply_limits(const struct exec_request *req)
{
    uint64_t cpu_s = (req->cpu_ms + 999) / 1000;
    if (cpu_s == 0)
        cpu_s = 1;
    /* SIGXCPU at the soft limit, SIGKILL a second later if it's ignored. */
    return set_limit(RLIMIT_CPU, cpu_s, cpu_s + 1) | set_limit(RLIMIT_FSIZE, req->fsize_bytes, req->fsize_bytes) |
           set_limit(RLIMIT_NOFILE, req->nofile, req->nofile) | set_limit(RLIMIT_CORE, 0, 0);
}

/* So the kernel's OOM killer picks the program, never the agent. While we
 * are non-dumpable (inherited from the agent) /proc/self belongs to root and
 * this write fails for an unprivileged uid; execve would make us dumpable
 * anyway, and fds 0-2 are already the program's pipes, so nothing of the
 * agent's is exposed by doing it a little earlier. */
static void prefer_oom_kill(void)
{
    prctl(PR_SET_DUMPABLE, 1);
    int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
        if (write(fd, "1000", 4) < 0) { /* best effort: the cgroup still caps memory */ }
        close(fd);
    }
}

static void close_fds_from(unsigned first)
{
    /* Every agent fd is O_CLOEXEC already; this is belt and braces. */
    if (close_range(first, ~0u, 0) < 0)
        for (unsigned fd = first; fd < 1024; fd++)
            close(fd);
}

static void __attribute__((noreturn)) exec_child(const struct exec_request *req, int in, int out, int err, int report)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int sig = 1; sig < NSIG; sig++)
        signal(sig, SIG_DFL); /* SIG_IGN (SIGPIPE, SIGXFSZ) would survive exec */
    if (setsid() < 0)
        child_fail(report, "setsid");
    /* All four are >= 3, so duping onto 0-3 can't clobber one still needed. */
    if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0 || dup2(report, 3) < 0)
        child_fail(report, "dup2");
    report = 3;
    fcntl(report, F_SETFD, FD_CLOEXEC);
    if (fchdir(workspace_fd) < 0 || chdir(req->cwd) < 0)
        child_fail(report, "chdir");
    close_fds_from(4);
    if (apply_limits(req) < 0)
        child_fail(report, "setrlimit");
    prefer_oom_kill();
    environ = req->envp; /* execvp searches the PATH of environ */
    execvp(req->argv[0], req->argv);
    child_fail(report, NULL);
}

/* ------------------------------------------------------ the parent side */

struct exec_run {
    const struct exec_request *req;
    pid_t pid;
    int stdin_fd, stdout_fd, stderr_fd;
    size_t stdin_sent;
    uint64_t started_ms, deadline_ms, ended_ms, kill_started_ms;
    int killing, main_reaped, no_children, main_status;
    uint64_t cpu_us, max_rss_kb, stdout_bytes, stderr_bytes, forwarded;
    int timed_out, cpu_limited, output_limited, saw_sigxcpu;
    char exec_error[160];
};

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static void set_nonblocking(int fd)
{
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* Waits for the child's exec (the CLOEXEC pipe closes) or its failure text. */
static void read_child_report(int fd, char *text, size_t size)
{
    size_t got = 0;
    for (;;) {
        ssize_t n = read(fd, text + got, size - 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += n;
    }
    text[got] = 0;
}

static int spawn_program(struct exec_run *run)
{
    int p[8] = { -1, -1, -1, -1, -1, -1, -1, -1 }; /* stdin, stdout, stderr, report */
    for (int i = 0; i < 8; i += 2)
        if (pipe2(p + i, O_CLOEXEC) < 0)
            goto fail;
    run->pid = fork();
    if (run->pid < 0)
        goto fail;
    if (run->pid == 0)
        exec_child(run->req, p[0], p[3], p[5], p[7]);
    close(p[0]); close(p[3]); close(p[5]); close(p[7]);
    run->stdin_fd = p[1];
    run->stdout_fd = p[2];
    run->stderr_fd = p[4];
    set_nonblocking(run->stdin_fd);
    set_nonblocking(run->stdout_fd);
    set_nonblocking(run->stderr_fd);
    read_child_report(p[6], run->exec_error, sizeof run->exec_error);
    close(p[6]);
    return 0;
fail:
    send_error("cannot start program: %s", strerror(errno));
    for (int i = 0; i < 8; i++)
        if (p[i] >= 0)
            close(p[i]);
    return -1;
}

static void start_kill(struct exec_run *run)
{
    if (run->killing)
        return;
    run->killing = 1;
    run->kill_started_ms = now_ms();
    close_fd(&run->stdin_fd);
    kill_program();
}

static void feed_stdin(struct exec_run *run)
{
    size_t left = stdin_len - run->stdin_sent;
    ssize_t n = write(run->stdin_fd, stdin_data + run->stdin_sent, left > FILE_CHUNK ? FILE_CHUNK : left);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n < 0) { /* EPIPE: the program closed its stdin */
        close_fd(&run->stdin_fd);
        return;
    }
    run->stdin_sent += n;
    if (run->stdin_sent == stdin_len)
        close_fd(&run->stdin_fd); /* EOF tells the program there is no more */
}

/* Forwards while under the cap, then keeps reading and discarding so a
 * flood neither blocks the program's writes nor grows our memory. */
static void pump_output(struct exec_run *run, int *fd, char type, uint64_t *count)
{
    static uint8_t chunk[OUTPUT_CHUNK];
    ssize_t n = read(*fd, chunk, sizeof chunk);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        close_fd(fd);
        return;
    }
    *count += n;
    uint64_t room = run->req->output_bytes - run->forwarded;
    size_t forward = (uint64_t)n < room ? (size_t)n : (size_t)room;
    if (forward > 0) {
        send_frame(type, chunk, forward);
        run->forwarded += forward;
    }
    if ((uint64_t)n > room) {
        run->output_limited = 1;
        start_kill(run);
    }
}

static void drain_signalfd(void)
{
    struct signalfd_siginfo info[8];
    while (read(signal_fd, info, sizeof info) > 0) {
    }
}

/* Not PID 1: the group must be killed while its leader's zombie still pins
 * the pgid, i.e. before reaping it. */
static void kill_group_if_main_exited(struct exec_run *run)
{
    siginfo_t info = { 0 };
    if (waitid(P_PID, run->pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == run->pid)
        kill(-run->pid, SIGKILL);
}

static void reap_children(struct exec_run *run)
{
    if (!is_pid1 && !run->main_reaped)
        kill_group_if_main_exited(run);
    for (;;) {
        int status;
        struct rusage usage;
        pid_t pid = wait4(-1, &status, WNOHANG, &usage);
        if (pid < 0 && errno == EINTR)
            continue;
        if (pid < 0 && errno == ECHILD)
            run->no_children = 1;
        if (pid <= 0)
            return;
        /* wait4 reports the process plus the children it reaped itself. */
        run->cpu_us += (uint64_t)usage.ru_utime.tv_sec * 1000000 + usage.ru_utime.tv_usec +
                       (uint64_t)usage.ru_stime.tv_sec * 1000000 + usage.ru_stime.tv_usec;
        if ((uint64_t)usage.ru_maxrss > run->max_rss_kb)
            run->max_rss_kb = usage.ru_maxrss;
        if (WIFSIGNALED(status) && WTERMSIG(status) == SIGXCPU)
            run->saw_sigxcpu = 1;
        if (pid == run->pid) {
            run->main_reaped = running_reaped = 1;
            run->main_status = status;
            run->ended_ms = now_ms();
        }
    }
}

static void enforce_limits(struct exec_run *run)
{
    uint64_t now = now_ms();
    if (!run->killing) {
        if (run->main_reaped) {
            start_kill(run); /* nothing the program started may outlive it */
        } else if (run->cpu_us / 1000 > run->req->cpu_ms) {
            run->cpu_limited = 1;
            start_kill(run);
        } else if (now >= run->deadline_ms) {
            run->timed_out = 1;
            start_kill(run);
        }
    }
    if (run->killing) {
        kill_program(); /* again: catches anything forked meanwhile */
        if (!is_pid1 && now >= run->kill_started_ms + NON_PID1_DRAIN_MS) {
            close_fd(&run->stdout_fd);
            close_fd(&run->stderr_fd);
        }
    }
}

static int poll_timeout(const struct exec_run *run)
{
    if (run->killing)
        return KILL_POLL_MS;
    uint64_t now = now_ms();
    uint64_t left = run->deadline_ms > now ? run->deadline_ms - now : 0;
    return left > 60000 ? 60000 : (int)left;
}

enum { SLOT_WORKER, SLOT_SIGNALS, SLOT_STDIN, SLOT_STDOUT, SLOT_STDERR, SLOTS };

static void exec_step(struct exec_run *run)
{
    struct pollfd slot[SLOTS] = {
        [SLOT_WORKER] = { .fd = in_has_room() ? 0 : -1, .events = POLLIN },
        [SLOT_SIGNALS] = { .fd = signal_fd, .events = POLLIN },
        [SLOT_STDIN] = { .fd = run->stdin_fd, .events = POLLOUT },
        [SLOT_STDOUT] = { .fd = run->stdout_fd, .events = POLLIN },
        [SLOT_STDERR] = { .fd = run->stderr_fd, .events = POLLIN },
    };
    if (poll(slot, SLOTS, poll_timeout(run)) < 0 && errno != EINTR) {
        log_error("poll: %s", strerror(errno));
        die(1);
    }
    if (slot[SLOT_WORKER].revents && !in_fill()) {
        log_error("worker closed stdin during an exec");
        die(eof_exit_code);
    }
    if (slot[SLOT_SIGNALS].revents)
        drain_signalfd();
    if (slot[SLOT_STDIN].revents && run->stdin_fd >= 0)
        feed_stdin(run);
    if (slot[SLOT_STDOUT].revents && run->stdout_fd >= 0)
        pump_output(run, &run->stdout_fd, 'O', &run->stdout_bytes);
    if (slot[SLOT_STDERR].revents && run->stderr_fd >= 0)
        pump_output(run, &run->stderr_fd, 'E', &run->stderr_bytes);
    reap_children(run);
    enforce_limits(run);
}

static int exec_finished(const struct exec_run *run)
{
    return run->killing && run->stdout_fd < 0 && run->stderr_fd < 0 && run->no_children;
}

/* --------------------------------------------------- OOM kill counter */

/* The container's memory cgroup counts OOM kills; -1 when not readable. */
static long long read_oom_kills(void)
{
    static const char *const paths[] = { "/sys/fs/cgroup/memory.events", "/sys/fs/cgroup/memory/memory.oom_control" };
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        char text[4096];
        int fd = open(paths[i], O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        ssize_t n = read(fd, text, sizeof text - 1);
        close(fd);
        if (n <= 0)
            continue;
        text[n] = 0;
        for (char *line = text; line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
            if (!strncmp(line, "oom_kill ", 9))
                return strtoll(line + 9, NULL, 10);
    }
    return -1;
}

/* ------------------------------------------------ collect: F frames back */

/*
 * The walk goes entry by entry: an entry that cannot travel is skipped, with
 * its reason, and never stops the rest. Each gets the first reason that
 * applies, in this order (docs/agent-protocol.md):
 *   path_too_long   its path is over MAX_NAME bytes, the most an F frame may
 *                   name (in both directions), so a directory goes whole;
 *   symlink, fifo, socket, device
 *                   not a regular file or directory: never followed or opened;
 *   too_deep        a directory COLLECT_MAX_DEPTH + 1 levels down, whole;
 *   not_utf8        a name that is not strict UTF-8 (a directory: whole);
 *   unreadable      cannot be opened (a directory: or searched);
 *   empty_directory nothing in it: only files travel, with their parents.
 * A skipped directory is not walked, so nothing in it is named again. With
 * `skipped_max` the first that many are sent as N frames; R's `skipped`
 * counts them all. The workspace as a whole cannot be kept (collect_error,
 * no files) only past COLLECT_MAX_FILES files, COLLECT_MAX_ENTRIES entries
 * or collect_max_bytes.
 */
struct collector {
    int sending;
    uint64_t max_bytes, total, skipped, report_max;
    unsigned files, entries;
    const char *error;
    /* A directory's path is at most MAX_NAME bytes (longer ones are skipped),
     * so an entry's is at most that, a slash and a name. */
    char path[2 * MAX_NAME + 2];
};

/* An N frame: `reason\0path`, while sending and up to report_max of them. */
static void skip_entry(struct collector *c, const char *reason, size_t path_len)
{
    uint8_t payload[32 + sizeof c->path];
    size_t reason_len = strlen(reason);
    if (!c->sending || ++c->skipped > c->report_max)
        return;
    memcpy(payload, reason, reason_len + 1);
    memcpy(payload + reason_len + 1, c->path, path_len);
    send_frame('N', payload, reason_len + 1 + path_len);
}

static void send_collected_file(const char *path, size_t path_len, int fd, const struct stat *st)
{
    static uint8_t chunk[FILE_CHUNK];
    uint8_t header[HEADER_BYTES + 2];
    uint64_t size = st->st_size;
    if (size > MAX_FRAME - 6 - path_len) /* grew since it was sized */
        size = MAX_FRAME - 6 - path_len;
    header[0] = 'F';
    put_be32(header + 1, 2 + path_len + 4 + size);
    header[5] = path_len >> 8;
    header[6] = path_len;
    send_bytes(header, sizeof header);
    send_bytes(path, path_len);
    put_be32(chunk, st->st_mode & 0777);
    send_bytes(chunk, 4);
    /* The frame length is already promised: pad if the file shrank. */
    while (size > 0) {
        ssize_t n = read(fd, chunk, size < sizeof chunk ? size : sizeof chunk);
        if (n <= 0) {
            n = size < sizeof chunk ? size : sizeof chunk;
            memset(chunk, 0, n);
        }
        send_bytes(chunk, n);
        size -= n;
    }
}

static void collect_file(struct collector *c, size_t path_len, int fd, const struct stat *st)
{
    if (c->sending) {
        send_collected_file(c->path, path_len, fd, st);
        return;
    }
    c->total += st->st_size;
    if (++c->files > COLLECT_MAX_FILES)
        c->error = "too_many_files";
    else if (c->total > c->max_bytes || (uint64_t)st->st_size > MAX_FRAME - 6 - path_len)
        c->error = "too_large";
}

/* Strict (no overlongs, surrogates or code points past U+10FFFF), matching
 * the worker's fatal TextDecoder: a name it can't decode, or two byte names
 * decoding to one string, would be the program's to exploit. */
static int valid_utf8(const uint8_t *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        uint8_t lead = s[i];
        size_t extra = lead < 0x80 ? 0 : (lead & 0xe0) == 0xc0 ? 1 : (lead & 0xf0) == 0xe0 ? 2 : (lead & 0xf8) == 0xf0 ? 3 : 4;
        static const uint32_t smallest[] = { 0, 0x80, 0x800, 0x10000 };
        if (extra == 4 || i + extra >= len + !extra) /* not a lead byte, or truncated */
            return 0;
        uint32_t code = extra ? lead & (0x3f >> extra) : lead;
        for (size_t k = 1; k <= extra; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return 0;
            code = code << 6 | (s[i + k] & 0x3f);
        }
        if (code < smallest[extra] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
            return 0;
        i += extra + 1;
    }
    return 1;
}

/* Why an entry of this type, at this depth, does not travel; NULL if it may. */
static const char *type_problem(mode_t mode, int depth)
{
    if (S_ISREG(mode))
        return NULL;
    if (S_ISDIR(mode))
        return depth < COLLECT_MAX_DEPTH ? NULL : "too_deep";
    return S_ISLNK(mode) ? "symlink" : S_ISFIFO(mode) ? "fifo" : S_ISSOCK(mode) ? "socket" : "device";
}

static void collect_dir(struct collector *c, int dir_fd, size_t path_len, int depth);

/* The entry's path is in c->path[0..len); the caller puts the parent's back. */
static void collect_opened(struct collector *c, int fd, size_t len, int depth)
{
    struct stat st, dot;
    /* fstat again: the name may have been swapped between lstat and open. */
    const char *problem = fstat(fd, &st) < 0 ? "unreadable" : type_problem(st.st_mode, depth);
    /* A directory we may read but not search lists names it can't give. */
    if (!problem && S_ISDIR(st.st_mode) && fstatat(fd, ".", &dot, 0) < 0)
        problem = "unreadable";
    if (problem) {
        close(fd);
        skip_entry(c, problem, len);
    } else if (S_ISDIR(st.st_mode)) {
        collect_dir(c, fd, len, depth + 1);
    } else {
        collect_file(c, len, fd, &st);
        close(fd);
    }
}

/* Why the entry at c->path does not travel; NULL when it does, with *fd open on it. */
static const char *entry_problem(int dir_fd, const char *name, size_t len, int depth, int *fd)
{
    struct stat st;
    if (len > MAX_NAME)
        return "path_too_long";
    /* lstat first: symlinks, fifos, sockets and devices are never opened. */
    if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return "unreadable";
    const char *problem = type_problem(st.st_mode, depth);
    if (problem)
        return problem;
    if (!valid_utf8((const uint8_t *)name, strlen(name)))
        return "not_utf8";
    *fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    return *fd < 0 ? "unreadable" : NULL;
}

static void collect_entry(struct collector *c, int dir_fd, const char *name, size_t path_len, int depth)
{
    if (++c->entries > COLLECT_MAX_ENTRIES) {
        c->error = "too_many_entries";
        return;
    }
    size_t name_len = strlen(name);
    size_t start = path_len ? path_len + 1 : 0;
    /* Only a name past NAME_MAX could be cut here, and it is too long anyway. */
    size_t kept = start + name_len < sizeof c->path ? name_len : sizeof c->path - 1 - start;
    if (path_len)
        c->path[path_len] = '/';
    memcpy(c->path + start, name, kept);
    c->path[start + kept] = 0;
    int fd = -1;
    const char *problem = entry_problem(dir_fd, name, start + name_len, depth, &fd);
    if (problem)
        skip_entry(c, problem, start + kept);
    else
        collect_opened(c, fd, start + name_len, depth);
    c->path[path_len] = 0;
}

/* Takes ownership of dir_fd; the directory's path is in c->path[0..path_len). */
static void collect_dir(struct collector *c, int dir_fd, size_t path_len, int depth)
{
    DIR *dir = fdopendir(dir_fd);
    if (!dir) {
        close(dir_fd);
        skip_entry(c, "unreadable", path_len);
        return;
    }
    int empty = 1;
    struct dirent *entry;
    while (!c->error && (entry = readdir(dir))) {
        if (!strcmp(entry->d_name, ".") || !strcmp(entry->d_name, ".."))
            continue;
        empty = 0;
        collect_entry(c, dirfd(dir), entry->d_name, path_len, depth);
    }
    closedir(dir);
    if (empty && path_len)
        skip_entry(c, "empty_directory", path_len);
}

static void walk_workspace(struct collector *c)
{
    int fd = openat(workspace_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    c->path[0] = 0;
    if (fd < 0)
        c->error = "workspace_unreadable";
    else
        collect_dir(c, fd, 0, 0);
}

/* Sizes everything first so a workspace that cannot be kept sends nothing.
 * Between the two walks nothing changes: every process of the exec is gone. */
static const char *collect_workspace(uint64_t max_bytes, uint64_t report_max, uint64_t *skipped)
{
    static struct collector c;
    c = (struct collector){ .max_bytes = max_bytes };
    walk_workspace(&c);
    if (c.error)
        return c.error;
    c = (struct collector){ .max_bytes = max_bytes, .report_max = report_max, .sending = 1 };
    walk_workspace(&c);
    *skipped = c.skipped;
    return c.error ? c.error : "";
}

/* ------------------------------------------------------- running an exec */

static void send_result(const struct exec_run *run, int oom_killed, const char *collect_error, uint64_t skipped)
{
    char text[1024];
    int status = run->main_status;
    int n = snprintf(text, sizeof text,
                     "exit_code=%d\nsignal=%d\ntimed_out=%d\ncpu_limited=%d\noutput_limited=%d\noom_killed=%d\n"
                     "wall_ms=%llu\ncpu_ms=%llu\nmax_rss_kb=%llu\nstdout_bytes=%llu\nstderr_bytes=%llu\n"
                     "collect_error=%s\nskipped=%llu\nexec_error=%s\n",
                     WIFEXITED(status) ? WEXITSTATUS(status) : -1, WIFSIGNALED(status) ? WTERMSIG(status) : 0,
                     run->timed_out, run->cpu_limited, run->output_limited, oom_killed,
                     (unsigned long long)(run->ended_ms - run->started_ms), (unsigned long long)(run->cpu_us / 1000),
                     (unsigned long long)run->max_rss_kb, (unsigned long long)run->stdout_bytes,
                     (unsigned long long)run->stderr_bytes, collect_error, (unsigned long long)skipped, run->exec_error);
    send_frame('R', text, n);
}

static void reap_strays(void)
{
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
}

static void run_exec(const struct exec_request *req)
{
    struct exec_run run = { .req = req, .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1 };
    reap_strays(); /* so their usage isn't billed to this exec */
    long long oom_before = read_oom_kills();
    run.started_ms = now_ms();
    run.deadline_ms = run.started_ms + req->timeout_ms;
    if (spawn_program(&run) < 0)
        return;
    running_pid = run.pid;
    running_reaped = 0;
    if (stdin_len == 0)
        close_fd(&run.stdin_fd);
    while (!exec_finished(&run))
        exec_step(&run);
    running_pid = 0;

    long long oom_after = read_oom_kills();
    int oom_killed = oom_before >= 0 && oom_after > oom_before;
    if (run.saw_sigxcpu || run.cpu_us / 1000 > req->cpu_ms)
        run.cpu_limited = 1;
    int succeeded = WIFEXITED(run.main_status) && WEXITSTATUS(run.main_status) == 0 && !run.timed_out &&
                    !run.cpu_limited && !run.output_limited && !oom_killed;
    const char *collect_error = "";
    uint64_t skipped = 0;
    if (req->collect && succeeded)
        collect_error = collect_workspace(req->collect_max_bytes, req->skipped_max, &skipped);
    send_result(&run, oom_killed, collect_error, skipped);
}

static void handle_exec_frame(uint32_t len)
{
    char *payload = malloc(len + 1);
    if (!payload) {
        send_error("E frame: out of memory");
        in_skip(len);
        clear_stdin();
        return;
    }
    in_read(payload, len);
    struct exec_request req = { 0 };
    const char *problem = parse_exec_request(payload, len, &req);
    if (problem)
        send_error("%s", problem);
    else
        run_exec(&req);
    free(req.argv);
    free(req.envp);
    free(payload);
    clear_stdin();
}

/* ------------------------------------------------------------ start-up */

/* A closed 0/1/2 would be reused by our own pipes and mix up the streams. */
static void ensure_standard_fds(void)
{
    for (int fd = 0; fd < 3; fd++)
        if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) < 0)
            _exit(1);
}

static void setup_signals(void)
{
    /* Left at SIG_DFL, every other signal sent from inside the namespace is
     * dropped by the kernel for PID 1; blocking them would queue them. */
    signal(SIGPIPE, SIG_IGN); /* a dead reader is an EPIPE, not our death */
    signal(SIGXFSZ, SIG_IGN); /* a too-big F frame is an EFBIG, reported as X */
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    signal_fd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC);
    if (signal_fd < 0) {
        log_error("signalfd: %s", strerror(errno));
        _exit(1);
    }
}

enum agent_mode { MODE_SANDBOX, MODE_NESTED, MODE_INNER };

struct agent_args {
    enum agent_mode mode;
    const char *workspace;
    struct nested_options nested;
};

static unsigned long long mebibytes_arg(const char *flag, const char *value)
{
    uint64_t mb;
    if (!parse_u64(value, &mb) || mb == 0 || mb > (1u << 20)) {
        log_error("%s needs a size in MiB, got %s", flag, value);
        _exit(2);
    }
    return (unsigned long long)mb << 20;
}

static struct agent_args parse_args(int argc, char **argv)
{
    struct agent_args args = {
        .mode = MODE_SANDBOX, .workspace = "/workspace",
        .nested = { .workspace_bytes = 64ull << 20, .tmp_bytes = 16ull << 20, .shm_bytes = 16ull << 20,
                    .agent_path = "/usr/local/bin/kiln-agent" },
    };
    for (int i = 1; i < argc; i++) {
        const char *flag = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(flag, "--nested")) {
            args.mode = MODE_NESTED;
        } else if (!strcmp(flag, "--inner")) {
            args.mode = MODE_INNER;
        } else if (value && !strcmp(flag, "--workspace")) {
            args.workspace = argv[++i];
        } else if (value && !strcmp(flag, "--workspace-mb")) {
            args.nested.workspace_bytes = mebibytes_arg(flag, argv[++i]);
        } else if (value && !strcmp(flag, "--tmp-mb")) {
            args.nested.tmp_bytes = mebibytes_arg(flag, argv[++i]);
        } else if (value && !strcmp(flag, "--shm-mb")) {
            args.nested.shm_bytes = mebibytes_arg(flag, argv[++i]);
        } else {
            log_error("usage: kiln-agent [--workspace DIR] | --nested [--workspace-mb N] [--tmp-mb N] [--shm-mb N] | --inner [--workspace DIR]");
            _exit(2);
        }
    }
    return args;
}

/* P: proves the agent is alive and in sync, echoing the payload. */
static void handle_ping_frame(uint32_t len)
{
    uint8_t payload[MAX_PING];
    if (len > MAX_PING) {
        send_error("P frame longer than %d bytes", MAX_PING);
        in_skip(len);
        return;
    }
    in_read(payload, len);
    send_frame('P', payload, len);
}

/* Inner agent: the sandbox's own filter, then tell the supervisor we're up. */
static void become_inner_agent(void)
{
    eof_exit_code = INNER_EXIT_WORKER_GONE;
    if (install_sandbox_seccomp() < 0) {
        send_error("nested sandbox: seccomp filter: %s", strerror(errno));
        _exit(1);
    }
}

static void signal_inner_ready(void)
{
    struct stat st;
    if (fstat(INNER_READY_FD, &st) < 0 || !S_ISFIFO(st.st_mode))
        return; /* started by hand, not by a supervisor */
    if (write(INNER_READY_FD, "1", 1) < 0)
        log_error("ready pipe: %s", strerror(errno));
    close(INNER_READY_FD);
}

static void handle_frame(void)
{
    uint8_t header[HEADER_BYTES];
    in_read(header, sizeof header);
    uint32_t len = get_be32(header + 1);
    if (len > MAX_FRAME) {
        send_error("frame of %u bytes exceeds the %u byte limit", len, MAX_FRAME);
        die(2);
    }
    switch (header[0]) {
    case 'F': handle_file_frame(len); break;
    case 'S': handle_stdin_frame(len); break;
    case 'E': handle_exec_frame(len); break;
    case 'P': handle_ping_frame(len); break;
    case 'Q': in_skip(len); _exit(0);
    default:
        send_error("unknown frame type 0x%02x", header[0]);
        die(2);
    }
}

int main(int argc, char **argv)
{
    /* Makes /proc/1/fd, /proc/1/environ and ptrace unreachable for the
     * same-uid program, so it can't inject frames into our stdout. */
    prctl(PR_SET_DUMPABLE, 0);
    struct agent_args args = parse_args(argc, argv);
    ensure_standard_fds();
    umask(022);
    if (args.mode == MODE_NESTED) {
        signal(SIGPIPE, SIG_IGN);
        run_nested_supervisor(&args.nested);
    }
    setup_signals();
    is_pid1 = getpid() == 1;
    workspace_fd = open(args.workspace, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (workspace_fd < 0) {
        send_error("workspace %s: %s", args.workspace, strerror(errno));
        return 1;
    }
    if (args.mode == MODE_INNER)
        become_inner_agent();
    send_frame('H', GREETING, strlen(GREETING));
    if (args.mode == MODE_INNER)
        signal_inner_ready();
    for (;;)
        handle_frame();
}
