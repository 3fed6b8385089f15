# kvmregsd: the probe (probe.c), the bus service, the libvirt watcher (watch.c).
sbin_PROGRAMS += kvmregsd
kvmregsd_SOURCES = \
	daemon/kvmregsd.c \
	daemon/probe.c daemon/probe.h \
	daemon/shared-profile.h \
	daemon/watch.c daemon/watch.h
kvmregsd_CFLAGS = $(AM_CFLAGS) $(LIBXML_CFLAGS) $(JSONC_CFLAGS) $(DBUS_CFLAGS) $(SYSTEMD_CFLAGS) $(LIBVIRT_CFLAGS) -pthread
kvmregsd_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/client
kvmregsd_LDADD = client/libkvmregs-client.la lib/libkvmregs.la $(JSONC_LIBS) $(DBUS_LIBS) $(SYSTEMD_LIBS) $(LIBVIRT_LIBS) $(LIBXML_LIBS)
kvmregsd_LDFLAGS = $(AM_LDFLAGS) -pthread
