/*
 * The workspace, both ways: F frames from the worker become files in it, and
 * after a collecting exec its regular files go back as F frames. Both walk it
 * without ever following a symlink or opening anything but regular files and
 * directories, since the program may have planted anything there.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"

/* The longest workspace path, in bytes, in F frames both ways: the agent
 * refuses a longer name and collects none (MAX_FILE_NAME_BYTES in
 * apps/worker/src/agent/agent-frames.ts is the same number). */
#define MAX_NAME 255
#define COLLECT_MAX_DEPTH 32
#define COLLECT_MAX_FILES 10000
/* Files, directories and skipped entries together: bounds the walk's time. */
#define COLLECT_MAX_ENTRIES 100000

static int workspace_fd = -1;

int open_workspace(const char *path)
{
    workspace_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return workspace_fd < 0 ? -1 : 0;
}

int enter_workspace(const char *cwd)
{
    return fchdir(workspace_fd) < 0 || chdir(cwd) < 0 ? -1 : 0;
}

/* ------------------------------------------------ F: write a workspace file */

/* Relative, no empty/./.. component, no NUL, <= 255 bytes. */
int valid_relative_path(const char *s, size_t len)
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
        size_t n;
        const uint8_t *taken = in_take(len, &n);
        if (!err)
            err = write_file_bytes(fd, taken, n);
        len -= n;
    }
    return err;
}

void handle_file_frame(uint32_t len)
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
const char *collect_workspace(uint64_t max_bytes, uint64_t report_max, uint64_t *skipped)
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

