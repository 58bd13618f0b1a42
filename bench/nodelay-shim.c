/*
 * nodelay-shim.c - LD_PRELOAD library for qemu-storage-daemon 7.2 in bench/side-by-side.sh.
 *
 * QEMU's NBD server sets TCP_NODELAY on accepted sockets only since 8.0 ("nbd/server: Request
 * TCP_NODELAY"). Without it, with several requests in flight, Nagle's algorithm and the
 * client's delayed ACK hold replies back for ~40 ms, which would measure a long-fixed bug
 * instead of the block layer. Shear sets TCP_NODELAY itself; this shim gives QEMU the same.
 *
 * It wraps accept() and accept4(): every accepted TCP stream socket gets TCP_NODELAY. When
 * NODELAY_SHIM_LOG is set, each success is reported on stderr, so the benchmark can check that
 * the shim was really active.
 *
 * Build: gcc -shared -fPIC -O2 -o nodelay-shim.so nodelay-shim.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

static void set_nodelay(int fd)
{
    struct sockaddr_storage addr;
    socklen_t addr_len = sizeof(addr);
    int type = 0;
    socklen_t type_len = sizeof(type);
    int on = 1;

    if (fd < 0 || getsockname(fd, (struct sockaddr *)&addr, &addr_len) != 0)
        return;
    if (addr.ss_family != AF_INET && addr.ss_family != AF_INET6)
        return;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &type_len) != 0 || type != SOCK_STREAM)
        return;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) == 0) {
        if (getenv("NODELAY_SHIM_LOG"))
            fprintf(stderr, "nodelay-shim: TCP_NODELAY set on accepted fd %d\n", fd);
    } else {
        perror("nodelay-shim: setsockopt(TCP_NODELAY)");
    }
}

int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
    static int (*next)(int, struct sockaddr *, socklen_t *);
    if (!next)
        next = (int (*)(int, struct sockaddr *, socklen_t *))dlsym(RTLD_NEXT, "accept");
    int conn = next(fd, addr, len);
    set_nodelay(conn);
    return conn;
}

int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
    static int (*next)(int, struct sockaddr *, socklen_t *, int);
    if (!next)
        next = (int (*)(int, struct sockaddr *, socklen_t *, int))dlsym(RTLD_NEXT, "accept4");
    int conn = next(fd, addr, len, flags);
    set_nodelay(conn);
    return conn;
}
