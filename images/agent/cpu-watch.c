/*
 * The live half of an exec's CPU limit (cpu_ms is "CPU time of each run, all
 * processes together"). wait4's rusage (exec.c, reap_children) tells the agent
 * a process's CPU only once it is reaped, and RLIMIT_CPU is per process and in
 * whole seconds: a program that keeps a few busy processes alive would get
 * their count times the limit. So while an exec runs, exec.c adds what this
 * file reads, the CPU its processes have used so far, to what it reaped, and
 * ends the exec once the sum is past cpu_ms.
 *
 * Counted once: exec.c reaps first and then reads, and the reading is a fresh
 * sum each time, never added up across readings. A process the agent reaped is
 * gone from /proc (its CPU is in the rusage); a process reaped by its own
 * parent is gone too, its CPU now in that parent's cutime/cstime. The one
 * overlap is a child read, then reaped by its parent before the walk reaches
 * that parent: /proc is walked in ascending pid order, parents usually come
 * first, and the window is one walk (well under a millisecond), so the
 * overcount is at most what such children used, and only in that reading.
 *
 * Whose /proc: as PID 1 of the sandbox's pid namespace it is the sandbox's own
 * (the container's under runc; the nested sandbox's fresh one, bwrap --proc,
 * for an --inner agent, which bwrap's --as-pid-1 makes PID 1; gVisor's
 * kernel's under runsc, which fills utime, stime, cutime and cstime too), and
 * every process in it but the agent and the kept sessions is the exec's.
 * Outside a pid namespace (exec.c, kill_program says why the agent can't own
 * every process then) it may be the host's, so only the exec's session is
 * counted: its leader setsid()s, so the sid is its pid, pinned while the
 * leader is unreaped (exec.c stops reading once it is). A process that
 * setsid()s again escapes this count, as it escapes kill(-pgid).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <unistd.h>

#include "agent.h"

struct cpu_sum {
    pid_t session;
    uint64_t ticks;
};

/* A zombie is counted too: its CPU reaches its parent's cutime only when it is reaped. */
static void add_process(pid_t pid, void *data)
{
    struct cpu_sum *sum = data;
    struct proc_stat stat;
    if (!read_proc_stat(pid, &stat))
        return;
    if (sum->session ? stat.session != sum->session : is_kept(stat.session))
        return;
    sum->ticks += stat.cpu_ticks;
}

uint64_t live_cpu_us(pid_t session)
{
    static long ticks_per_s;
    if (ticks_per_s <= 0)
        ticks_per_s = sysconf(_SC_CLK_TCK);
    if (ticks_per_s <= 0)
        ticks_per_s = 100; /* USER_HZ everywhere Linux runs today */
    struct cpu_sum sum = { .session = session };
    each_process(add_process, &sum);
    return sum.ticks * 1000000 / (uint64_t)ticks_per_s;
}
