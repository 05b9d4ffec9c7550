/*
 * tn_httpc.c: the tools' minimal blocking HTTP/1.1 client (tn_httpc.h).
 */
#include "tn_httpc.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int tn_httpc_connect(const char *host, int port)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai;
    char ps[16];
    snprintf(ps, sizeof ps, "%d", port);
    if (getaddrinfo(host, ps, &hints, &ai) != 0)
        return -1;
    int fd = socket(ai->ai_family, SOCK_STREAM, 0);
    if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    int one = 1;
    if (fd >= 0)
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Reads one Content-Length framed response into buf. */
static int read_response(int fd, tn_buf *buf, const char **body, size_t *body_len)
{
    tn_buf_reset(buf);
    size_t head_end = 0, need = SIZE_MAX;
    while (!head_end || buf->len < need) {
        tn_buf_reserve(buf, 65536);
        ssize_t r = recv(fd, buf->data + buf->len, buf->cap - buf->len, 0);
        if (r <= 0)
            return -1;
        buf->len += (size_t)r;
        if (head_end)
            continue;
        uint8_t *e = memmem(buf->data, buf->len, "\r\n\r\n", 4);
        if (!e)
            continue;
        head_end = (size_t)(e - buf->data) + 4;
        const char *cl = memmem(buf->data, head_end, "Content-Length:", 15);
        if (!cl)
            cl = memmem(buf->data, head_end, "content-length:", 15);
        if (!cl)
            return -1;
        need = head_end + strtoull(cl + 15, NULL, 10);
    }
    *body = (const char *)buf->data + head_end;
    *body_len = need - head_end;
    return buf->len > 12 ? atoi((const char *)buf->data + 9) : -1;
}

int tn_httpc_request(int fd, const char *head, size_t head_len, const char *body,
                     size_t body_len, tn_buf *resp, const char **out_body,
                     size_t *out_len)
{
    if (send_all(fd, head, head_len) || (body_len && send_all(fd, body, body_len)))
        return -1;
    return read_response(fd, resp, out_body, out_len);
}

int tn_httpc_call(const char *host, int port, const char *method, const char *path,
                  const char *body, size_t body_len, const char *content_type, char **out)
{
    *out = NULL;
    int fd = tn_httpc_connect(host, port);
    if (fd < 0)
        return -1;
    char head[1024];
    int n = snprintf(head, sizeof head,
                     "%s %s HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: %s\r\n"
                     "Content-Length: %zu\r\n\r\n",
                     method, path, host, port, content_type ? content_type : "application/json",
                     body ? body_len : 0);
    tn_buf resp = {0};
    const char *b;
    size_t blen;
    int st = n > 0 && (size_t)n < sizeof head
           ? tn_httpc_request(fd, head, (size_t)n, body, body ? body_len : 0, &resp, &b, &blen)
           : -1;
    if (st >= 0)
        *out = tn_strndup(b, blen);
    tn_buf_free(&resp);
    close(fd);
    return st;
}
