// libFuzzer target: any bytes as the head of a request to the metrics endpoint. Checks the
// parser's own promises: it looks at no more than the limit, a complete head ends inside it
// with an empty line, and the views point into the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "pipeline/http_request.hpp"

using namespace dicomsentry;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

bool inside(std::string_view part, std::string_view whole) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  // A small limit too, so the size checks are reached with short inputs.
  for (const std::size_t limit : {kMaxRequestHeadBytes, std::size_t{64}}) {
    const HttpRequestHead head = parse_http_request_head(bytes, limit);
    if (head.status == HttpHeadStatus::kComplete) {
      check(head.head_bytes >= 4 && head.head_bytes <= limit && head.head_bytes <= size);
      check(bytes[head.head_bytes - 1] == '\n');
      check(head.version == "HTTP/1.1" || head.version == "HTTP/1.0");
      check(!head.method.empty() && !head.target.empty());
      check(http_target_path(head.target).size() <= head.target.size());
    } else {
      check(head.head_bytes == 0);
    }
    if (head.status == HttpHeadStatus::kTooLarge) check(size >= limit);
    if (head.status == HttpHeadStatus::kIncomplete) check(size < limit);
    check(inside(head.method, bytes) && inside(head.target, bytes) && inside(head.version, bytes));
  }
  return 0;
}
