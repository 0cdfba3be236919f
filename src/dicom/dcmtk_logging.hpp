// DCMTK logs parse problems to stderr through oflog; the inspector reports them in its own
// records instead, so every DCMTK entry point of the adapter silences dcmdata first.
#pragma once

namespace dicomsentry::dicom {

// Sets DCMTK's dcmdata logger to OFF, once per process (thread-safe, cheap after the first).
void quiet_dcmtk_logging();

}  // namespace dicomsentry::dicom
