/*
 * The agent's two streams to the worker (docs/agent-protocol.md): frames out
 * on fd 1, each written whole, and frames in from fd 0 through one fixed
 * buffer, so a big file or stdin is streamed and never held.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"

int eof_exit_code = 0;

/* ------------------------------------------------------------ utilities */

void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

uint32_t get_be32(const uint8_t *p)
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

/* ------------------------------------------------------- frames to fd 1 */

void send_bytes(const void *buf, size_t len)
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
int in_has_room(void) { return in.head > 0 || in.tail < sizeof in.data; }

/* One read(); returns 0 on EOF or a read error, 1 otherwise. */
int in_fill(void)
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

/* EOF while idle or mid-frame both mean the worker is gone: exit with
 * eof_exit_code. */
static size_t in_wait(void)
{
    while (in_buffered() == 0)
        if (!in_fill())
            die(eof_exit_code);
    return in_buffered();
}

const uint8_t *in_take(size_t max, size_t *len)
{
    size_t n = in_wait();
    const uint8_t *taken = in.data + in.head;
    *len = n < max ? n : max;
    in.head += *len;
    return taken;
}

const uint8_t *in_peek(size_t *len)
{
    *len = in_buffered();
    return in.data + in.head;
}

void in_read(void *dst, size_t len)
{
    uint8_t *p = dst;
    while (len > 0) {
        size_t n;
        const uint8_t *taken = in_take(len, &n);
        memcpy(p, taken, n);
        p += n;
        len -= n;
    }
}

void in_skip(size_t len)
{
    while (len > 0) {
        size_t n;
        in_take(len, &n);
        len -= n;
    }
}
