# tests/libvirt: end-to-end migrations with real libvirtd

# The domain XML code and the migrate hook (client/domxml.c, client/kvmregs-hook.c).
check_PROGRAMS += tests/test-domxml
TESTS += tests/test-domxml
tests_test_domxml_SOURCES = tests/test-domxml.c tests/testutil.h
tests_test_domxml_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/client
tests_test_domxml_CFLAGS = $(AM_CFLAGS) $(LIBXML_CFLAGS) $(JSONC_CFLAGS)
tests_test_domxml_LDADD = client/libkvmregs-client.la lib/libkvmregs.la $(LIBXML_LIBS) $(JSONC_LIBS)
