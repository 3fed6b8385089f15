/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/* Talking to a kvmregsd: on the local system bus, an address, or another host over ssh. */
#include <stdbool.h>

typedef struct BusClient BusClient;

/* The kind of D-Bus error the last failed call got: kvmregsd's own errors typed, so that
 * callers never match error strings. */
typedef enum BusClientError {
        BUSCLIENT_ERROR_NONE = 0,          /* no D-Bus error: success, or a local or transport failure */
        BUSCLIENT_ERROR_INVALID_PROFILE,
        BUSCLIENT_ERROR_INVALID_DOMAIN,
        BUSCLIENT_ERROR_UNKNOWN_CONFIG,
        BUSCLIENT_ERROR_TOO_LARGE,
        BUSCLIENT_ERROR_ACCESS_DENIED,
        BUSCLIENT_ERROR_NOT_READY,
        BUSCLIENT_ERROR_BUSY,
        BUSCLIENT_ERROR_REFRESH_FAILED,
        BUSCLIENT_ERROR_FAILED,
        BUSCLIENT_ERROR_OTHER,             /* a D-Bus error that is not kvmregsd's (timeout, no owner...) */
} BusClientError;

#include "kvmregs-bus.h"   /* generated from dbus/org.kvmregs.Profile1.xml */

#define BUSCLIENT_DEFAULT_TIMEOUT_MS      2000
/* Connecting through a program (unixexec:, i.e. ssh HOST systemd-stdio-bridge) at least this long:
 * ssh's TCP connection, key exchange and login on a busy host take seconds, not milliseconds. */
#define BUSCLIENT_EXEC_CONNECT_TIMEOUT_MS 10000

/*
 * address: NULL for the system bus, or a D-Bus address ("unix:path=...", "unixexec:...").
 * Two limits: connect_timeout_ms bounds connecting, authenticating and Hello (for a unixexec:
 * address: starting the program, ssh's connection and login, the bridge's own connection);
 * call_timeout_ms then bounds each call, on its own. connect_timeout_ms <= 0:
 * busclient_default_connect_timeout(); call_timeout_ms <= 0: BUSCLIENT_DEFAULT_TIMEOUT_MS.
 * Errors: -EINVAL (not an address), -ECONNREFUSED/-ENOENT (no bus), -EACCES, -ETIMEDOUT (not
 * ready within connect_timeout_ms), -ENOMEM; *ret_error (may be NULL) gets a malloc'd message.
 */
int busclient_new_with_timeouts(const char *address, int connect_timeout_ms, int call_timeout_ms,
                                BusClient **ret, char **ret_error);
/* One timeout_ms for both (the hook: a local bus, one budget). */
int busclient_new(const char *address, int timeout_ms, BusClient **ret, char **ret_error);
/* The connect timeout when none is given: call_timeout_ms, but at least
 * BUSCLIENT_EXEC_CONNECT_TIMEOUT_MS for a unixexec: address. */
int busclient_default_connect_timeout(const char *address, int call_timeout_ms);
/* The unixexec: address that reaches host's system bus through ssh and bridge_cmd
 * (NULL: "systemd-stdio-bridge"); ssh_args: extra ssh arguments (NULL-terminated, may be NULL). */
char *busclient_ssh_address(const char *host, const char *bridge_cmd, char *const *ssh_args);
/* Calls go to KVMREGS_PRIVILEGED_BUS_NAME (the same object, on a connection of kvmregsd's that
 * only root, or whom the bus policy names, may call: never queued behind other users' calls),
 * and to KVMREGS_BUS_NAME if the bus says that name cannot be called. NULL-safe. */
void busclient_use_privileged(BusClient *c);
BusClient *busclient_free(BusClient *c);
static inline void busclient_freep(BusClient **c) { if (*c) busclient_free(*c); }

/* The methods of org.kvmregs.Profile1. -ETIMEDOUT, -ENOENT (no such name/config),
 * -EBADMSG (garbage answer), -EIO (D-Bus error: *ret_error holds name and message).
 * kvmregsd's own errors: -EINVAL (InvalidProfile, or an argument that is not UTF-8),
 * -E2BIG (TooLarge), -EAGAIN (NotReady), -EACCES (AccessDenied), -EBUSY (Busy);
 * -ECONNRESET when the connection was lost. */
int busclient_get_profile(BusClient *c, char **ret_json, char **ret_error);
int busclient_get_config(BusClient *c, const char *config, char **ret_json, char **ret_error);
int busclient_compare(BusClient *c, const char *source_profile_json, const char *config,
                      char **ret_verdict, char **ret_report_json, char **ret_error);
/* What QEMU on this host builds for the domain (domain_xml) against the guest's record:
 * CompareDomain. Errors as busclient_compare; -EINVAL also for InvalidDomain. */
int busclient_compare_domain(BusClient *c, const char *source_record_json, const char *domain_xml,
                             char **ret_verdict, char **ret_report_json, char **ret_error);
/* The kind of error the last call on c got (BUSCLIENT_ERROR_NONE after a success). */
BusClientError busclient_last_error(const BusClient *c);
int busclient_get_property(BusClient *c, const char *name, char **ret_value, char **ret_error);
