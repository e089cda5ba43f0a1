/*
 * Kept programs (an E with keep=1): started in the background, they outlive
 * the exec that started them, and the execs after it, until their leader
 * exits or a later E names them in stop=. A Kiln session keeps its stateful
 * contexts' interpreters this way (docs/sessions.md).
 *
 * Each kept program leads its own session (exec_child calls setsid), and
 * nothing can join a session from outside it, so "kept" is a property of a
 * session: a process is spared by the end-of-exec kill when its session's
 * leader is a kept program that has not exited. Everything else (the exec's
 * own processes, whatever they started, orphans of an exited kept leader)
 * dies as before. With no kept program the agent kills with kill(-1), as it
 * always did; with some it walks /proc instead (only as PID 1: outside a pid
 * namespace /proc is the host's).
 *
 * An exec may name a kept program to measure (measure_kept=<pid>): what its
 * session used while the exec ran. A context's run is such an exec, and when
 * it is stopped at its limit, the interpreter, still busy, says nothing of
 * its own: this reading is then the only measure of the run
 * (apps/worker/src/sessions/session-runs.ts).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"

/* A stopped kept program's leader is waited for this long at most. */
#define STOP_WAIT_MS 1000

static pid_t kept[MAX_KEPT];
static int kept_total;

int kept_count(void)
{
    return kept_total;
}

int is_kept(pid_t pid)
{
    for (int i = 0; i < kept_total; i++)
        if (kept[i] == pid)
            return 1;
    return 0;
}

int keep_program(pid_t pid)
{
    if (kept_total >= MAX_KEPT)
        return -1;
    kept[kept_total++] = pid;
    return 0;
}

int forget_kept(pid_t pid)
{
    for (int i = 0; i < kept_total; i++) {
        if (kept[i] != pid)
            continue;
        kept[i] = kept[--kept_total];
        return 1;
    }
    return 0;
}

/* /proc/<pid>/<name> as a NUL-terminated text (one read: these files are
 * made whole at open); 0 when the process is gone. */
static int read_proc_text(pid_t pid, const char *name, char *text, size_t size)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, text, size - 1);
    close(fd);
    if (n <= 0)
        return 0;
    text[n] = 0;
    return 1;
}

int read_proc_stat(pid_t pid, struct proc_stat *out)
{
    char text[1024];
    if (!read_proc_text(pid, "stat", text, sizeof text))
        return 0;
    /* The command name may hold spaces and parentheses: the fields start after the last ')'. */
    char *fields = strrchr(text, ')');
    int session;
    unsigned long long utime, stime;
    long long cutime, cstime;
    if (!fields || sscanf(fields + 1, " %c %*d %*d %d %*s %*s %*s %*s %*s %*s %*s %llu %llu %lld %lld", &out->state, &session,
                          &utime, &stime, &cutime, &cstime) != 6)
        return 0;
    out->session = session;
    out->cpu_ticks = utime + stime + (uint64_t)(cutime > 0 ? cutime : 0) + (uint64_t)(cstime > 0 ? cstime : 0);
    return 1;
}

int read_peak_rss_kb(pid_t pid, uint64_t *out)
{
    char text[4096];
    if (!read_proc_text(pid, "status", text, sizeof text))
        return 0;
    /* Its own line, "VmHWM:" and the number in kB: the kernel's hiwater_rss, which ru_maxrss reports too. */
    for (char *line = text; line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        unsigned long long kb;
        if (!strncmp(line, "VmHWM:", 6) && sscanf(line + 6, " %llu", &kb) == 1) {
            *out = kb;
            return 1;
        }
    }
    return 0;
}

/* The session id of a process; -1 when it is gone. */
static pid_t session_of(pid_t pid, char *state_out)
{
    struct proc_stat stat;
    if (!read_proc_stat(pid, &stat))
        return -1;
    if (state_out)
        *state_out = stat.state;
    return stat.session;
}

void each_process(void (*visit)(pid_t pid, void *data), void *data)
{
    DIR *proc = opendir("/proc");
    if (!proc)
        return;
    pid_t self = getpid();
    struct dirent *entry;
    while ((entry = readdir(proc))) {
        char *end;
        long pid = strtol(entry->d_name, &end, 10);
        if (*end || pid <= 0 || pid == self)
            continue;
        visit((pid_t)pid, data);
    }
    closedir(proc);
}

/* Counts every live process outside the kept sessions, and kills it. A
 * zombie is dead already: a kept program that has not reaped its child
 * yet must not hold the exec up. */
static void kill_if_unkept(pid_t pid, void *count)
{
    char state = 0;
    pid_t session = session_of(pid, &state);
    if (session < 0 || is_kept(session) || state == 'Z' || state == 'X')
        return;
    if (kill(pid, SIGKILL) == 0 || errno != ESRCH)
        ++*(int *)count;
}

int kill_unkept(void)
{
    int count = 0;
    each_process(kill_if_unkept, &count);
    return count;
}

static void kill_if_in_session(pid_t pid, void *session)
{
    if (session_of(pid, NULL) == *(pid_t *)session)
        kill(pid, SIGKILL);
}

static uint64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int kept_ended(pid_t leader)
{
    if (!forget_kept(leader))
        return 0;
    each_process(kill_if_in_session, &leader);
    return 1;
}

void stop_kept(pid_t leader)
{
    if (!forget_kept(leader))
        return; /* never kept, or it exited and was reaped already */
    each_process(kill_if_in_session, &leader);
    /* The leader is our child: reap it, so its pid is not mistaken for a live one. */
    for (uint64_t deadline = monotonic_ms() + STOP_WAIT_MS; monotonic_ms() < deadline;) {
        pid_t reaped = waitpid(leader, NULL, WNOHANG);
        if (reaped == leader || (reaped < 0 && errno == ECHILD))
            return;
        struct timespec pause = { 0, 10 * 1000000 };
        nanosleep(&pause, NULL);
    }
}

void stop_all_kept(void)
{
    while (kept_total > 0)
        stop_kept(kept[kept_total - 1]);
}

void kept_measure_start(struct kept_measure *measure, pid_t leader)
{
    *measure = (struct kept_measure){ .leader = is_kept(leader) ? leader : 0 };
    if (measure->leader)
        measure->cpu_start_us = live_cpu_us(leader);
}

uint64_t kept_measure_so_far(const struct kept_measure *measure)
{
    if (!measure->leader || measure->ended || !is_kept(measure->leader))
        return 0;
    uint64_t now_us = live_cpu_us(measure->leader);
    /* A process of the session that the agent reaped (an orphan) leaves the sum: never below 0. */
    return now_us > measure->cpu_start_us ? now_us - measure->cpu_start_us : 0;
}

void kept_measure_end(struct kept_measure *measure)
{
    /* Taken once, as the exec ends: the drain and reaping after it are not the run's. */
    if (!measure->leader || measure->ended)
        return;
    /* A leader that ended during the exec took its CPU with it: nothing to say. */
    if (!is_kept(measure->leader)) {
        measure->ended = 1;
        return;
    }
    measure->cpu_us = kept_measure_so_far(measure);
    measure->ended = 1;
    measure->cpu_known = 1;
    measure->rss_known = read_peak_rss_kb(measure->leader, &measure->peak_rss_kb);
}
