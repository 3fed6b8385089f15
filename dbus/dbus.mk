# D-Bus data: the interface kvmregsd serves (embedded into it by daemon/daemon.mk),
# the system bus policy and the activation file.
dbusinterfacesdir = $(dbusdatadir)/interfaces
dist_dbusinterfaces_DATA = dbus/org.kvmregs.Profile1.xml
dbuspolicydir = $(datadir)/dbus-1/system.d
dist_dbuspolicy_DATA = dbus/org.kvmregs.Profile1.conf
dbussystemservicesdir = $(dbusdatadir)/system-services
dist_dbussystemservices_DATA = dbus/org.kvmregs.Profile1.service
