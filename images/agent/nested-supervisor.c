/*
 * Nested mode (`kiln-agent --nested ...`): PID 1 of a long-lived outer
 * container that runs one bubblewrap sandbox after another, each holding a
 * fresh inner agent (`kiln-agent --inner`) that serves exactly one task.
 *
 * The inner agent talks to the worker directly over the container's stdin
 * and stdout (inherited through bwrap); this supervisor never reads them.
 * The worker sends the next task's frames only after the next sandbox's `H`,
 * so no byte meant for one sandbox can reach another. Between two sandboxes
 * the supervisor kills every process left in the container (it is PID 1, so
 * kill(-1) reaches all of them) and reaps them before starting the next.
 *
 * Each sandbox gets every namespace anew (user, pid, mount, network, IPC,
 * UTS, cgroup), user namespaces disabled inside, a fresh /proc with Docker's
 * masked and read-only paths re-applied, fresh size-capped tmpfs for the
 * workspace, /tmp and /dev/shm, a new session (no terminal to inject into),
 * and the inner agent's own seccomp filter (sandbox-seccomp.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent.h"

#define BWRAP "/usr/bin/bwrap"
#define MAX_ARGS 160

/* Docker's default MaskedPaths and ReadonlyPaths (moby oci/defaults.go).
 * The outer container runs with systempaths=unconfined (bwrap can't mount a
 * fresh /proc under Docker's masks), so the sandbox puts them back. */
static const char *const masked_paths[] = {
    "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
    "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
    "/sys/devices/virtual/powercap",
};
/* bwrap's --proc already binds sys, sysrq-trigger, irq and bus read-only
 * over themselves; /proc/fs is the one of Docker's ReadonlyPaths left. */
static const char *const readonly_paths[] = { "/proc/fs" };

struct argv_builder {
    const char *argv[MAX_ARGS + 1];
    int count;
    char numbers[3][24];
};

static void add(struct argv_builder *b, const char *arg)
{
    if (b->count >= MAX_ARGS) {
        log_error("bwrap command line too long");
        _exit(1);
    }
    b->argv[b->count++] = arg;
    b->argv[b->count] = NULL;
}

static void add_tmpfs(struct argv_builder *b, int slot, unsigned long long bytes, const char *perms, const char *path)
{
    snprintf(b->numbers[slot], sizeof b->numbers[slot], "%llu", bytes);
    add(b, "--size"); add(b, b->numbers[slot]);
    add(b, "--perms"); add(b, perms);
    add(b, "--tmpfs"); add(b, path);
}

/* The outer /proc shows the same kernel's paths as the sandbox's new one. */
static void add_masks(struct argv_builder *b)
{
    struct stat st;
    for (size_t i = 0; i < sizeof masked_paths / sizeof masked_paths[0]; i++) {
        const char *path = masked_paths[i];
        if (stat(path, &st) < 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            add(b, "--perms"); add(b, "0555");
            add(b, "--tmpfs"); add(b, path);
            add(b, "--remount-ro"); add(b, path);
        } else {
            add(b, "--ro-bind"); add(b, "/dev/null"); add(b, path);
        }
    }
    for (size_t i = 0; i < sizeof readonly_paths / sizeof readonly_paths[0]; i++) {
        if (stat(readonly_paths[i], &st) < 0)
            continue;
        add(b, "--ro-bind"); add(b, readonly_paths[i]); add(b, readonly_paths[i]);
    }
}

static void build_bwrap_argv(struct argv_builder *b, const struct nested_options *o)
{
    b->count = 0;
    add(b, BWRAP);
    add(b, "--unshare-all"); add(b, "--unshare-user"); add(b, "--disable-userns");
    add(b, "--die-with-parent"); add(b, "--new-session"); add(b, "--as-pid-1");
    add(b, "--ro-bind"); add(b, "/"); add(b, "/");
    add(b, "--proc"); add(b, "/proc");
    add(b, "--dev"); add(b, "/dev");
    add_masks(b);
    add_tmpfs(b, 0, o->tmp_bytes, "1777", "/tmp");
    add_tmpfs(b, 1, o->shm_bytes, "1777", "/dev/shm");
    add_tmpfs(b, 2, o->workspace_bytes, "0700", "/workspace");
    add(b, "--chdir"); add(b, "/workspace");
    add(b, "--");
    add(b, o->agent_path); add(b, "--inner"); add(b, "--workspace"); add(b, "/workspace");
}

/* Starts one sandbox; its inner agent inherits fds 0-2 and the ready pipe. */
static pid_t start_sandbox(const struct argv_builder *b, int ready_write)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (dup2(ready_write, INNER_READY_FD) < 0)
        _exit(127);
    execv(BWRAP, (char *const *)b->argv);
    log_error("exec %s: %s", BWRAP, strerror(errno));
    _exit(127);
}

/* Kills whatever is left in the container and reaps it all; returns the
 * status of `sandbox`. */
static int end_sandbox(pid_t sandbox)
{
    int sandbox_status = 0, status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, 0)) != sandbox) {
        if (pid < 0 && errno != EINTR) {
            log_error("waitpid: %s", strerror(errno));
            _exit(1);
        }
    }
    sandbox_status = status;
    kill(-1, SIGKILL);
    while ((pid = waitpid(-1, &status, 0)) > 0 || (pid < 0 && errno == EINTR)) {
    }
    return sandbox_status;
}

/* 1 once the inner agent said it is up, 0 when bwrap failed before that. */
static int wait_ready(int ready_read)
{
    char byte;
    ssize_t n;
    while ((n = read(ready_read, &byte, 1)) < 0 && errno == EINTR) {
    }
    return n == 1;
}

void run_nested_supervisor(const struct nested_options *options)
{
    static struct argv_builder b;
    /* kill(-1) below is only confined to the container when we are its init. */
    if (getpid() != 1) {
        log_error("--nested must run as PID 1 of its container");
        _exit(2);
    }
    /* Only the inner agents take signals' children; SIGCHLD stays default. */
    signal(SIGCHLD, SIG_DFL);
    build_bwrap_argv(&b, options);
    for (;;) {
        int ready[2];
        if (pipe2(ready, O_CLOEXEC) < 0) {
            send_error("nested sandbox: pipe: %s", strerror(errno));
            _exit(1);
        }
        pid_t sandbox = start_sandbox(&b, ready[1]);
        close(ready[1]);
        if (sandbox < 0) {
            send_error("nested sandbox: fork: %s", strerror(errno));
            _exit(1);
        }
        int started = wait_ready(ready[0]);
        close(ready[0]);
        int status = end_sandbox(sandbox);
        if (!started) {
            /* bwrap's own message went to stderr, the worker's diagnostics. */
            send_error("nested sandbox could not be created (bwrap exit status %d); "
                       "the host may forbid unprivileged user namespaces",
                       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
            _exit(1);
        }
        if (WIFEXITED(status) && WEXITSTATUS(status) == INNER_EXIT_WORKER_GONE)
            _exit(0);
    }
}
