// parse_http_request_head: complete heads, waiting for more, refusing malformed lines early,
// and the size limit.
#include "pipeline/http_request.hpp"

#include <gtest/gtest.h>

#include <string>

namespace dicomsentry {
namespace {

TEST(HttpRequestHead, CompleteGetWithHeaders) {
  const std::string bytes =
      "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:9100\r\nAccept: text/plain;q=0.9\r\n\r\nEXTRA";
  const HttpRequestHead head = parse_http_request_head(bytes);
  ASSERT_EQ(head.status, HttpHeadStatus::kComplete);
  EXPECT_EQ(head.method, "GET");
  EXPECT_EQ(head.target, "/metrics");
  EXPECT_EQ(head.version, "HTTP/1.1");
  EXPECT_EQ(head.head_bytes, bytes.size() - 5);
}

TEST(HttpRequestHead, BareLineFeedsAndHttp10) {
  const HttpRequestHead head = parse_http_request_head("POST /x?y=1 HTTP/1.0\nA:b\n\n");
  ASSERT_EQ(head.status, HttpHeadStatus::kComplete);
  EXPECT_EQ(head.method, "POST");
  EXPECT_EQ(head.target, "/x?y=1");
  EXPECT_EQ(head.version, "HTTP/1.0");
  EXPECT_EQ(head.head_bytes, 26u);
}

TEST(HttpRequestHead, IncompleteWhileValidSoFar) {
  for (const char* prefix : {"", "G", "GET", "GET ", "GET /metrics HTTP/1.1",
                             "GET /metrics HTTP/1.1\r\n", "GET /metrics HTTP/1.1\r\nHost: a\r\n",
                             "GET /metrics HTTP/1.1\r\nHost: a\r\n\r"}) {
    EXPECT_EQ(parse_http_request_head(prefix).status, HttpHeadStatus::kIncomplete) << prefix;
  }
}

TEST(HttpRequestHead, MalformedRequestLines) {
  for (const char* bytes :
       {"\x16\x03\x01\x02\x00", " GET /metrics HTTP/1.1\r\n", "GET\r\n", "GET /metrics\r\n",
        "GET  /metrics HTTP/1.1\r\n", "GET /metrics HTTP/1.1 \r\n", "GET /metrics HTTP/2.0\r\n",
        "GET /me\x01trics HTTP/1.1\r\n", "G(T /metrics HTTP/1.1\r\n", "\r\n", "GE\rT"}) {
    const HttpRequestHead head = parse_http_request_head(bytes);
    EXPECT_EQ(head.status, HttpHeadStatus::kBadRequest) << bytes;
  }
}

TEST(HttpRequestHead, MalformedHeaderFields) {
  for (const char* bytes : {"GET / HTTP/1.1\r\nNoColon\r\n\r\n", "GET / HTTP/1.1\r\nA : b\r\n\r\n",
                            "GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n",
                            "GET / HTTP/1.1\r\n: empty name\r\n\r\n",
                            "GET / HTTP/1.1\r\nA: b\x01" "c\r\n\r\n",
                            "GET / HTTP/1.1\r\nA: b\r\r\n\r\n"}) {
    EXPECT_EQ(parse_http_request_head(bytes).status, HttpHeadStatus::kBadRequest) << bytes;
  }
}

TEST(HttpRequestHead, TooLargeWithoutAnEndWithinTheLimit) {
  const std::string start = "GET /metrics HTTP/1.1\r\nX-Big: ";
  std::string bytes = start + std::string(kMaxRequestHeadBytes - start.size(), 'a');
  ASSERT_EQ(bytes.size(), kMaxRequestHeadBytes);
  EXPECT_EQ(parse_http_request_head(bytes).status, HttpHeadStatus::kTooLarge);
  // One byte less is still waiting for the rest.
  EXPECT_EQ(parse_http_request_head(std::string_view(bytes).substr(0, bytes.size() - 1)).status,
            HttpHeadStatus::kIncomplete);
  // An end beyond the limit is not looked for.
  bytes += "\r\n\r\n";
  EXPECT_EQ(parse_http_request_head(bytes).status, HttpHeadStatus::kTooLarge);
  // A head that ends exactly at the limit is complete.
  const std::string fits = start + std::string(kMaxRequestHeadBytes - start.size() - 4, 'a') +
                           "\r\n\r\n";
  ASSERT_EQ(fits.size(), kMaxRequestHeadBytes);
  EXPECT_EQ(parse_http_request_head(fits).status, HttpHeadStatus::kComplete);
  // A smaller limit applies the same way.
  EXPECT_EQ(parse_http_request_head("GET /metrics HTTP/1.1\r\n", 10).status,
            HttpHeadStatus::kTooLarge);
}

TEST(HttpRequestHead, TargetPath) {
  EXPECT_EQ(http_target_path("/metrics"), "/metrics");
  EXPECT_EQ(http_target_path("/metrics?name[]=x"), "/metrics");
  EXPECT_EQ(http_target_path("/metrics#frag"), "/metrics");
  EXPECT_EQ(http_target_path("*"), "*");
}

}  // namespace
}  // namespace dicomsentry
