# Faults and what the user sees (docs/faults.md): kvmregsd killed, stopped or slow under the
# hook, the bus restarted, broken profile files, /dev/kvm missing/denied/not KVM; and disk
# full while `kvmregsctl collect` writes.
TESTS += tests/test-faults.sh
UNIT_TESTS += tests/test-faults.sh
dist_check_SCRIPTS += tests/test-faults.sh
TESTS += tests/test-faults-collect.sh
UNIT_TESTS += tests/test-faults-collect.sh
dist_check_SCRIPTS += tests/test-faults-collect.sh
