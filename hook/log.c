/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The hook's decision line: syslog and the policy's log_file. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

long decision_elapsed_ms(const Decision *d) {
        struct timespec now;

        clock_gettime(CLOCK_MONOTONIC, &now);
        return (now.tv_sec - d->start.tv_sec) * 1000L + (now.tv_nsec - d->start.tv_nsec) / 1000000L;
}

char *decision_line(const Decision *d) {
        char *line;

        line = strdup_printf("domain=%s source=%s destination=%s src_digest=%s dst_digest=%s verdict=%s "
                             "decision=%s elapsed_ms=%ld%s%s",
                             d->domain ? d->domain : "-",
                             d->source_host ? d->source_host : "-",
                             d->destination_host[0] ? d->destination_host : "-",
                             d->src_digest ? d->src_digest : "-",
                             d->dst_digest ? d->dst_digest : "-",
                             d->verdict ? d->verdict : "-",
                             d->refuse ? "refuse" : "allow", decision_elapsed_ms(d),
                             d->message ? " message=" : "", d->message ? d->message : "");
        if (!line)
                return NULL;
        /* one line, whatever the message */
        for (char *p = line; *p; p++)
                if (*p == '\n')
                        *p = ' ';
        return line;
}

void decision_log(const Decision *d, const char *log_file) {
        _cleanup_free_ char *line = decision_line(d);

        if (!line)
                return;
        syslog(d->refuse ? LOG_ERR : LOG_INFO, "%s", line);
        if (log_file) {
                _cleanup_close_ int fd = open(log_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
                if (fd >= 0)
                        (void) dprintf(fd, "%s\n", line);
        }
}

void decision_done(Decision *d) {
        free(d->message);
        free(d->src_digest);
        free(d->dst_digest);
        d->message = d->src_digest = d->dst_digest = NULL;
}
