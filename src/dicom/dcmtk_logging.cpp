// Silences DCMTK's dcmdata logger (see dcmtk_logging.hpp).
#include "dicom/dcmtk_logging.hpp"

#include "dcmtk/config/osconfig.h"  // must precede the other DCMTK headers
#include "dcmtk/oflog/oflog.h"

namespace dicomsentry::dicom {

void quiet_dcmtk_logging() {
  // A function-local static runs once even with several workers calling concurrently. Every
  // "dcmtk.dcmdata.*" logger inherits the level; hostile data sets would otherwise write a
  // line to stderr per malformed element.
  static const bool quieted = [] {
    OFLog::getLogger("dcmtk.dcmdata").setLogLevel(OFLogger::OFF_LOG_LEVEL);
    return true;
  }();
  (void)quieted;
}

}  // namespace dicomsentry::dicom
