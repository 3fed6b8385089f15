# tests/vm: the probe and the replay on real arm64 kernels (see docs/testing-on-real-kernels.md).
# The programs that run inside the guest kernels are cross-compiled by run-vm-tests.sh itself.
TESTS += tests/vm/run-vm-tests.sh
dist_check_SCRIPTS += tests/vm/run-vm-tests.sh tests/vm/fetch.sh tests/vm/install-deps.sh
