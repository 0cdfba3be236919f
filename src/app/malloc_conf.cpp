// jemalloc's configuration, read by jemalloc itself before the first allocation (no environment
// variable needed). Linked into the program and the end-to-end benchmark only, and only in
// builds without sanitizers (ASan brings its own allocator).
//
// Why jemalloc with transparent huge pages: the sensor's heap (flow records, sessions, the
// inventory, DCMTK's data sets) grows to 100-200 MB over a capture, and with glibc's malloc and
// 4 KiB pages every page of it is a page fault (32,600 in one run over the 1.2 million-packet
// benchmark capture) and a TLB entry. "thp:always" has jemalloc ask for huge pages on all its
// memory, "metadata_thp:auto" on its own bookkeeping too; the same run then takes 1,600 faults
// and 20-25% less wall time (see the commit that added this file for the figures).
extern "C" {
// The type and name jemalloc looks up (a weak symbol in the library, overridden here).
// NOLINTNEXTLINE(cppcoreguidelines-avoid-non-const-global-variables)
const char* malloc_conf = "thp:always,metadata_thp:auto";
}
