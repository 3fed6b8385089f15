/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Runs a fuzz harness over files, without libFuzzer: make check replays each harness's
 * committed corpus and every crash reproducer found so far, under the sanitizers when the
 * build has them. A broken invariant aborts; the last "# file" line names the input.
 *
 * Usage: replay-<harness> [FILE|DIR...]; without arguments the harness's own directories
 * under $top_srcdir (see default_dirs).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "fuzz-common.h"
#include "util.h"

#ifndef FUZZ_HARNESS
#error "FUZZ_HARNESS must name the harness (profile, compare, domxml, report, regid, record)"
#endif

typedef struct DefaultDir {
        const char *harness;
        const char *path;      /* under top_srcdir */
        bool required;         /* the harness's committed corpus must be there and not empty */
} DefaultDir;

static const DefaultDir default_dirs[] = {
        { "profile", "tests/fuzz/corpus/profile", true },
        { "profile", "tests/fuzz/crashes/profile", false },
        { "profile", "tests/data", true },
        { "profile", "tests/data/bad", true },
        { "compare", "tests/fuzz/corpus/compare", true },
        { "compare", "tests/fuzz/crashes/compare", false },
        { "domxml", "tests/fuzz/corpus/domxml", true },
        { "domxml", "tests/fuzz/crashes/domxml", false },
        { "domxml", "tests/data/domains", true },
        { "report", "tests/fuzz/corpus/report", true },
        { "report", "tests/fuzz/crashes/report", false },
        { "regid", "tests/fuzz/corpus/regid", true },
        { "regid", "tests/fuzz/crashes/regid", false },
        { "record", "tests/fuzz/corpus/record", true },
        { "record", "tests/fuzz/crashes/record", false },
};

/* The largest input any harness is given: a profile document's limit, and one byte more so
 * that the parsers' own limit is what refuses it. */
#define REPLAY_MAX_FILE (KVMREGS_MAX_DOCUMENT + 1u)

static int read_file(const char *path, uint8_t **ret, size_t *ret_size) {
        _cleanup_close_ int fd = -1;
        _cleanup_free_ uint8_t *buf = NULL;
        struct stat st;
        size_t n = 0;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EISDIR;
        if ((uint64_t) st.st_size > REPLAY_MAX_FILE)
                return -EFBIG;
        /* exactly the file's size, so that ASan sees a harness reading past the end (as under
         * libFuzzer); at least one byte, libFuzzer never passes NULL */
        buf = malloc(st.st_size ? (size_t) st.st_size : 1);
        if (!buf)
                return -ENOMEM;
        while (n < (size_t) st.st_size) {
                ssize_t k = read(fd, buf + n, (size_t) st.st_size - n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        break;
                n += (size_t) k;
        }
        *ret = TAKE_PTR(buf);
        *ret_size = n;
        return 0;
}

static int replay_file(const char *path) {
        _cleanup_free_ uint8_t *data = NULL;
        size_t size = 0;
        int r;

        r = read_file(path, &data, &size);
        if (r < 0)
                return r;
        printf("# %s\n", path);
        fflush(stdout);
        LLVMFuzzerTestOneInput(data, size);
        return 0;
}

static int dirent_regular_or_unknown(const struct dirent *e) {
        return e->d_name[0] != '.' && (e->d_type == DT_REG || e->d_type == DT_UNKNOWN || e->d_type == DT_LNK);
}

/* Every regular file directly in dir, in name order. Returns the count, or -errno. */
static int replay_dir(const char *dir) {
        struct dirent **entries = NULL;
        int n, count = 0, r = 0;

        n = scandir(dir, &entries, dirent_regular_or_unknown, alphasort);
        if (n < 0)
                return -errno;
        for (int i = 0; i < n; i++) {
                _cleanup_free_ char *path = NULL;

                if (r >= 0) {
                        if (asprintf(&path, "%s/%s", dir, entries[i]->d_name) < 0)
                                r = -ENOMEM;
                        else {
                                int k = replay_file(path);
                                if (k == -EISDIR)
                                        ;
                                else if (k < 0) {
                                        fprintf(stderr, "%s: %s\n", path, strerror(-k));
                                        r = k;
                                } else
                                        count++;
                        }
                }
                free(entries[i]);
        }
        free(entries);
        return r < 0 ? r : count;
}

static int replay_path(const char *path) {
        struct stat st;

        if (stat(path, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode))
                return replay_dir(path);
        int r = replay_file(path);
        return r < 0 ? r : 1;
}

int main(int argc, char *argv[]) {
        const char *top = getenv("top_srcdir");
        int total = 0;

        if (!top)
                top = ABS_TOP_SRCDIR;

        if (argc > 1) {
                for (int i = 1; i < argc; i++) {
                        int n = replay_path(argv[i]);
                        if (n < 0) {
                                fprintf(stderr, "%s: %s\n", argv[i], strerror(-n));
                                return 1;
                        }
                        total += n;
                }
        } else {
                for (size_t i = 0; i < ELEMENTSOF(default_dirs); i++) {
                        _cleanup_free_ char *path = NULL;
                        int n;

                        if (strcmp(default_dirs[i].harness, FUZZ_HARNESS) != 0)
                                continue;
                        if (asprintf(&path, "%s/%s", top, default_dirs[i].path) < 0)
                                return 1;
                        n = replay_dir(path);
                        if (n == -ENOENT && !default_dirs[i].required)
                                continue;
                        if (n < 0) {
                                fprintf(stderr, "%s: %s\n", path, strerror(-n));
                                return 1;
                        }
                        if (n == 0 && default_dirs[i].required) {
                                fprintf(stderr, "%s: no inputs\n", path);
                                return 1;
                        }
                        total += n;
                }
        }
        if (total == 0) {
                fprintf(stderr, "no inputs replayed\n");
                return 1;
        }
        printf("replay-%s: %d inputs, every invariant held\n", FUZZ_HARNESS, total);
        return 0;
}
