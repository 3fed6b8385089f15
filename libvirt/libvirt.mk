# The libvirt layer: a domain's XML (what QEMU builds, the kvmregs record in <metadata>,
# adjustments), the metadata element's one writer. libxml2 and the core; used by kvmregsd,
# kvmregsctl and the hook.
noinst_LTLIBRARIES += libvirt/libkvmregs-virt.la
libvirt_libkvmregs_virt_la_SOURCES = libvirt/domxml.c libvirt/domxml.h libvirt/virt-util.h \
	libvirt/qemu-detect.c libvirt/qemu-detect.h
libvirt_libkvmregs_virt_la_CFLAGS = $(AM_CFLAGS) $(LIBXML_CFLAGS) $(JSONC_CFLAGS)
libvirt_libkvmregs_virt_la_LIBADD = lib/libkvmregs.la $(LIBXML_LIBS) $(JSONC_LIBS)
VIRT_CPPFLAGS = -I$(top_srcdir)/libvirt

check_PROGRAMS += tests/test-domxml
TESTS += tests/test-domxml
UNIT_TESTS += tests/test-domxml
tests_test_domxml_SOURCES = tests/test-domxml.c tests/testutil.h
tests_test_domxml_CPPFLAGS = $(AM_CPPFLAGS) $(VIRT_CPPFLAGS)
tests_test_domxml_CFLAGS = $(AM_CFLAGS) $(LIBXML_CFLAGS) $(JSONC_CFLAGS)
tests_test_domxml_LDADD = libvirt/libkvmregs-virt.la lib/libkvmregs.la $(LIBXML_LIBS) $(JSONC_LIBS)

# Which emulator libvirt would run for aarch64 KVM guests (kvmregsd's host.qemu).
check_PROGRAMS += tests/test-qemu-detect
TESTS += tests/test-qemu-detect
UNIT_TESTS += tests/test-qemu-detect
tests_test_qemu_detect_SOURCES = tests/test-qemu-detect.c tests/testutil.h
tests_test_qemu_detect_CPPFLAGS = $(AM_CPPFLAGS) $(VIRT_CPPFLAGS)
tests_test_qemu_detect_CFLAGS = $(AM_CFLAGS) $(LIBXML_CFLAGS) $(JSONC_CFLAGS)
tests_test_qemu_detect_LDADD = libvirt/libkvmregs-virt.la lib/libkvmregs.la $(LIBXML_LIBS) $(JSONC_LIBS)
