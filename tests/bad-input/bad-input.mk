# The bad-input catalogue (docs/bad-input.md) and the security test (issue 10, parts 4 and 6).
# test-bad-input.sh needs no root (profiles, domain XML, policy files, command lines);
# the D-Bus cases and the security test need root for the bus name.
TESTS += tests/test-bad-input.sh tests/test-bad-input-bus.sh tests/test-security.sh
UNIT_TESTS += tests/test-bad-input.sh
dist_check_SCRIPTS += tests/test-bad-input.sh tests/test-bad-input-bus.sh tests/test-security.sh
EXTRA_DIST += tests/bad-input/catalogue.tsv tests/bad-input/run-cases.sh tests/bad-input/generate.py \
	tests/bad-input/mkdoc.sh tests/bad-input/foreign-schema.json tests/bad-input/empty.json \
	tests/bad-input/report.json
