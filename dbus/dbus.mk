# D-Bus data: the interface kvmregsd serves (embedded into it by daemon/daemon.mk),
# the system bus policy and the activation file.
dbusinterfacesdir = $(dbusdatadir)/interfaces
dist_dbusinterfaces_DATA = dbus/org.kvmregs.Profile1.xml
# The system bus reads policies from <datadir>/dbus-1/system.d: configure --prefix=/usr
# (or --with-dbusdatadir=/usr/share/dbus-1) for an installation the bus sees.
dbuspolicydir = $(dbusdatadir)/system.d
dist_dbuspolicy_DATA = dbus/org.kvmregs.Profile1.conf
dbussystemservicesdir = $(dbusdatadir)/system-services
dist_dbussystemservices_DATA = dbus/org.kvmregs.Profile1.service
