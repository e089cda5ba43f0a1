/*
 * kiln-agent: PID 1 of every Kiln sandbox container and the only process the
 * worker talks to. The wire protocol (v1) is specified in
 * docs/agent-protocol.md; this file starts the agent and dispatches frames to
 * the files that implement them (agent.h says which file does what).
 *
 * Modes: the default is a sandbox container's agent; `--nested` makes it the
 * supervisor of nested sandboxes (nested-supervisor.c) and `--inner` the agent
 * inside one of them.
 *
 * Build: make -C images/agent OUT=<path of the binary> (images/agent/Makefile)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"

#define GREETING "kiln-agent 1"
/* A ping's payload is echoed; anything longer is refused. */
#define MAX_PING 256

/* ------------------------------------------------------------ start-up */

/* A closed 0/1/2 would be reused by our own pipes and mix up the streams. */
static void ensure_standard_fds(void)
{
    for (int fd = 0; fd < 3; fd++)
        if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) < 0)
            _exit(1);
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
        if (is_live_frame(header[0])) {
            in_skip(len); /* for an interactive exec that has ended meanwhile */
            break;
        }
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
    prepare_exec();
    if (open_workspace(args.workspace) < 0) {
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
