/*
 * What the parts of kiln-agent share, and only that: everything else stays
 * static in its file. The agent speaks the wire protocol
 * (docs/agent-protocol.md): main.c starts it and dispatches frames, frames.c
 * carries them, workspace.c handles F (files in, files collected back),
 * exec.c S and E (stdin, one exec, its R) and, during an interactive
 * exec, I, D and K (live stdin, its end, a signal), kept.c the programs an E keeps
 * running after it (keep=1) and what an exec measures of one (measure_kept),
 * cpu-watch.c the CPU its live processes used so
 * far (for cpu_ms). nested-supervisor.c runs one
 * bubblewrap sandbox after another in nested mode; sandbox-seccomp.c is the
 * nested sandboxes' own seccomp filter.
 */
#ifndef KILN_AGENT_H
#define KILN_AGENT_H

#include <stddef.h>
#include <stdint.h>

/* A frame is a type byte, a big-endian 32-bit payload length, the payload. */
#define HEADER_BYTES 5
#define MAX_FRAME (256u << 20)
/* Program output read (and sent as one O or E frame) at a time. */
#define OUTPUT_CHUNK (32u << 10)
/* File contents and stdin moved at a time. */
#define FILE_CHUNK (64u << 10)
/* Largest I frame (live stdin) payload: a whole frame must fit the input buffer. */
#define MAX_LIVE_STDIN (32u << 10)
/* Longest exec nonce (E key nonce, echoed in R and in the E's X). */
#define MAX_NONCE 64

/* Exit status of an inner agent whose worker closed stdin: the supervisor
 * then stops too, instead of starting the next sandbox. */
#define INNER_EXIT_WORKER_GONE 3
/* fd on which bubblewrap hands the inner agent the supervisor's ready pipe. */
#define INNER_READY_FD 3

/* ---------------------------------------------------------------- frames.c */

/* Exit status when the worker closes stdin (the inner agent's differs). */
extern int eof_exit_code;

void put_be32(uint8_t *p, uint32_t v);
uint32_t get_be32(const uint8_t *p);
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Frames to the worker; a failed write is fatal (die). */
void send_bytes(const void *buf, size_t len);
void send_frame(char type, const void *payload, size_t len);
void send_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Bytes from the worker; EOF, even mid-frame, is die(eof_exit_code). */
int in_has_room(void);
int in_fill(void);
void in_read(void *dst, size_t len);
/* What is buffered from the worker, without consuming it (never reads). */
const uint8_t *in_peek(size_t *len);
void in_skip(size_t len);
/* Consumes up to max buffered bytes (at least one, waiting for it) and
 * returns where they are; valid until the next read from the worker. */
const uint8_t *in_take(size_t max, size_t *len);

/* ------------------------------------------------------------- workspace.c */

/* -1 with errno set when the directory cannot be opened. */
int open_workspace(const char *path);
/* The child's chdir to cwd (relative to the workspace); -1 on failure. */
int enter_workspace(const char *cwd);
/* Relative, no empty/./.. component, no NUL, <= 255 bytes (MAX_NAME). */
int valid_relative_path(const char *s, size_t len);
void handle_file_frame(uint32_t len);
/* "" when the workspace's files were sent as F frames, else R's collect_error. */
const char *collect_workspace(uint64_t max_bytes, uint64_t report_max, uint64_t *skipped);

/* ------------------------------------------------------------------ exec.c */

/* Once, before the first frame. */
void prepare_exec(void);
/* Kills the exec in progress, if any, then exits. */
void __attribute__((noreturn)) die(int code);
/* Decimal digits only, no overflow; 0 when s is not such a number. */
int parse_u64(const char *s, uint64_t *out);
void handle_stdin_frame(uint32_t len);
void handle_exec_frame(uint32_t len);
/* I, D or K outside an interactive exec (late, the exec ended): dropped. */
int is_live_frame(uint8_t type);

/* ------------------------------------------------------------------ kept.c */

#include <sys/types.h>

/* Kept programs at once (keep=1 beyond it is an X). */
#define MAX_KEPT 8

int kept_count(void);
/* Whether pid leads a kept program's session. */
int is_kept(pid_t pid);
/* -1 when MAX_KEPT are kept already. */
int keep_program(pid_t pid);
/* 1 if pid was kept (its leader exited, or it was stopped). */
int forget_kept(pid_t pid);
/* A kept leader was reaped: 1 if it was kept, and then the rest of its session is killed. */
int kept_ended(pid_t leader);
/* SIGKILL to every process but the agent and the kept sessions; how many were signalled. */
int kill_unkept(void);
/* No longer kept: every process of its session is killed and the leader reaped. */
void stop_kept(pid_t leader);
void stop_all_kept(void);
/* What a kept program's session used during one exec (measure_kept=<pid>):
 * its CPU from the exec's start to its end (live_cpu_us of the session, read
 * twice) and its leader's peak RSS at the end. Nothing is known when the pid
 * was not kept as the exec began, or its leader ended during the exec. */
struct kept_measure {
    pid_t leader; /* 0: nothing to measure */
    int ended, cpu_known, rss_known;
    uint64_t cpu_start_us, cpu_us, peak_rss_kb;
};
void kept_measure_start(struct kept_measure *measure, pid_t leader);
/* What the measured program's session used since the exec began (0: nothing to measure, or ended). */
uint64_t kept_measure_so_far(const struct kept_measure *measure);
/* At the exec's end (its first call counts, later ones do nothing). */
void kept_measure_end(struct kept_measure *measure);
/* Calls visit(pid) for every process in /proc but the agent itself (cpu-watch.c uses it too). */
void each_process(void (*visit)(pid_t pid, void *data), void *data);
/* What /proc/<pid>/stat says of a process: its state, its session, and
 * utime+stime+cutime+cstime in clock ticks. 0 when it is gone. */
struct proc_stat {
    char state;
    pid_t session;
    uint64_t cpu_ticks;
};
int read_proc_stat(pid_t pid, struct proc_stat *out);
/* A process's peak resident memory (VmHWM of /proc/<pid>/status) in KiB; 0 when it is gone or the line is missing. */
int read_peak_rss_kb(pid_t pid, uint64_t *out);

/* ------------------------------------------------------------- cpu-watch.c */

/* CPU time (us) used so far by the processes still in /proc (running or
 * zombie), with the children each reaped itself: with session 0 every
 * process but the agent and the kept sessions', else that session's only. */
uint64_t live_cpu_us(pid_t session);

/* ------------------------------------------------------- nested-supervisor.c */

struct nested_options {
    unsigned long long workspace_bytes, tmp_bytes, shm_bytes;
    const char *agent_path;
};

/* Never returns: loops over fresh sandboxes until the worker goes away. */
void __attribute__((noreturn)) run_nested_supervisor(const struct nested_options *options);

/* --------------------------------------------------------- sandbox-seccomp.c */

/* Installs the nested sandbox's filter on the calling thread; -1 on failure. */
int install_sandbox_seccomp(void);

#endif
