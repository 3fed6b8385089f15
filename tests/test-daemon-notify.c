/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helper for the daemon tests (not a test itself): plays systemd's side of sd_notify.
 *   test-daemon-notify SOCKET-PATH SECONDS
 * Binds a datagram socket at SOCKET-PATH and prints every message it receives, each
 * followed by a line "--", until a message holds STOPPING=1 or SECONDS pass.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

int main(int argc, char **argv) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = -1;
        char buf[4096];
        time_t end;

        if (argc != 3 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
                fprintf(stderr, "usage: test-daemon-notify SOCKET-PATH SECONDS\n");
                return 2;
        }
        strcpy(sa.sun_path, argv[1]);
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                perror("test-daemon-notify");
                return 2;
        }
        setvbuf(stdout, NULL, _IOLBF, 0);
        end = time(NULL) + atoi(argv[2]);
        while (time(NULL) < end) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                ssize_t n;

                if (poll(&p, 1, 200) <= 0)
                        continue;
                n = recv(fd, buf, sizeof(buf) - 1, 0);
                if (n < 0)
                        continue;
                buf[n] = '\0';
                printf("%s\n--\n", buf);
                if (strstr(buf, "STOPPING=1"))
                        break;
        }
        unlink(argv[1]);
        return 0;
}
