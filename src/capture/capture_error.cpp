// Formats a CaptureError as the one line that tools and logs print.
#include "capture/capture_error.hpp"

#include <fmt/format.h>

namespace dicomsentry {

std::string CaptureError::message() const {
  return fmt::format("{}: offset {}: {}", file, offset, reason);
}

}  // namespace dicomsentry
