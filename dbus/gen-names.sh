#!/bin/sh
# Makes the C header of kvmregs' D-Bus names from the interface file, so that kvmregsd and
# its clients cannot disagree on a name: the bus name, object path and interface; the
# error names (org.kvmregs.Error.* annotations); the method, property and signal names;
# and the interface file itself as a string. Usage: gen-names.sh INTERFACE.xml > HEADER
set -eu
xml=$1
echo "/* Generated from dbus/$(basename "$xml") by dbus/gen-names.sh: do not edit. */"
echo "#pragma once"
# KEY VALUE pairs, one per line, of what the file declares.
sed -n \
    -e 's|.*<interface name="\([^"]*\)".*|INTERFACE \1|p' \
    -e 's|.*<annotation name="org.kvmregs.BusName" value="\([^"]*\)".*|BUS_NAME \1|p' \
    -e 's|.*<annotation name="org.kvmregs.PrivilegedBusName" value="\([^"]*\)".*|PRIVILEGED_BUS_NAME \1|p' \
    -e 's|.*<annotation name="org.kvmregs.ObjectPath" value="\([^"]*\)".*|OBJECT_PATH \1|p' \
    -e 's|.*<annotation name="org.kvmregs.Error.\([A-Za-z]*\)" value="\([^"]*\)".*|ERROR_\1 \2|p' \
    -e 's|.*<method name="\([^"]*\)".*|METHOD_\1 \1|p' \
    -e 's|.*<property name="\([^"]*\)".*|PROPERTY_\1 \1|p' \
    -e 's|.*<signal name="\([^"]*\)".*|SIGNAL_\1 \1|p' "$xml" |
while read -r key value; do
        # CamelCase → UPPER_SNAKE: ERROR_InvalidProfile → KVMREGS_ERROR_INVALID_PROFILE
        name=$(printf '%s' "$key" | sed -e 's/\([a-z0-9]\)\([A-Z]\)/\1_\2/g' | tr '[:lower:]' '[:upper:]')
        printf '#define KVMREGS_%s "%s"\n' "$name" "$value"
done
echo
echo "/* The interface file, as served by Introspect and checked against it by the tests. */"
echo "static const char kvmregs_interface_xml[] __attribute__((unused)) ="
sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/        "/' -e 's/$/\\n"/' "$xml"
echo "        ;"
