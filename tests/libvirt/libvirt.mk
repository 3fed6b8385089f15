# tests/libvirt: end-to-end migrations with real libvirtd.
# Two real libvirtd hosts, kvmregsd + hook + kvmregsctl, live migrations of an aarch64 TCG
# guest (root; 77 without prerequisites unless KVMREGS_REQUIRE_ALL=1).
# docs/libvirt-integration.md; packages: tests/libvirt/install-deps.sh.
TESTS += tests/libvirt/run-e2e.sh
