/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reading a JSON document strictly: see json-doc.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json-doc.h"
#include "util.h"


/*
 * Text from the document ends up in errors: no control characters reach a terminal, and no
 * invalid UTF-8 reaches D-Bus, which refuses the whole message. A document is UTF-8, but an
 * error quotes at most so many bytes of it ("%.64s", the size of the buffers), which can cut a
 * character in two: each byte that is not UTF-8 becomes '?' too.
 */
static void text_clean(char *s) {
        size_t n = strlen(s), i = 0;

        for (size_t k = 0; k < n; k++)
                if ((unsigned char) s[k] < 0x20 || s[k] == 0x7f)
                        s[k] = '?';
        while (i < n) {
                i += doc_utf8_invalid_offset(s + i, n - i);
                if (i < n)
                        s[i++] = '?';
        }
}

int doc_error(ProfileError *e, int r, const char *path, const char *format, ...) {
        va_list ap;

        snprintf(e->path, sizeof(e->path), "%s", path);
        va_start(ap, format);
        vsnprintf(e->message, sizeof(e->message), format, ap);
        va_end(ap);
        text_clean(e->path);
        text_clean(e->message);
        return r;
}

int doc_oom(ProfileError *e, const char *path) {
        return doc_error(e, -ENOMEM, path, "out of memory");
}

/* A path too long for ProfileError ends in "..." so nobody takes it for a real one. */
static void path_mark_truncated(char buf[DOC_PATH_SIZE], int n) {
        if (n < 0 || (size_t) n >= DOC_PATH_SIZE)
                memcpy(buf + DOC_PATH_SIZE - 4, "...", 4);
}

/* parent + "/" + key, the key escaped as JSON pointers do (RFC 6901: "~" → "~0", "/" → "~1"). */
void doc_path_key(char buf[DOC_PATH_SIZE], const char *parent, const char *key) {
        int n = snprintf(buf, DOC_PATH_SIZE, "%s/", parent);
        size_t k;

        if (n < 0 || (size_t) n >= DOC_PATH_SIZE) {
                path_mark_truncated(buf, n);
                return;
        }
        k = (size_t) n;
        for (; *key && k + 2 < DOC_PATH_SIZE; key++) {
                if (*key == '~' || *key == '/') {
                        buf[k++] = '~';
                        buf[k++] = *key == '~' ? '0' : '1';
                } else
                        buf[k++] = *key;
        }
        buf[k] = '\0';
        if (*key)
                path_mark_truncated(buf, -1);
}

void doc_path_index(char buf[DOC_PATH_SIZE], const char *parent, size_t i) {
        path_mark_truncated(buf, snprintf(buf, DOC_PATH_SIZE, "%s/%zu", parent, i));
}

void doc_path_reg(char buf[DOC_PATH_SIZE], const char *parent, uint64_t id) {
        path_mark_truncated(buf, snprintf(buf, DOC_PATH_SIZE, "%s/0x%016" PRIx64, parent, id));
}

/* ---- reading JSON values ---- */

/* "0x" and 1 to 16 hex digits: how the recording writes every 64-bit number. */
int doc_hex_parse(const char *s, uint64_t *ret) {
        uint64_t v = 0;
        size_t n = 0;

        if (s[0] != '0' || s[1] != 'x')
                return -EINVAL;
        for (s += 2; *s; s++, n++) {
                unsigned d;
                if (*s >= '0' && *s <= '9')
                        d = (unsigned) (*s - '0');
                else if (*s >= 'a' && *s <= 'f')
                        d = (unsigned) (*s - 'a' + 10);
                else if (*s >= 'A' && *s <= 'F')
                        d = (unsigned) (*s - 'A' + 10);
                else
                        return -EINVAL;
                if (n >= 16)
                        return -ERANGE;
                v = v << 4 | d;
        }
        if (n == 0)
                return -EINVAL;
        *ret = v;
        return 0;
}

int doc_hex_string(const char *s, const char *path, uint64_t max, uint64_t *ret, ProfileError *e) {
        uint64_t v;
        int r = doc_hex_parse(s, &v);

        if (r == -ERANGE || (r == 0 && v > max))
                return doc_error(e, -EINVAL, path, "number \"%.64s\" out of range (at most 0x%" PRIx64 ")",
                                 s, max);
        if (r < 0)
                return doc_error(e, -EINVAL, path, "\"%.64s\" is not a number of the form \"0x\" + hex digits", s);
        *ret = v;
        return 0;
}

int doc_hex(json_object *o, const char *path, uint64_t max, uint64_t *ret, ProfileError *e) {
        const char *s;

        if (!json_object_is_type(o, json_type_string))
                return doc_error(e, -EINVAL, path, "expected a string \"0x...\", got %s",
                                 json_type_to_name(json_object_get_type(o)));
        s = json_object_get_string(o);
        /* An escaped NUL would cut the number short unseen. */
        if (strlen(s) != (size_t) json_object_get_string_len(o))
                return doc_error(e, -EINVAL, path, "number contains a NUL character");
        return doc_hex_string(s, path, max, ret, e);
}

int doc_int(json_object *o, const char *path, int64_t min, int64_t max, int64_t *ret, ProfileError *e) {
        int64_t v;

        if (!json_object_is_type(o, json_type_int))
                return doc_error(e, -EINVAL, path, "expected an integer, got %s",
                                 json_type_to_name(json_object_get_type(o)));
        /* json-c saturates what int64 cannot hold; a saturated value is out of range too. */
        errno = 0;
        v = json_object_get_int64(o);
        if (errno != 0 || v < min || v > max || v == INT64_MAX || v == INT64_MIN)
                return doc_error(e, -EINVAL, path, "integer %.40s out of range [%" PRId64 ", %" PRId64 "]",
                                 json_object_to_json_string(o), min, max);
        *ret = v;
        return 0;
}

int doc_string_dup(json_object *o, const char *path, bool allow_empty, char **ret, ProfileError *e) {
        const char *s;
        size_t len;
        char *copy;

        if (!json_object_is_type(o, json_type_string))
                return doc_error(e, -EINVAL, path, "expected a string, got %s",
                                 json_type_to_name(json_object_get_type(o)));
        s = json_object_get_string(o);
        len = (size_t) json_object_get_string_len(o);
        if (len > KVMREGS_MAX_STRING)
                return doc_error(e, -E2BIG, path, "string longer than %u bytes", KVMREGS_MAX_STRING);
        if (memchr(s, '\0', len))
                return doc_error(e, -EINVAL, path, "string contains a NUL character");
        if (!allow_empty && len == 0)
                return doc_error(e, -EINVAL, path, "empty string");
        copy = strdup(s);
        if (!copy)
                return doc_oom(e, path);
        *ret = copy;
        return 0;
}

/* A member of a JSON object; -ENOENT (with the error filled) if required and missing. */
int doc_member(json_object *obj, const char *path, const char *key, bool required,
                      json_object **ret, char child[DOC_PATH_SIZE], ProfileError *e) {
        json_object *v = NULL;

        doc_path_key(child, path, key);
        if (!json_object_object_get_ex(obj, key, &v) || !v) {
                *ret = NULL;
                if (required)
                        return doc_error(e, -EINVAL, child, "required key \"%s\" missing", key);
                return 0;
        }
        *ret = v;
        return 0;
}

int doc_object_check(json_object *o, const char *path, ProfileError *e) {
        if (!json_object_is_type(o, json_type_object))
                return doc_error(e, -EINVAL, path, "expected an object, got %s",
                                 json_type_to_name(json_object_get_type(o)));
        return 0;
}

int doc_array_check(json_object *o, const char *path, size_t max, const char *what, ProfileError *e) {
        if (!json_object_is_type(o, json_type_array))
                return doc_error(e, -EINVAL, path, "expected an array, got %s",
                                 json_type_to_name(json_object_get_type(o)));
        if (json_object_array_length(o) > max)
                return doc_error(e, -E2BIG, path, "more than %zu %s", max, what);
        return 0;
}

/*
 * Strict UTF-8 (RFC 3629): json-c's own check lets overlong forms such as C0 AF
 * through. Returns the offset of the first byte that is not UTF-8, or size.
 */
size_t doc_utf8_invalid_offset(const char *data, size_t size) {
        const unsigned char *s = (const unsigned char *) data;
        size_t i = 0;

        while (i < size) {
                unsigned char c = s[i];
                unsigned char lo = 0x80, hi = 0xbf;
                size_t n;

                if (c < 0x80) {
                        i++;
                        continue;
                }
                if (c >= 0xc2 && c <= 0xdf)
                        n = 1;
                else if (c >= 0xe0 && c <= 0xef) {
                        n = 2;
                        if (c == 0xe0)
                                lo = 0xa0;      /* overlong */
                        else if (c == 0xed)
                                hi = 0x9f;      /* UTF-16 surrogates */
                } else if (c >= 0xf0 && c <= 0xf4) {
                        n = 3;
                        if (c == 0xf0)
                                lo = 0x90;      /* overlong */
                        else if (c == 0xf4)
                                hi = 0x8f;      /* above U+10FFFF */
                } else
                        return i;
                if (i + n >= size || s[i + 1] < lo || s[i + 1] > hi)
                        return i;
                for (size_t k = 2; k <= n; k++)
                        if (s[i + k] < 0x80 || s[i + k] > 0xbf)
                                return i;
                i += n + 1;
        }
        return size;
}
/*
 * json-c 0.18 refuses every non-ASCII byte in a string under JSON_TOKENER_STRICT (json-c issue
 * 892: a signed char compared as a control character), so Debian 13 could not read a profile
 * with a UTF-8 host name. On such versions the document, already checked to be UTF-8, is given
 * to json-c with every non-ASCII character of a string written as its \u escape, which json-c
 * decodes back to the same bytes. A non-ASCII byte outside a string, or escaped by a backslash,
 * is malformed JSON: -EINVAL, with its offset.
 */
static bool memchr_non_ascii(const char *data, size_t size) {
        for (size_t i = 0; i < size; i++)
                if ((unsigned char) data[i] >= 0x80)
                        return true;
        return false;
}

bool doc_escape_non_ascii_always = false;

static bool tokener_refuses_non_ascii(void) {
        return json_c_version_num() >= 0x001200;   /* 0.18 */
}

static int escape_non_ascii(const char *data, size_t size, char **ret, size_t *ret_size, size_t *ret_bad) {
        const unsigned char *s = (const unsigned char *) data;
        _cleanup_free_ char *out = NULL;
        bool in_string = false, escaped = false;
        size_t n = 0;

        /* at most 12 bytes ("\uXXXX\uXXXX") for a 4-byte character: 3 per input byte */
        if (size > (SIZE_MAX - 1) / 3)
                return -E2BIG;
        out = malloc(size * 3 + 1);
        if (!out)
                return -ENOMEM;
        for (size_t i = 0; i < size;) {
                unsigned c = s[i];
                uint32_t cp;
                size_t len;

                if (c < 0x80) {
                        if (in_string && !escaped && c == '"')
                                in_string = false;
                        else if (!in_string && c == '"')
                                in_string = true;
                        escaped = in_string && !escaped && c == '\\';
                        out[n++] = (char) c;
                        i++;
                        continue;
                }
                if (!in_string || escaped) {
                        *ret_bad = i;
                        return -EINVAL;
                }
                /* valid UTF-8 (checked before): the lead byte gives the length */
                len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
                cp = c & (len == 4 ? 0x07 : len == 3 ? 0x0f : 0x1f);
                for (size_t k = 1; k < len; k++)
                        cp = cp << 6 | (s[i + k] & 0x3f);
                if (cp > 0xffff) {
                        cp -= 0x10000;
                        n += (size_t) sprintf(out + n, "\\u%04x\\u%04x", 0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
                } else
                        n += (size_t) sprintf(out + n, "\\u%04x", cp);
                i += len;
        }
        out[n] = '\0';
        *ret = TAKE_PTR(out);
        *ret_size = n;
        return 0;
}

/* json-c keeps the last of two members with the same name without a word: a profile saying
 * "probe_version" twice, or a register map naming one register twice with two values, would be
 * read as whichever came last. The document has parsed (valid JSON, depth <= max_depth): walk
 * its text once and refuse a name given twice in one object. */
static int duplicate_key_check(const char *data, size_t size, int max_depth, ProfileError *e) {
        json_object *keys[max_depth + 1];   /* one name set per open object, NULL for an array */
        bool want_key[max_depth + 1];
        int depth = -1, r = 0;

        for (size_t i = 0; i < size && r == 0; i++) {
                char c = data[i];

                if (c == '{' || c == '[') {
                        if (depth + 1 > max_depth)
                                break;   /* cannot happen: the tokener checked the depth */
                        depth++;
                        keys[depth] = c == '{' ? json_object_new_object() : NULL;
                        if (c == '{' && !keys[depth]) {
                                depth--;
                                r = doc_oom(e, "");
                        }
                        want_key[depth] = c == '{';
                } else if (c == '}' || c == ']') {
                        if (depth >= 0)
                                json_object_put(keys[depth--]);
                } else if (c == ',') {
                        if (depth >= 0 && keys[depth])
                                want_key[depth] = true;
                } else if (c == '"') {
                        size_t start = i++;
                        bool escaped = false;

                        for (; i < size && data[i] != '"'; i++)
                                if (data[i] == '\\') {
                                        escaped = true;
                                        i++;
                                }
                        if (depth < 0 || !keys[depth] || !want_key[depth])
                                continue;
                        want_key[depth] = false;
                        /* the name as json-c reads it: escapes decoded */
                        _cleanup_free_ char *raw = escaped ? strndup(data + start, i - start + 1)
                                                           : strndup(data + start + 1, i - start - 1);
                        json_object *name = escaped && raw ? json_tokener_parse(raw) : NULL;
                        const char *key = escaped ? (name ? json_object_get_string(name) : NULL) : raw;

                        if (!key)
                                r = doc_oom(e, "");
                        else if (json_object_object_get_ex(keys[depth], key, NULL))
                                r = doc_error(e, -EINVAL, "", "key \"%.64s\" given twice in one object at offset %zu",
                                              key, start);
                        else if (json_object_object_add(keys[depth], key, NULL) < 0)
                                r = doc_oom(e, "");
                        json_object_put(name);
                }
        }
        while (depth >= 0)
                json_object_put(keys[depth--]);
        return r;
}

int doc_parse(const char *data, size_t size, int max_depth, json_object **ret, ProfileError *e) {
        _cleanup_free_ char *escaped = NULL;
        struct json_tokener *tok;
        enum json_tokener_error jerr;
        json_object *root;
        const char *nul;
        size_t end, bad;
        int r;

        if (size > KVMREGS_MAX_DOCUMENT)
                return doc_error(e, -E2BIG, "", "document of %zu bytes is over the limit of %u bytes",
                                 size, KVMREGS_MAX_DOCUMENT);
        if (size == 0)
                return doc_error(e, -EINVAL, "", "empty document");
        nul = memchr(data, '\0', size);
        if (nul)
                return doc_error(e, -EINVAL, "", "NUL byte at offset %zu", (size_t) (nul - data));
        bad = doc_utf8_invalid_offset(data, size);
        if (bad < size)
                return doc_error(e, -EINVAL, "", "not UTF-8 at offset %zu", bad);

        if ((doc_escape_non_ascii_always || tokener_refuses_non_ascii()) && memchr_non_ascii(data, size)) {
                r = escape_non_ascii(data, size, &escaped, &size, &bad);

                if (r == -EINVAL)
                        return doc_error(e, -EINVAL, "", "malformed JSON at offset %zu: a non-ASCII byte outside a string",
                                         bad);
                if (r < 0)
                        return r == -ENOMEM ? doc_oom(e, "") : doc_error(e, r, "", "document too large");
                data = escaped;
        }

        tok = json_tokener_new_ex(max_depth);
        if (!tok)
                return doc_oom(e, "");
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
        root = json_tokener_parse_ex(tok, data, (int) size);
        jerr = json_tokener_get_error(tok);
        end = json_tokener_get_parse_end(tok);
        json_tokener_free(tok);

        if (jerr == json_tokener_continue) {
                json_object_put(root);
                return doc_error(e, -EINVAL, "", "truncated JSON: the document ends at offset %zu inside a value",
                                 size);
        }
        if (jerr == json_tokener_error_depth) {
                json_object_put(root);
                return doc_error(e, -E2BIG, "", "JSON nested deeper than %d levels at offset %zu", max_depth, end);
        }
        if (jerr != json_tokener_success) {
                json_object_put(root);
                return doc_error(e, -EINVAL, "", "malformed JSON at offset %zu: %s", end,
                                 json_tokener_error_desc(jerr));
        }
        for (; end < size; end++)
                if (!strchr(" \t\r\n", data[end])) {
                        json_object_put(root);
                        return doc_error(e, -EINVAL, "", "data after the JSON document at offset %zu", end);
                }
        r = duplicate_key_check(data, size, max_depth, e);
        if (r < 0) {
                json_object_put(root);
                return r;
        }
        *ret = root;
        return 0;
}

int doc_strv(json_object *a, const char *path, size_t max, const char *what, char ***ret, size_t *ret_n,
             ProfileError *e) {
        char child[DOC_PATH_SIZE];
        size_t n;
        int r;

        r = doc_array_check(a, path, max, what, e);
        if (r < 0)
                return r;
        n = json_object_array_length(a);
        *ret = calloc(n + 1, sizeof(char *));
        *ret_n = 0;
        if (!*ret)
                return doc_oom(e, path);
        for (size_t i = 0; i < n; i++) {
                doc_path_index(child, path, i);
                r = doc_string_dup(json_object_array_get_idx(a, i), child, false, &(*ret)[i], e);
                if (r < 0)
                        return r;
                *ret_n = i + 1;
        }
        return 0;
}

json_object *doc_hex_new(uint64_t v) {
        char buf[24];

        snprintf(buf, sizeof(buf), "0x%016" PRIx64, v);
        return json_object_new_string(buf);
}

bool doc_add(json_object *obj, const char *key, json_object *val) {
        if (!val)
                return false;
        if (json_object_object_add(obj, key, val) < 0) {
                json_object_put(val);
                return false;
        }
        return true;
}

bool doc_append(json_object *array, json_object *val) {
        if (!val)
                return false;
        if (json_object_array_add(array, val) < 0) {
                json_object_put(val);
                return false;
        }
        return true;
}
