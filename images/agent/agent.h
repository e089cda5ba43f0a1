/*
 * What the parts of kiln-agent share. kiln-agent.c speaks the wire protocol
 * (docs/agent-protocol.md); nested-supervisor.c runs one bubblewrap sandbox
 * after another in nested mode; sandbox-seccomp.c is the nested sandboxes'
 * own seccomp filter.
 */
#ifndef KILN_AGENT_H
#define KILN_AGENT_H

#include <stddef.h>

/* Exit status of an inner agent whose worker closed stdin: the supervisor
 * then stops too, instead of starting the next sandbox. */
#define INNER_EXIT_WORKER_GONE 3
/* fd on which bubblewrap hands the inner agent the supervisor's ready pipe. */
#define INNER_READY_FD 3

struct nested_options {
    unsigned long long workspace_bytes, tmp_bytes, shm_bytes;
    const char *agent_path;
};

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void send_frame(char type, const void *payload, size_t len);
void send_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Never returns: loops over fresh sandboxes until the worker goes away. */
void __attribute__((noreturn)) run_nested_supervisor(const struct nested_options *options);

/* Installs the nested sandbox's filter on the calling thread; -1 on failure. */
int install_sandbox_seccomp(void);

#endif
