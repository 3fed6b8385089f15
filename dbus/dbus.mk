# D-Bus data: the interface kvmregsd serves, the system bus policy and the activation file;
# and dbus/kvmregs-bus.h, the header of every bus, object, interface, member and error name,
# generated from the interface file so that kvmregsd and its clients share them.
dbusinterfacesdir = $(dbusdatadir)/interfaces
dist_dbusinterfaces_DATA = dbus/org.kvmregs.Profile1.xml
# The system bus reads policies from <datadir>/dbus-1/system.d: configure --prefix=/usr
# (or --with-dbusdatadir=/usr/share/dbus-1) for an installation the bus sees.
dbuspolicydir = $(dbusdatadir)/system.d
dist_dbuspolicy_DATA = dbus/org.kvmregs.Profile1.conf
dbussystemservicesdir = $(dbusdatadir)/system-services
dist_dbussystemservices_DATA = dbus/org.kvmregs.Profile1.service

EXTRA_DIST += dbus/gen-names.sh
BUILT_SOURCES = dbus/kvmregs-bus.h
CLEANFILES += dbus/kvmregs-bus.h
dbus/kvmregs-bus.h: $(srcdir)/dbus/org.kvmregs.Profile1.xml $(srcdir)/dbus/gen-names.sh
	$(AM_V_GEN)$(MKDIR_P) dbus && \
	sh $(srcdir)/dbus/gen-names.sh $(srcdir)/dbus/org.kvmregs.Profile1.xml > $@.tmp && mv $@.tmp $@
