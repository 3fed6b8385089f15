# kvmregsd.service: @sbindir@ substituted at build time, so it follows --prefix.
systemdsystemunit_DATA = systemd/kvmregsd.service
EXTRA_DIST += systemd/kvmregsd.service.in
CLEANFILES += systemd/kvmregsd.service
systemd/kvmregsd.service: $(srcdir)/systemd/kvmregsd.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd && \
	sed -e 's|@sbindir[@]|$(sbindir)|g' $(srcdir)/systemd/kvmregsd.service.in > $@.tmp && mv $@.tmp $@
