# tests/libvirt: end-to-end migrations with real libvirtd
