/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * Private to lib/: reading a JSON document strictly (the profile parser, the report
 * parser, the record identity). Every refusal fills a ProfileError: a JSON-pointer-like
 * path and a message with no control characters.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "profile.h"

#define DOC_PATH_SIZE sizeof(((ProfileError *) NULL)->path)

int doc_error(ProfileError *e, int r, const char *path, const char *format, ...)
        __attribute__((format(printf, 4, 5)));
int doc_oom(ProfileError *e, const char *path);

/* parent + "/" + key (escaped as RFC 6901 says), parent + "/" + index, parent + "/0x<id>". */
void doc_path_key(char buf[DOC_PATH_SIZE], const char *parent, const char *key);
void doc_path_index(char buf[DOC_PATH_SIZE], const char *parent, size_t i);
void doc_path_reg(char buf[DOC_PATH_SIZE], const char *parent, uint64_t id);

/* "0x" and 1 to 16 hex digits. -EINVAL, -ERANGE. */
int doc_hex_parse(const char *s, uint64_t *ret);
int doc_hex_string(const char *s, const char *path, uint64_t max, uint64_t *ret, ProfileError *e);
int doc_hex(json_object *o, const char *path, uint64_t max, uint64_t *ret, ProfileError *e);
int doc_int(json_object *o, const char *path, int64_t min, int64_t max, int64_t *ret, ProfileError *e);
/* A string of at most KVMREGS_MAX_STRING bytes without NUL, malloc'd. */
int doc_string_dup(json_object *o, const char *path, bool allow_empty, char **ret, ProfileError *e);
/* A member of a JSON object into *ret (NULL if absent); -EINVAL if required and missing. */
int doc_member(json_object *obj, const char *path, const char *key, bool required,
               json_object **ret, char child[DOC_PATH_SIZE], ProfileError *e);
/* An array of at most max non-empty strings (what: for the error) into a NULL-terminated, malloc'd
 * vector; *ret_n counts what is in it even on failure, so that the caller frees it whole. */
int doc_strv(json_object *a, const char *path, size_t max, const char *what, char ***ret, size_t *ret_n,
             ProfileError *e);
int doc_object_check(json_object *o, const char *path, ProfileError *e);
int doc_array_check(json_object *o, const char *path, size_t max, const char *what, ProfileError *e);

/* Offset of the first byte that is not strict UTF-8 (RFC 3629), or size. */
size_t doc_utf8_invalid_offset(const char *data, size_t size);

/*
 * One JSON document of at most KVMREGS_MAX_DOCUMENT bytes, nested at most max_depth deep,
 * strict UTF-8, no NUL, nothing but white space after it. -EINVAL, -E2BIG (size, depth), -ENOMEM.
 */
int doc_parse(const char *data, size_t size, int max_depth, json_object **ret, ProfileError *e);

/* ---- writing ---- */

/* "0x" and 16 lower-case hex digits. NULL on ENOMEM. */
json_object *doc_hex_new(uint64_t v);
/* Adds val to obj under key, or to the array; consumes val (NULL: ENOMEM before). false on ENOMEM. */
bool doc_add(json_object *obj, const char *key, json_object *val);
bool doc_append(json_object *array, json_object *val);

/* Tests: take the path json-c 0.18 needs (non-ASCII characters given to json-c as \u escapes)
 * whatever the json-c version. */
extern bool doc_escape_non_ascii_always;
