/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Test helper: prints DOMAIN.xml with a kvmregs record in its <metadata>, made from a real
 * profile's configuration the way kvmregsd stamps running guests (profile_extract_config +
 * domxml_record_element).
 *
 *   make-record PROFILE CONFIG DOMAIN.xml [--uuid UUID] [--name NAME] [--hostname HOST]
 *
 * --uuid stamps the record for another domain; --name renames the guest's configuration
 * (a guest record's own name); --hostname sets the source host's name.
 */
#include <errno.h>
#include <string.h>

#include "domxml.h"
#include "profile.h"
#include "util.h"

static char *read_all(const char *path, size_t *ret_size) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        char *buf = NULL;
        size_t size = 0;
        FILE *out;
        int c;

        if (!f)
                return NULL;
        out = open_memstream(&buf, &size);
        if (!out)
                return NULL;
        while ((c = fgetc(f)) != EOF)
                fputc(c, out);
        fclose(out);
        *ret_size = size;
        return buf;
}

int main(int argc, char *argv[]) {
        _cleanup_(profile_freep) Profile *host = NULL, *record = NULL;
        _cleanup_(domxml_freep) DomainXml *d = NULL;
        _cleanup_free_ char *xml = NULL, *json = NULL, *element = NULL, *error = NULL;
        const char *uuid = NULL, *name = NULL, *hostname = NULL;
        ProfileError pe;
        size_t size;
        char *at;
        int r;

        if (argc < 4) {
                fprintf(stderr, "usage: %s PROFILE CONFIG DOMAIN.xml [--uuid UUID] [--name NAME] [--hostname HOST]\n",
                        argv[0]);
                return 2;
        }
        for (int i = 4; i + 1 < argc; i += 2) {
                if (strcmp(argv[i], "--uuid") == 0)
                        uuid = argv[i + 1];
                else if (strcmp(argv[i], "--name") == 0)
                        name = argv[i + 1];
                else if (strcmp(argv[i], "--hostname") == 0)
                        hostname = argv[i + 1];
                else {
                        fprintf(stderr, "unknown option %s\n", argv[i]);
                        return 2;
                }
        }

        r = profile_load(argv[1], &host, &pe);
        if (r < 0) {
                fprintf(stderr, "%s: %s: %s\n", argv[1], pe.path, pe.message);
                return 1;
        }
        r = profile_extract_config(host, argv[2], &record);
        if (r < 0) {
                fprintf(stderr, "%s: no usable configuration %s: %s\n", argv[1], argv[2], strerror(-r));
                return 1;
        }
        if (name) {
                free(record->configs[0].name);
                record->configs[0].name = strdup(name);
        }
        if (hostname) {
                free(record->hostname);
                record->hostname = strdup(hostname);
        }
        json = profile_to_json(record, false);
        xml = read_all(argv[3], &size);
        if (!json || !xml) {
                fprintf(stderr, "cannot serialise the record or read %s\n", argv[3]);
                return 1;
        }
        r = domxml_parse(xml, size, &d, &error);
        if (r < 0) {
                fprintf(stderr, "%s: %s\n", argv[3], error ? error : strerror(-r));
                return 1;
        }
        element = domxml_record_element(uuid ? uuid : d->uuid, json);
        if (!element)
                return 1;

        /* into <metadata>, or a new <metadata> after <uuid> */
        at = strstr(xml, "<metadata>");
        if (at) {
                at += strlen("<metadata>");
                printf("%.*s%s%s", (int) (at - xml), xml, element, at);
        } else if ((at = strstr(xml, "</uuid>"))) {
                at += strlen("</uuid>");
                printf("%.*s\n  <metadata>%s</metadata>%s", (int) (at - xml), xml, element, at);
        } else {
                fprintf(stderr, "%s: no <uuid> to place <metadata> after\n", argv[3]);
                return 1;
        }
        return 0;
}
