# Test data and shared test helpers. Each part registers its own tests in its fragment.
# Files are listed, not folders: a folder in EXTRA_DIST would also ship what a build left in it.
EXTRA_DIST += scripts/apt-install.sh tests/data tests/refusal-registers.py tests/libvirt/e2e-lib.sh tests/libvirt/fetch-guest.sh \
	tests/libvirt/hostns.sh tests/libvirt/install-deps.sh tests/libvirt/run-e2e.sh
