# tests/vm: the probe and the replay on real arm64 kernels
