/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/* What one run of the hook decided, and the one log line (syslog, and a file) it leaves. */
#include <limits.h>
#include <stdbool.h>
#include <time.h>

typedef struct Decision {
        const char *domain;
        const char *source_host;
        char destination_host[HOST_NAME_MAX + 1];
        char *src_digest;
        char *dst_digest;
        const char *verdict;     /* the daemon's verdict, or what stopped us */
        bool refuse;
        char *message;           /* refusal or warning text */
        struct timespec start;   /* CLOCK_MONOTONIC */
} Decision;

/* Milliseconds since d->start. */
long decision_elapsed_ms(const Decision *d);
/* "domain=... source=... destination=... src_digest=... dst_digest=... verdict=... decision=...
 * elapsed_ms=N[ message=...]" on one line (newlines of the message become spaces). malloc'd. */
char *decision_line(const Decision *d);
/* The line to syslog (LOG_ERR when refused, else LOG_INFO) and appended to log_file (may be NULL). */
void decision_log(const Decision *d, const char *log_file);
/* Frees the strings the decision owns. */
void decision_done(Decision *d);
