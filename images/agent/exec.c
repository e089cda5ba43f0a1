/*
 * S and E frames: the program's stdin, then one exec of it, from the request
 * to the R frame. The program is hostile: its output is drained without bound
 * on time but with a bound on memory, its limits are set before it starts,
 * and every process it made is killed and reaped before the result is sent,
 * but for the kept programs (keep=1, kept.c) and what they started.
 *
 * An interactive exec (interactive=1) keeps the program's stdin a pipe for
 * its whole run: I frames append to it, D ends it, K signals the program;
 * the agent takes them from the worker while the program runs. An exec's
 * nonce (nonce=...) is echoed in its R (and its X), so the worker can tell
 * the agent's answer from one a program forged into the stream.
 */
#define _GNU_SOURCE
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"

/* At most this many N frames per exec, whatever skipped_max asks. */
#define MAX_SKIPPED_REPORTED 1024
#define MAX_TIMEOUT_MS 1000000000000ull
/* While killing, re-send SIGKILL this often until every process is reaped. */
#define KILL_POLL_MS 20
/* Outside a pid namespace escaped processes may hold the pipes forever. */
#define NON_PID1_DRAIN_MS 1000
/* While an exec runs, the CPU of its live processes is read this often
 * (cpu-watch.c): it may run past cpu_ms by about this much per busy CPU. */
#define CPU_WATCH_MS 25
/* Set to "off" in the agent's own environment, it stops that reading, leaving
 * cpu_ms to RLIMIT_CPU (per process) and the rusage of reaped processes. Kiln
 * never sets it: it is there so the sandbox-rules test can show the rule is
 * load-bearing (test/security/sandbox-rules.e2e-spec.ts). Only the container's
 * creator can: the environment is fixed when the container is made, and
 * programs get the E's env, never the agent's. */
#define CPU_WATCH_ENV "KILN_AGENT_CPU_WATCH"

extern char **environ;

static int signal_fd = -1;
static int is_pid1;
static int cpu_watch_off;
/* The exec in progress, for killing it on a fatal error; 0 when idle. */
static pid_t running_pid;
static int running_reaped;
/* The nonce of the E being handled (echoed in its R and X); NULL: none given. */
static const char *exec_nonce;

/* ------------------------------------------------------------ utilities */

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Outside a pid namespace kill(-1) would hit every process of our uid on the
 * host, so only PID 1 may use it; otherwise the program's group is the best
 * we can do, and only while its leader is unreaped (so the pgid can't have
 * been recycled by an unrelated process). As PID 1 with kept programs, every
 * process but theirs (kept.c). */
static void kill_program(void)
{
    if (!running_pid)
        return;
    if (is_pid1 && kept_count() > 0)
        kill_unkept();
    else if (is_pid1)
        kill(-1, SIGKILL);
    else if (!running_reaped)
        kill(-running_pid, SIGKILL);
}

void __attribute__((noreturn)) die(int code)
{
    kill_program();
    /* As PID 1 our exit ends the namespace; outside one, nothing else would end them. */
    stop_all_kept();
    _exit(code);
}

/* ------------------------------------------------------------- signals */

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

/* Before the first frame: SIGCHLD arrives on a signalfd (exec_step polls it),
 * whether kill(-1) is ours to use (kill_program) is known, and whether the
 * live CPU watch was switched off (CPU_WATCH_ENV). */
void prepare_exec(void)
{
    setup_signals();
    is_pid1 = getpid() == 1;
    const char *watch = getenv(CPU_WATCH_ENV);
    cpu_watch_off = watch && !strcmp(watch, "off");
}

/* ------------------------------------------------------ S: stdin buffer */

static uint8_t *stdin_data;
static size_t stdin_len, stdin_cap;

void handle_stdin_frame(uint32_t len)
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
    /* stop: a kept program's pid, ended before this exec runs (0: none). */
    uint64_t stop;
    /* measure_kept: a kept program's pid whose use during this exec the R reports (0: none). */
    uint64_t measure_kept;
    int collect;
    /* Started in the background and kept after this exec (kept.c). */
    int keep;
    /* stdin stays open for I frames until a D frame; K frames signal the program. */
    int interactive;
    const char *nonce;
};

static const struct { const char *key; size_t offset; } number_keys[] = {
    { "timeout_ms", offsetof(struct exec_request, timeout_ms) },
    { "cpu_ms", offsetof(struct exec_request, cpu_ms) },
    { "output_bytes", offsetof(struct exec_request, output_bytes) },
    { "fsize_bytes", offsetof(struct exec_request, fsize_bytes) },
    { "nofile", offsetof(struct exec_request, nofile) },
    { "collect_max_bytes", offsetof(struct exec_request, collect_max_bytes) },
    { "skipped_max", offsetof(struct exec_request, skipped_max) },
    { "stop", offsetof(struct exec_request, stop) },
    { "measure_kept", offsetof(struct exec_request, measure_kept) },
};

int parse_u64(const char *s, uint64_t *out)
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

static int valid_nonce(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > MAX_NONCE)
        return 0;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '-' || *s == '_'))
            return 0;
    return 1;
}

/* An X answering the E being handled: with its nonce first, when it has one. */
static void __attribute__((format(printf, 1, 2))) send_exec_error(const char *fmt, ...)
{
    char text[512];
    int n = exec_nonce ? snprintf(text, sizeof text, "nonce=%s\n", exec_nonce) : 0;
    va_list ap;
    va_start(ap, fmt);
    n += vsnprintf(text + n, sizeof text - n, fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof text)
        n = sizeof text - 1;
    log_error("%s", text);
    send_frame('X', text, n);
}

/* Before parsing: the E's nonce, if it names a valid one, for the X of a malformed E. */
static const char *find_nonce(char *payload, size_t len)
{
    if (len == 0 || payload[len - 1] != 0)
        return NULL;
    for (char *p = payload; p < payload + len;) {
        char *key = p;
        p += strlen(p) + 1;
        if (p >= payload + len)
            return NULL;
        char *value = p;
        p += strlen(p) + 1;
        if (!strcmp(key, "nonce"))
            return valid_nonce(value) ? value : NULL;
    }
    return NULL;
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
    if (!strcmp(key, "interactive")) {
        req->interactive = value[0] == '1';
        return strcmp(value, "0") && strcmp(value, "1") ? "interactive must be 0 or 1" : NULL;
    }
    if (!strcmp(key, "nonce")) {
        req->nonce = value;
        return valid_nonce(value) ? NULL : "nonce must be 1 to 64 letters, digits, - or _";
    }
    if (!strcmp(key, "keep")) {
        req->keep = value[0] == '1';
        return strcmp(value, "0") && strcmp(value, "1") ? "keep must be 0 or 1" : NULL;
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
    if (req->keep && req->collect)
        return "keep and collect exclude each other";
    if (req->keep && req->interactive)
        return "keep and interactive exclude each other";
    if (req->stop > INT32_MAX)
        return "E key stop: bad pid";
    if (req->measure_kept > INT32_MAX)
        return "E key measure_kept: bad pid";
    if (req->keep && req->measure_kept)
        return "keep and measure_kept exclude each other";
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
    if (enter_workspace(req->cwd) < 0)
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
    /* When the live processes' CPU is read next (CPU_WATCH_MS; cpu_over_limit),
     * and the most reaped + live CPU any reading saw. */
    uint64_t next_watch_ms, cpu_seen_us;
    /* What the measured kept program (measure_kept) used so far in this exec, at the last watch. */
    uint64_t kept_seen_us;
    int killing, main_reaped, no_children, main_status;
    /* interactive: the worker ended stdin (D) */
    int stdin_ended;
    uint64_t cpu_us, max_rss_kb, stdout_bytes, stderr_bytes, forwarded;
    int timed_out, cpu_limited, output_limited, saw_sigxcpu;
    char exec_error[160];
    struct kept_measure measure;
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

/* A kept program reads and writes nothing of the exec's: its stdio is /dev/null. */
static int spawn_kept(struct exec_run *run)
{
    int report[2] = { -1, -1 };
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0 || pipe2(report, O_CLOEXEC) < 0 || (run->pid = fork()) < 0) {
        send_exec_error("cannot start program: %s", strerror(errno));
        if (null >= 0)
            close(null);
        if (report[0] >= 0) {
            close(report[0]);
            close(report[1]);
        }
        return -1;
    }
    if (run->pid == 0)
        exec_child(run->req, null, null, null, report[1]);
    close(null);
    close(report[1]);
    read_child_report(report[0], run->exec_error, sizeof run->exec_error);
    close(report[0]);
    return 0;
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
    send_exec_error("cannot start program: %s", strerror(errno));
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
    kept_measure_end(&run->measure); /* the exec's end: its program exited, or a limit stops it */
    /* Killed first: an EOF sent before the SIGKILL wakes the program, which
     * may run on (on this CPU the scheduler can prefer it to us) and print,
     * or exit 1, after its limit. */
    kill_program();
    close_fd(&run->stdin_fd);
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
    if (run->stdin_sent < stdin_len)
        return;
    if (run->req->interactive && !run->stdin_ended) { /* caught up: the buffer takes the next I */
        run->stdin_sent = stdin_len = 0;
        return;
    }
    close_fd(&run->stdin_fd); /* EOF tells the program there is no more */
}

/* ---------------------------------------- I, D, K: an interactive exec */

int is_live_frame(uint8_t type)
{
    return type == 'I' || type == 'D' || type == 'K';
}

static void append_stdin(const uint8_t *data, size_t len)
{
    if (stdin_len + len > stdin_cap) {
        size_t cap = stdin_len + len;
        uint8_t *grown = realloc(stdin_data, cap);
        if (!grown)
            return; /* dropped: the program reads less than was sent (the worker bounds what it sends) */
        stdin_data = grown;
        stdin_cap = cap;
    }
    memcpy(stdin_data + stdin_len, data, len);
    stdin_len += len;
}

/* K: a signal number in decimal, sent to the program's session (its leader
 * setsid()s, so the pgid is its pid) while its leader is unreaped. */
static void signal_program(struct exec_run *run, const uint8_t *payload, size_t len)
{
    char text[8];
    uint64_t sig;
    if (len == 0 || len >= sizeof text)
        return;
    memcpy(text, payload, len);
    text[len] = 0;
    if (!parse_u64(text, &sig) || sig < 1 || sig > 64 || run->main_reaped || run->killing)
        return;
    kill(-run->pid, (int)sig);
}

/* One whole I/D/K frame at the head of the input, handled; 0 when there is
 * none (a partial frame, another type: left for after the R, as every frame
 * was before interactive execs), or while earlier stdin is still being
 * written (so a program that does not read holds back the worker, not our
 * memory). */
static int take_live_frame(struct exec_run *run)
{
    size_t buffered;
    const uint8_t *head = in_peek(&buffered);
    if (buffered < HEADER_BYTES || !is_live_frame(head[0]))
        return 0;
    uint32_t len = get_be32(head + 1);
    if (len > MAX_LIVE_STDIN || buffered < HEADER_BYTES + len)
        return 0;
    if (head[0] == 'I' && run->stdin_fd >= 0 && stdin_len > run->stdin_sent)
        return 0;
    uint8_t type = head[0];
    size_t got;
    in_take(HEADER_BYTES, &got);
    const uint8_t *payload = len ? in_take(len, &got) : NULL;
    if (type == 'I' && run->stdin_fd >= 0 && !run->stdin_ended) {
        append_stdin(payload, len);
    } else if (type == 'D') {
        run->stdin_ended = 1;
        if (stdin_len == run->stdin_sent)
            close_fd(&run->stdin_fd);
    } else if (type == 'K') {
        signal_program(run, payload, len);
    }
    return 1;
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
            break;
        /* A kept program that ended during this exec: not this exec's, and no longer kept. */
        if (kept_ended(pid))
            continue;
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
    /* Kept programs stay our children: the exec's own are all gone once nothing unkept is left. */
    if (is_pid1 && kept_count() > 0 && run->killing && run->main_reaped && kill_unkept() == 0)
        run->no_children = 1;
}

/* What was reaped plus, every CPU_WATCH_MS, what the live processes used so
 * far (cpu-watch.c), read fresh after reap_children so that nothing is counted
 * twice. Outside a pid namespace only the exec's session counts, and only
 * while its leader is unreaped (enforce_limits kills at once when it is).
 * The kept program an exec measures (a context's interpreter, which does the
 * run's work) counts against the limit too, from the exec's start; it stays
 * out of the exec's own cpu_ms, which the R reports apart (kept_cpu_ms). */
static int cpu_over_limit(struct exec_run *run, uint64_t now)
{
    uint64_t used = run->cpu_us;
    if (!cpu_watch_off && now >= run->next_watch_ms) {
        run->next_watch_ms = now + CPU_WATCH_MS;
        used += live_cpu_us(is_pid1 ? 0 : run->pid);
        if (used > run->cpu_seen_us)
            run->cpu_seen_us = used;
        run->kept_seen_us = kept_measure_so_far(&run->measure);
    }
    return (used + run->kept_seen_us) / 1000 > run->req->cpu_ms;
}

static void enforce_limits(struct exec_run *run)
{
    uint64_t now = now_ms();
    if (!run->killing) {
        if (run->main_reaped) {
            start_kill(run); /* nothing the program started may outlive it */
        } else if (cpu_over_limit(run, now)) {
            run->cpu_limited = 1;
            start_kill(run);
        } else if (now >= run->deadline_ms) {
            run->timed_out = 1;
            start_kill(run);
        }
    }
    if (run->killing) {
        kill_program(); /* again: catches anything forked meanwhile */
        /* Escaped processes (not PID 1) or kept ones may hold the pipes for ever. */
        if ((!is_pid1 || kept_count() > 0) && now >= run->kill_started_ms + NON_PID1_DRAIN_MS) {
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
    uint64_t wake = run->deadline_ms;
    if (!cpu_watch_off && run->next_watch_ms < wake)
        wake = run->next_watch_ms; /* an exec that ends before its first reading never wakes for it */
    uint64_t left = wake > now ? wake - now : 0;
    return left > 60000 ? 60000 : (int)left;
}

enum { SLOT_WORKER, SLOT_SIGNALS, SLOT_STDIN, SLOT_STDOUT, SLOT_STDERR, SLOTS };

static void take_live_frames(struct exec_run *run)
{
    if (run->req->interactive)
        while (take_live_frame(run)) {
        }
}

static void exec_step(struct exec_run *run)
{
    take_live_frames(run); /* some may have come with the E, before the program started */
    struct pollfd slot[SLOTS] = {
        [SLOT_WORKER] = { .fd = in_has_room() ? 0 : -1, .events = POLLIN },
        [SLOT_SIGNALS] = { .fd = signal_fd, .events = POLLIN },
        /* An interactive program's stdin is polled only while there is something to write. */
        [SLOT_STDIN] = { .fd = stdin_len > run->stdin_sent ? run->stdin_fd : -1, .events = POLLOUT },
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
    take_live_frames(run);
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

/* ------------------------------------------------------- running an exec */

static void send_result(const struct exec_run *run, int oom_killed, const char *collect_error, uint64_t skipped,
                        pid_t kept_pid)
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
    if (kept_pid > 0)
        n += snprintf(text + n, sizeof text - n, "pid=%d\n", (int)kept_pid);
    if (run->measure.cpu_known)
        n += snprintf(text + n, sizeof text - n, "kept_cpu_ms=%llu\n", (unsigned long long)(run->measure.cpu_us / 1000));
    if (run->measure.rss_known)
        n += snprintf(text + n, sizeof text - n, "kept_max_rss_kb=%llu\n", (unsigned long long)run->measure.peak_rss_kb);
    if (run->req->nonce)
        n += snprintf(text + n, sizeof text - n, "nonce=%s\n", run->req->nonce);
    send_frame('R', text, n);
}

static void reap_strays(void)
{
    pid_t pid;
    while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
        kept_ended(pid);
}

/* keep=1: started, and answered at once (with its pid) unless it could not be executed. */
static void run_kept(const struct exec_request *req)
{
    struct exec_run run = { .req = req, .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1 };
    if (kept_count() >= MAX_KEPT) {
        send_exec_error("keep: at most %d programs are kept at once", MAX_KEPT);
        return;
    }
    run.started_ms = run.ended_ms = now_ms();
    if (spawn_kept(&run) < 0)
        return;
    if (run.exec_error[0]) {
        waitpid(run.pid, &run.main_status, 0);
        send_result(&run, 0, "", 0, 0);
        return;
    }
    keep_program(run.pid);
    send_result(&run, 0, "", 0, run.pid);
}

static void run_exec(const struct exec_request *req)
{
    struct exec_run run = { .req = req, .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1 };
    reap_strays(); /* so their usage isn't billed to this exec */
    if (req->stop)
        stop_kept((pid_t)req->stop);
    if (req->keep) {
        run_kept(req);
        return;
    }
    long long oom_before = read_oom_kills();
    run.started_ms = now_ms();
    run.deadline_ms = run.started_ms + req->timeout_ms;
    run.next_watch_ms = run.started_ms + CPU_WATCH_MS;
    kept_measure_start(&run.measure, (pid_t)req->measure_kept);
    if (spawn_program(&run) < 0)
        return;
    running_pid = run.pid;
    running_reaped = 0;
    if (stdin_len == 0 && !req->interactive)
        close_fd(&run.stdin_fd);
    while (!exec_finished(&run))
        exec_step(&run);
    running_pid = 0;
    /* Outside a pid namespace the processes killed with the group are
     * reparented to the real init and reaped there: their CPU reached us only
     * through the watch. As PID 1 the reaped sum is never below a reading. */
    if (run.cpu_seen_us > run.cpu_us)
        run.cpu_us = run.cpu_seen_us;

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
    send_result(&run, oom_killed, collect_error, skipped, 0);
}

void handle_exec_frame(uint32_t len)
{
    char *payload = malloc(len + 1);
    if (!payload) {
        send_error("E frame: out of memory");
        in_skip(len);
        clear_stdin();
        return;
    }
    in_read(payload, len);
    exec_nonce = find_nonce(payload, len);
    struct exec_request req = { 0 };
    const char *problem = parse_exec_request(payload, len, &req);
    if (problem)
        send_exec_error("%s", problem);
    else
        run_exec(&req);
    exec_nonce = NULL;
    free(req.argv);
    free(req.envp);
    free(payload);
    clear_stdin();
}
