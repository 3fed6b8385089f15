/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The register id and ID field decoders (lib/regnames.c, lib/idregs.c) on arbitrary ids,
 * values and names. The input is a register id, two values (8 bytes each, little-endian; a
 * shorter input is padded with zeros) and a name (the rest, at most 127 bytes).
 *
 * Ids: every id's name reads back to the id (reg_name_to_id is the inverse of reg_id_name),
 * and a name cut short by a small buffer is a prefix of the whole; the class, size, validity
 * and sysreg fields agree with each other and with the id's bits.
 * Names: whatever name reads as an id, that id's own name reads back to it too.
 * ID fields: the field table of the id, if any, describes disjoint fields inside 64 bits in
 * ascending order with known rules and safe values inside their range; a field's value
 * depends on its bits alone, lies in its range, sign-extended exactly when signed, and
 * re-encodes to those bits.
 */
#include <errno.h>

#include "fuzz-common.h"
#include "regnames.h"
#include "util.h"

#define NAME_INPUT_MAX 127u

static uint64_t le64(const uint8_t *p) {
        uint64_t v = 0;

        for (unsigned i = 0; i < 8; i++)
                v |= (uint64_t) p[i] << (8 * i);
        return v;
}

static void check_name_round_trip(uint64_t id) {
        char name[REG_NAME_MAX], small[REG_NAME_MAX];
        uint64_t back = 0;

        FUZZ_ASSERT(reg_id_name(id, name, sizeof(name)) == name);
        FUZZ_ASSERT(name[0] && fuzz_text_clean(name, sizeof(name)));
        if (reg_name_to_id(name, &back) < 0 || back != id)
                fprintf(stderr, "0x%016llx is named \"%s\", which reads back as 0x%016llx\n",
                        (unsigned long long) id, name, (unsigned long long) back);
        FUZZ_ASSERT(reg_name_to_id(name, &back) == 0 && back == id);

        /* a smaller buffer gets the same name, cut short and terminated */
        for (size_t n = 1; n <= strlen(name) + 1; n += 7) {
                memset(small, 'X', sizeof(small));
                FUZZ_ASSERT(reg_id_name(id, small, n) == small);
                FUZZ_ASSERT(strlen(small) == n - 1 && strncmp(small, name, n - 1) == 0);
        }
}

static void check_class(uint64_t id) {
        RegClass c = reg_id_class(id);
        unsigned copro = (unsigned) ((id & REG_COPROC_MASK) >> REG_COPROC_SHIFT);
        unsigned op0, op1, crn, crm, op2, level;
        bool instruction;

        FUZZ_ASSERT(reg_class_name(c) && reg_class_name(c)[0]);
        if ((id & REG_ARCH_MASK) != REG_ARCH_ARM64) {
                FUZZ_ASSERT(c == REG_CLASS_UNKNOWN && reg_id_size(id) == 0 && !reg_id_is_valid(id) &&
                            !reg_id_in_cpreg_list(id));
                FUZZ_ASSERT(!id_reg_lookup(id));
        } else {
                static const struct { unsigned copro; RegClass c; } classes[] = {
                        { REG_COPROC_CORE, REG_CLASS_CORE }, { REG_COPROC_DEMUX, REG_CLASS_DEMUX },
                        { REG_COPROC_SYSREG, REG_CLASS_SYSREG }, { REG_COPROC_FW, REG_CLASS_FW },
                        { REG_COPROC_SVE, REG_CLASS_SVE }, { REG_COPROC_FW_FEAT_BMAP, REG_CLASS_FW_FEAT_BMAP },
                };
                RegClass want = REG_CLASS_UNKNOWN;
                unsigned size = reg_id_size(id);

                for (size_t i = 0; i < ELEMENTSOF(classes); i++)
                        if (classes[i].copro == copro)
                                want = classes[i].c;
                FUZZ_ASSERT(c == want);
                /* the size field is a power of two of bytes, up to the 2048 bits of an SVE Z register */
                FUZZ_ASSERT(size == 0 || (size <= 256 && (size & (size - 1)) == 0));
                FUZZ_ASSERT(size == 0 || size == 1u << ((id & REG_SIZE_MASK) >> REG_SIZE_SHIFT));
                FUZZ_ASSERT(reg_id_in_cpreg_list(id) == (c != REG_CLASS_CORE && c != REG_CLASS_SVE));
        }
        if (reg_id_is_valid(id)) {
                FUZZ_ASSERT(c != REG_CLASS_UNKNOWN && reg_id_size(id) > 0);
                if (c == REG_CLASS_SYSREG || c == REG_CLASS_FW || c == REG_CLASS_FW_FEAT_BMAP)
                        FUZZ_ASSERT(reg_id_size(id) == 8);
                if (c == REG_CLASS_DEMUX)
                        FUZZ_ASSERT(reg_id_size(id) == 4);
        }

        /* sysreg fields: exactly the low 16 bits, nothing lost */
        FUZZ_ASSERT(reg_id_sysreg(id, &op0, &op1, &crn, &crm, &op2) == (c == REG_CLASS_SYSREG));
        FUZZ_ASSERT(reg_id_sysreg(id, NULL, NULL, NULL, NULL, NULL) == (c == REG_CLASS_SYSREG));
        if (c == REG_CLASS_SYSREG) {
                FUZZ_ASSERT(op0 <= 3 && op1 <= 7 && crn <= 15 && crm <= 15 && op2 <= 7);
                FUZZ_ASSERT(((id & ~UINT64_C(0xffff)) | (uint64_t) op0 << 14 | (uint64_t) op1 << 11 |
                             (uint64_t) crn << 7 | (uint64_t) crm << 3 | op2) == id);
                if (reg_id_is_valid(id))
                        FUZZ_ASSERT(SYSREG_ID(op0, op1, crn, crm, op2) == id);
                FUZZ_ASSERT(reg_id_is_feature_id(id) ==
                            (reg_id_is_valid(id) && op0 == 3 && op1 == 0 && crn == 0 && crm <= 7));
        } else
                FUZZ_ASSERT(!reg_id_is_feature_id(id));

        /* a CCSIDR entry: valid demux ids only, level 1-7 from CSSELR */
        if (reg_id_ccsidr_cache(id, &level, &instruction)) {
                FUZZ_ASSERT(c == REG_CLASS_DEMUX && reg_id_is_valid(id));
                FUZZ_ASSERT(level >= 1 && level <= 8 && instruction == (id & 1));
                FUZZ_ASSERT(reg_id_ccsidr_cache(id, NULL, NULL));
                FUZZ_ASSERT(id_reg_lookup(id) == id_reg_lookup(REG_ID_CCSIDR_EL1));
        } else
                FUZZ_ASSERT(!(c == REG_CLASS_DEMUX && reg_id_is_valid(id)));
}

static void check_field_value(const IdField *f, uint64_t value) {
        uint64_t mask = id_field_mask(f), raw = (value & mask) >> f->shift;
        int64_t v = id_field_get(f, value);

        /* its own bits only */
        FUZZ_ASSERT(v == id_field_get(f, value & mask));
        FUZZ_ASSERT(v == id_field_get(f, value | ~mask));
        FUZZ_ASSERT(id_field_get(f, value & ~mask) == 0);
        if (f->is_signed && f->width < 64) {
                int64_t half = INT64_C(1) << (f->width - 1);
                FUZZ_ASSERT(v >= -half && v < half);
                bool top_bit = (raw >> (f->width - 1)) & 1;
                FUZZ_ASSERT(top_bit ? v < 0 : v >= 0);
        } else
                FUZZ_ASSERT(f->width == 64 || (v >= 0 && (uint64_t) v <= (mask >> f->shift)));
        /* re-encoded, the same bits */
        FUZZ_ASSERT((((uint64_t) v << f->shift) & mask) == (value & mask));
}

static void check_fields(uint64_t id, uint64_t a, uint64_t b) {
        const IdRegDesc *desc = id_reg_lookup(id);
        uint64_t covered = 0;

        if (!desc)
                return;
        FUZZ_ASSERT(desc->id == id || (reg_id_ccsidr_cache(id, NULL, NULL) && desc->id == REG_ID_CCSIDR_EL1));
        FUZZ_ASSERT(desc->name && desc->name[0] && reg_id_is_valid(desc->id));
        for (size_t i = 0; i < desc->n_fields; i++) {
                const IdField *f = &desc->fields[i];
                uint64_t mask = id_field_mask(f);

                FUZZ_ASSERT(f->name && f->name[0] && fuzz_text_clean(f->name, 64));
                FUZZ_ASSERT(f->width >= 1 && f->shift + f->width <= 64);
                FUZZ_ASSERT(i == 0 || desc->fields[i - 1].shift < f->shift);
                FUZZ_ASSERT((covered & mask) == 0);
                covered |= mask;
                FUZZ_ASSERT(f->rule >= FIELD_RULE_NONE && f->rule <= FIELD_RULE_HIGHER_OR_ZERO_SAFE);
                FUZZ_ASSERT(field_rule_name(f->rule) && field_rule_name(f->rule)[0]);
                if (f->rule == FIELD_RULE_EXACT) {
                        /* the safe value is one the field can hold */
                        uint64_t safe_bits = ((uint64_t) f->safe_val << f->shift) & mask;
                        FUZZ_ASSERT(id_field_get(f, safe_bits) == f->safe_val);
                }
                check_field_value(f, a);
                check_field_value(f, b);
                /* two values agree on the field exactly when their bits there do */
                FUZZ_ASSERT((id_field_get(f, a) == id_field_get(f, b)) == (((a ^ b) & mask) == 0));
        }
}

/* Any name that reads as an id: that id's name reads as the same id. */
static void check_name_input(const char *name) {
        uint64_t id, again;
        char canonical[REG_NAME_MAX];

        if (reg_name_to_id(name, &id) < 0)
                return;
        reg_id_name(id, canonical, sizeof(canonical));
        FUZZ_ASSERT(reg_name_to_id(canonical, &again) == 0 && again == id);
}

/* Every table entry is found by its own id, and by nothing else of the same name. */
static void check_table_once(void) {
        static bool done;
        size_t n;
        const IdRegDesc *t;

        if (done)
                return;
        done = true;
        t = id_reg_table(&n);
        FUZZ_ASSERT(t && n > 0);
        for (size_t i = 0; i < n; i++) {
                char name[REG_NAME_MAX];
                uint64_t id;

                FUZZ_ASSERT(id_reg_lookup(t[i].id) == &t[i]);
                FUZZ_ASSERT(reg_name_to_id(t[i].name, &id) == 0 && id == t[i].id);
                FUZZ_ASSERT(strcmp(reg_id_name(t[i].id, name, sizeof(name)), t[i].name) == 0);
                check_fields(t[i].id, 0, UINT64_MAX);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        uint8_t fixed[24] = {};
        char name[NAME_INPUT_MAX + 1];
        size_t n_name = 0;
        uint64_t id, a, b;

        check_table_once();
        memcpy(fixed, data, size < sizeof(fixed) ? size : sizeof(fixed));
        id = le64(fixed);
        a = le64(fixed + 8);
        b = le64(fixed + 16);
        if (size > sizeof(fixed)) {
                n_name = size - sizeof(fixed);
                if (n_name > NAME_INPUT_MAX)
                        n_name = NAME_INPUT_MAX;
                memcpy(name, data + sizeof(fixed), n_name);
        }
        name[n_name] = '\0';

        check_name_round_trip(id);
        check_class(id);
        check_fields(id, a, b);
        /* the same for the id the values spell: more ids per input */
        check_name_round_trip(a);
        check_class(a);
        check_name_input(name);
        return 0;
}
