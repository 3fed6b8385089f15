# Test data and shared test helpers. Each part registers its own tests in its fragment.
EXTRA_DIST += tests/data tests/vm tests/libvirt
