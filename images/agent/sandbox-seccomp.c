/*
 * The nested sandbox's own seccomp filter (nested mode only).
 *
 * The outer container's profile is Kiln's container-mode profile plus
 * exactly what bubblewrap needs to build a sandbox: clone with namespace
 * flags, unshare, mount, umount2 and pivot_root
 * (apps/worker/src/sandbox/seccomp/nested-outer.json). This filter takes
 * those back from everything that runs inside the sandbox, so the program
 * faces the container-mode profile again (the two filters stack: a call must
 * pass both). It also refuses the new mount API, io_uring (refused by the
 * outer profile too: this filter holds even under an operator's outer
 * profile that allows it) and every other ABI than the agent's own (x32,
 * ia32), whose syscall numbers would dodge the checks below.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "agent.h"

#if defined(__x86_64__)
#define AGENT_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define AGENT_AUDIT_ARCH AUDIT_ARCH_AARCH64
#else
#error "kiln-agent's nested seccomp filter knows x86_64 and aarch64 only"
#endif

/* x32 syscalls carry this bit in their number on x86_64. */
#define X32_SYSCALL_BIT 0x40000000u

/* Every namespace flag clone() accepts, CLONE_NEWTIME included. */
#define CLONE_NEW_ANY (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | \
                       CLONE_NEWPID | CLONE_NEWNET | 0x00000080u)

static const long refused[] = {
    SYS_unshare, SYS_setns, SYS_mount, SYS_umount2, SYS_pivot_root, SYS_chroot,
#ifdef SYS_open_tree
    SYS_open_tree, SYS_move_mount, SYS_fsopen, SYS_fsconfig, SYS_fsmount, SYS_fspick,
#endif
#ifdef SYS_mount_setattr
    SYS_mount_setattr,
#endif
    /* The kernel surface behind a long run of privilege escalations. */
    SYS_io_uring_setup, SYS_io_uring_enter, SYS_io_uring_register,
};

#define REFUSED_COUNT (sizeof refused / sizeof refused[0])
#define ERRNO(e) (SECCOMP_RET_ERRNO | ((e) & SECCOMP_RET_DATA))

/* Jump offset from the instruction at `from` to the one at `to`. */
#define HOP(from, to) ((__u8)((to) - (from) - 1))

int install_sandbox_seccomp(void)
{
    /* Layout (R = REFUSED_COUNT):
     *   0 load arch          1 same arch?         2 KILL
     *   3 load nr            4 x32 number? -> DENY
     *   5..5+R-1  refused number? -> DENY
     *   5+R clone3? 6+R ENOSYS
     *   7+R clone? (else ALLOW)  8+R load flags  9+R namespace flag? -> DENY
     *   10+R ALLOW           11+R DENY (EPERM) */
    enum { R = REFUSED_COUNT, ALLOW = 10 + R, DENY = 11 + R, LENGTH = 12 + R };
    struct sock_filter program[LENGTH];
    size_t n = 0;
    program[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
    program[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AGENT_AUDIT_ARCH, 1, 0);
    program[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
    program[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
    program[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, HOP(n, DENY), 0);
    n++;
    for (size_t i = 0; i < R; i++, n++)
        program[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (__u32)refused[i], HOP(n, DENY), 0);
    /* clone3's flags sit in memory BPF can't read: ENOSYS makes libc fall back to clone. */
    program[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone3, 0, 1);
    program[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, ERRNO(ENOSYS));
    program[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 0, HOP(n, ALLOW));
    n++;
    program[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0]));
    program[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_NEW_ANY, HOP(n, DENY), 0);
    n++;
    program[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    program[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, ERRNO(EPERM));
    if (n != LENGTH) {
        log_error("seccomp program has %zu instructions, expected %d", n, (int)LENGTH);
        return -1;
    }
    struct sock_fprog fprog = { .len = (unsigned short)n, .filter = program };
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return -1;
    return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog);
}
