// JsonWriter: exact output for escaping, UTF-8 handling, numbers, nesting and commas, and a
// round trip through nlohmann::json.
#include "output/json_writer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

namespace dicomsentry {
namespace {

std::string json_string(std::string_view s) {
  fmt::memory_buffer buf;
  JsonWriter w(buf);
  w.value(s);
  return std::string(w.view());
}

TEST(JsonWriter, PlainAsciiUnchanged) { EXPECT_EQ(json_string("abc XYZ 0-9 /~"), R"("abc XYZ 0-9 /~")"); }

TEST(JsonWriter, EmptyString) { EXPECT_EQ(json_string(""), R"("")"); }

TEST(JsonWriter, QuoteAndBackslashEscaped) {
  EXPECT_EQ(json_string(R"(a"b\c)"), R"("a\"b\\c")");
}

TEST(JsonWriter, ShortFormControlEscapes) {
  EXPECT_EQ(json_string("\b\f\n\r\t"), R"("\b\f\n\r\t")");
}

TEST(JsonWriter, EveryControlCharacterEscaped) {
  static constexpr const char* kExpected[32] = {
      R"("\u0000")", R"("\u0001")", R"("\u0002")", R"("\u0003")", R"("\u0004")", R"("\u0005")",
      R"("\u0006")", R"("\u0007")", R"("\b")",     R"("\t")",     R"("\n")",     R"("\u000b")",
      R"("\f")",     R"("\r")",     R"("\u000e")", R"("\u000f")", R"("\u0010")", R"("\u0011")",
      R"("\u0012")", R"("\u0013")", R"("\u0014")", R"("\u0015")", R"("\u0016")", R"("\u0017")",
      R"("\u0018")", R"("\u0019")", R"("\u001a")", R"("\u001b")", R"("\u001c")", R"("\u001d")",
      R"("\u001e")", R"("\u001f")"};
  for (int c = 0; c < 32; ++c) {
    const char ch = static_cast<char>(c);
    EXPECT_EQ(json_string(std::string_view(&ch, 1)), kExpected[c]) << "byte " << c;
  }
}

TEST(JsonWriter, DelAndSlashNotEscaped) { EXPECT_EQ(json_string("\x7f/"), "\"\x7f/\""); }

TEST(JsonWriter, EmbeddedNulInsideText) {
  EXPECT_EQ(json_string(std::string_view("a\0b", 3)), R"("a\u0000b")");
}

TEST(JsonWriter, ValidUtf8CopiedThrough) {
  // 2-, 3- and 4-byte sequences at the edges of their ranges: U+0080, U+07FF, U+0800, U+D7FF,
  // U+E000, U+FFFF, U+10000, U+10FFFF.
  const std::string s =
      "\xC2\x80\xDF\xBF\xE0\xA0\x80\xED\x9F\xBF\xEE\x80\x80\xEF\xBF\xBF\xF0\x90\x80\x80\xF4\x8F\xBF\xBF";
  fmt::memory_buffer buf;
  JsonWriter w(buf);
  w.value(s);
  EXPECT_EQ(w.view(), "\"" + s + "\"");
  EXPECT_EQ(w.replaced_bytes(), 0u);
}

// Each invalid byte becomes U+FFFD (EF BF BD).
constexpr std::string_view kFffd = "\xEF\xBF\xBD";

std::string replaced(std::string_view prefix, int count, std::string_view suffix) {
  std::string out = "\"" + std::string(prefix);
  for (int i = 0; i < count; ++i) out += kFffd;
  return out + std::string(suffix) + "\"";
}

TEST(JsonWriter, StrayContinuationByteReplaced) {
  EXPECT_EQ(json_string("a\x80z"), replaced("a", 1, "z"));
}

TEST(JsonWriter, OverlongTwoByteReplaced) {
  EXPECT_EQ(json_string("\xC0\xAF"), replaced("", 2, ""));  // overlong '/'
}

TEST(JsonWriter, OverlongThreeByteReplaced) {
  EXPECT_EQ(json_string("\xE0\x80\xAF"), replaced("", 3, ""));
}

TEST(JsonWriter, SurrogateReplaced) {
  EXPECT_EQ(json_string("\xED\xA0\x80"), replaced("", 3, ""));  // U+D800
}

TEST(JsonWriter, AboveU10FFFFReplaced) {
  EXPECT_EQ(json_string("\xF4\x90\x80\x80"), replaced("", 4, ""));
}

TEST(JsonWriter, InvalidLeadBytesReplaced) {
  EXPECT_EQ(json_string("\xF5\xFF"), replaced("", 2, ""));
}

TEST(JsonWriter, TruncatedSequenceAtEndReplaced) {
  EXPECT_EQ(json_string("ok\xE2\x82"), replaced("ok", 2, ""));
}

TEST(JsonWriter, TruncatedSequenceBeforeAsciiKeepsAscii) {
  EXPECT_EQ(json_string("\xE2\x82z"), replaced("", 2, "z"));
}

TEST(JsonWriter, ReplacementsCounted) {
  fmt::memory_buffer buf;
  JsonWriter w(buf);
  w.begin_array();
  w.value("\x80\x81");
  w.value("\xFF");
  w.end_array();
  EXPECT_EQ(w.replaced_bytes(), 3u);
}

TEST(JsonWriter, EveryByteValueGivesParseableJson) {
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  const auto parsed = nlohmann::json::parse(json_string(all));
  ASSERT_TRUE(parsed.is_string());
  const std::string back = parsed.get<std::string>();
  EXPECT_EQ(back.substr(0, 128), all.substr(0, 128));  // ASCII survives exactly
  std::string tail;
  for (int i = 0; i < 128; ++i) tail += kFffd;  // lone bytes >= 0x80 are never valid UTF-8
  EXPECT_EQ(back.substr(128), tail);
}

// The writer scans 8 bytes at a time; a special byte must be caught at every position of the
// window, and plain bytes around it copied exactly.
TEST(JsonWriter, SpecialByteAtEveryPositionOfTheScanWindow) {
  struct Case {
    char byte;
    std::string_view escaped;
  };
  const Case cases[] = {{'"', R"(\")"},     {'\\', R"(\\)"},      {'\0', R"(\u0000)"},
                        {'\x1f', R"(\u001f)"}, {'\x80', "\xEF\xBF\xBD"}, {' ', " "},
                        {'\x7f', "\x7f"},      {'!', "!"},            {'\xFF', "\xEF\xBF\xBD"}};
  for (const Case& c : cases) {
    for (std::size_t pos = 0; pos < 17; ++pos) {
      std::string in(17, 'a');
      in[pos] = c.byte;
      const std::string expected = "\"" + std::string(pos, 'a') + std::string(c.escaped) +
                                   std::string(16 - pos, 'a') + "\"";
      EXPECT_EQ(json_string(in), expected) << "byte " << int(static_cast<unsigned char>(c.byte))
                                           << " at " << pos;
    }
  }
}

// Long strings are escaped in 4096-byte chunks; the worst-case expansion must fit each chunk.
TEST(JsonWriter, LongStringOfControlBytes) {
  std::string expected = "\"";
  for (int i = 0; i < 10000; ++i) expected += "\\u0001";
  expected += "\"";
  EXPECT_EQ(json_string(std::string(10000, '\x01')), expected);
}

TEST(JsonWriter, LongStringOfInvalidBytes) {
  std::string expected = "\"";
  for (int i = 0; i < 9000; ++i) expected += kFffd;
  expected += "\"";
  EXPECT_EQ(json_string(std::string(9000, '\xFF')), expected);
}

TEST(JsonWriter, Utf8SequenceAcrossChunkBoundary) {
  for (std::size_t before = 4093; before <= 4096; ++before) {
    const std::string in = std::string(before, 'a') + "\xF0\x9F\x98\x80" + std::string(5000, 'b');
    EXPECT_EQ(json_string(in), "\"" + in + "\"") << before;
  }
}

TEST(JsonWriter, LongKeyGetsColon) {
  fmt::memory_buffer buf;
  JsonWriter w(buf);
  const std::string k(5000, 'k');
  w.begin_object();
  w.dynamic_key_value(k, 1);
  w.end_object();
  EXPECT_EQ(w.view(), "{\"" + k + "\":1}");
}

TEST(JsonWriter, Integers) {
  fmt::memory_buffer buf;
  JsonWriter w(buf);
  w.begin_array();
  w.value(std::numeric_limits<std::int64_t>::min());
  w.value(std::numeric_limits<std::int64_t>::max());
  w.value(std::numeric_limits<std::uint64_t>::max());
  w.value(std::uint8_t{255});
  w.value(std::int16_t{-7});
  w.value(0);
  w.end_array();
  EXPECT_EQ(w.view(),
            "[-9223372036854775808,9223372036854775807,18446744073709551615,255,-7,0]");
  const auto parsed = nlohmann::json::parse(w.view());
  EXPECT_EQ(parsed[0].get<std::int64_t>(), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(parsed[1].get<std::int64_t>(), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(parsed[2].get<std::uint64_t>(), std::numeric_limits<std::uint64_t>::max());
}

TEST(JsonWriter, Doubles) {
  fmt::memory_buffer buf;
  JsonWriter w(buf);
  w.begin_array();
  w.value(0.5);
  w.value(-1.25);
  w.value(0.1);
  w.value(1e300);
  w.value(3.0);
  w.end_array();
  EXPECT_EQ(w.view(), "[0.5,-1.25,0.1,1e+300,3]");
  const auto parsed = nlohmann::json::parse(w.view());
  EXPECT_EQ(parsed[2].get<double>(), 0.1);
  EXPECT_EQ(parsed[3].get<double>(), 1e300);
}

TEST(JsonWriter, NonFiniteDoublesBecomeNull) {
  fmt::memory_buffer buf;
  JsonWriter w(buf);
  w.begin_array();
  w.value(std::numeric_limits<double>::quiet_NaN());
  w.value(std::numeric_limits<double>::infinity());
  w.value(-std::numeric_limits<double>::infinity());
  w.end_array();
  EXPECT_EQ(w.view(), "[null,null,null]");
}

TEST(JsonWriter, BoolNullAndCommas) {
  fmt::memory_buffer buf;
  JsonWriter w(buf);
  w.begin_object();
  w.key_value("a", true);
  w.key_value("b", false);
  w.key_null("c");
  w.key_value("d", "x");
  w.end_object();
  EXPECT_EQ(w.view(), R"({"a":true,"b":false,"c":null,"d":"x"})");
  EXPECT_TRUE(w.complete());
}

// key_plain_value writes what key + value would for a string that needs no escaping, with
// commas placed alike; is_plain draws the line key_plain_value's callers must stay inside.
// A string member is written in one step (key and escaped value in one reservation): its text
// equals key() then value() for every kind of value, through each of the string overloads,
// including values longer than one escaping chunk with escapes and invalid UTF-8 at its edge.
TEST(JsonWriter, StringMemberEqualsKeyThenValue) {
  std::string long_mixed(5000, 'x');
  long_mixed[4095] = '\n';
  long_mixed[4096] = '\xe2';  // a 3-byte sequence cut by the chunk boundary, then invalid
  long_mixed[4097] = '\x82';
  std::string control_run(9000, '\x01');
  const std::string values[] = {"", "a", "10.0.0.1", "quote\"back\\slash", "tab\tnl\n",
                                "caf\xc3\xa9", "bad\xff\xfe", std::string("nul\0in", 6),
                                long_mixed, control_run};
  fmt::memory_buffer member_buf;
  fmt::memory_buffer split_buf;
  JsonWriter member(member_buf);
  JsonWriter split(split_buf);
  member.begin_object();
  split.begin_object();
  for (const std::string& v : values) {
    member.key_value("s", v);                    // const std::string&
    member.key_value("v", std::string_view(v));  // std::string_view
    member.key_value("c", v.c_str());            // const char*: up to the first NUL
    split.key("s");
    split.value(std::string_view(v));
    split.key("v");
    split.value(std::string_view(v));
    split.key("c");
    split.value(std::string_view(v.c_str()));
  }
  member.end_object();
  split.end_object();
  EXPECT_EQ(member.view(), split.view());
  EXPECT_EQ(member.replaced_bytes(), split.replaced_bytes());
  EXPECT_GT(member.replaced_bytes(), 0u);
  EXPECT_TRUE(member.complete());
  // GCC does not let a cast to void drop parse()'s warn_unused_result: the result is checked.
  EXPECT_TRUE(nlohmann::json::parse(member.view()).is_object());
}

TEST(JsonWriter, PlainValueEqualsEscapedValueForPlainStrings) {
  fmt::memory_buffer plain_buf;
  fmt::memory_buffer escaped_buf;
  JsonWriter plain(plain_buf);
  JsonWriter escaped(escaped_buf);
  const std::string_view values[] = {"", "10.0.0.1", "2026-11-28T13:00:56.485931+0000",
                                     "1:EkMKNC+5BO/9HirmZaWFazM9opE=", " ~!#$%&'()*+,-./:;<=>?@[]^_`{|}"};
  plain.begin_object();
  escaped.begin_object();
  for (const std::string_view v : values) {
    ASSERT_TRUE(JsonWriter::is_plain(v)) << v;
    plain.key_plain_value("k", v);
    escaped.key_value("k", v);
  }
  plain.key("nested");
  escaped.key("nested");
  plain.begin_object();
  escaped.begin_object();
  plain.key_plain_value("a", "b");
  escaped.key_value("a", "b");
  plain.end_object();
  escaped.end_object();
  plain.end_object();
  escaped.end_object();
  EXPECT_EQ(plain.view(), escaped.view());
  EXPECT_TRUE(plain.complete());
  for (const std::string_view bad : {"a\"b", "back\\slash", "tab\t", "\x7f", "caf\xc3\xa9"}) {
    EXPECT_FALSE(JsonWriter::is_plain(bad)) << bad;
  }
}

TEST(JsonWriter, EmptyContainers) {
  fmt::memory_buffer buf;
  JsonWriter w(buf);
  w.begin_object();
  w.key("o");
  w.begin_object();
  w.end_object();
  w.key("a");
  w.begin_array();
  w.end_array();
  w.end_object();
  EXPECT_EQ(w.view(), R"({"o":{},"a":[]})");
}

TEST(JsonWriter, Nesting) {
  fmt::memory_buffer buf;
  JsonWriter w(buf);
  w.begin_object();
  w.key("flow");
  w.begin_object();
  w.key_value("pkts", 3u);
  w.key("tags");
  w.begin_array();
  w.value("x");
  w.begin_array();
  w.value(1);
  w.value(2);
  w.end_array();
  w.begin_object();
  w.end_object();
  w.end_array();
  w.end_object();
  w.key_value("z", -1);
  EXPECT_EQ(w.depth(), 1);
  EXPECT_FALSE(w.complete());
  w.end_object();
  EXPECT_EQ(w.view(), R"({"flow":{"pkts":3,"tags":["x",[1,2],{}]},"z":-1})");
  EXPECT_TRUE(w.complete());
}

TEST(JsonWriter, DeepNestingHasNoLimit) {
  fmt::memory_buffer buf;
  JsonWriter w(buf);
  constexpr int kDepth = 200;
  for (int i = 0; i < kDepth; ++i) w.begin_array();
  w.value(1);
  w.value(2);
  for (int i = 0; i < kDepth; ++i) w.end_array();
  EXPECT_EQ(w.view(), std::string(kDepth, '[') + "1,2" + std::string(kDepth, ']'));
}

// A literal key is copied without escaping; it must read exactly as the same key escaped.
TEST(JsonWriter, LiteralKeysEqualEscapedKeys) {
  fmt::memory_buffer literal;
  fmt::memory_buffer escaped;
  JsonWriter a(literal);
  JsonWriter b(escaped);
  a.begin_object();
  b.begin_object();
  a.key_value("calling_ae", "A");
  b.dynamic_key_value("calling_ae", "A");
  a.key("list");
  b.dynamic_key("list");
  a.begin_array();
  b.begin_array();
  a.end_array();
  b.end_array();
  a.key_null("x");
  b.dynamic_key("x");
  b.null();
  a.end_object();
  b.end_object();
  EXPECT_EQ(a.view(), R"({"calling_ae":"A","list":[],"x":null})");
  EXPECT_EQ(a.view(), b.view());
}

TEST(JsonWriter, KeysAreEscaped) {
  fmt::memory_buffer buf;
  JsonWriter w(buf);
  w.begin_object();
  w.dynamic_key_value("a\"b\n", 1);
  w.end_object();
  EXPECT_EQ(w.view(), R"({"a\"b\n":1})");
}

TEST(JsonWriter, RawValueGetsCommas) {
  fmt::memory_buffer buf;
  JsonWriter w(buf);
  w.begin_object();
  w.key_value("a", 1);
  w.key_raw("pre", R"({"x":[1]})");
  w.key("b");
  w.raw("true");
  w.end_object();
  EXPECT_EQ(w.view(), R"({"a":1,"pre":{"x":[1]},"b":true})");
}

TEST(JsonWriter, StringValueEndingInColonStillGetsComma) {
  fmt::memory_buffer buf;
  JsonWriter w(buf);
  w.begin_array();
  w.value("a:");
  w.value("[");
  w.value("b");
  w.end_array();
  EXPECT_EQ(w.view(), R"(["a:","[","b"])");
}

TEST(JsonWriter, StartsAtBufferEndAndRestart) {
  fmt::memory_buffer buf;
  buf.append(std::string_view("previous line}\n"));
  JsonWriter w(buf);
  w.begin_object();
  w.key_value("n", 1);
  w.end_object();
  EXPECT_EQ(w.view(), R"({"n":1})");
  EXPECT_EQ(fmt::to_string(buf), "previous line}\n{\"n\":1}");
  buf.clear();
  w.restart();
  w.begin_array();
  w.end_array();
  EXPECT_EQ(w.view(), "[]");
}

TEST(JsonWriter, BufferClearedWithoutRestartIsSafe) {
  fmt::memory_buffer buf;
  buf.append(std::string_view("xxxx"));
  JsonWriter w(buf);
  buf.clear();
  EXPECT_EQ(w.view(), "");
  w.value(1);  // must not look at a byte before the buffer for its comma decision
  EXPECT_EQ(fmt::to_string(buf), "1");
}

TEST(JsonWriter, NoReallocationOnceBufferHasGrown) {
  fmt::memory_buffer buf;
  JsonWriter w(buf);
  auto write_event = [&] {
    buf.clear();
    w.restart();
    w.begin_object();
    w.key_value("timestamp", "2026-11-28T12:38:32.123456+0000");
    w.key_value("flow_id", std::uint64_t{1234567890123});
    w.key_value("src_ip", "192.168.1.10");
    w.key_value("payload", std::string(600, 'x'));
    w.end_object();
  };
  write_event();
  const char* data = buf.data();
  const std::size_t capacity = buf.capacity();
  for (int i = 0; i < 100; ++i) write_event();
  EXPECT_EQ(buf.data(), data);
  EXPECT_EQ(buf.capacity(), capacity);
}

TEST(JsonWriter, RoundTripThroughNlohmann) {
  fmt::memory_buffer buf;
  JsonWriter w(buf);
  const std::string nasty = std::string("q\"b\\s/\x01\x1f\t\n") + "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";
  w.begin_object();
  w.key_value("timestamp", "2026-11-28T12:38:32.123456+0000");
  w.key_value("event_type", "flow");
  w.key_value("src_port", std::uint16_t{104});
  w.key_value("bytes", std::uint64_t{18446744073709551615u});
  w.key_value("delta", std::int64_t{-42});
  w.key_value("ratio", 0.25);
  w.key_value("alerted", false);
  w.dynamic_key_value(nasty, nasty);
  w.key("list");
  w.begin_array();
  w.value(1);
  w.null();
  w.value("two");
  w.end_array();
  w.end_object();

  const auto j = nlohmann::json::parse(w.view());
  EXPECT_EQ(j.at("timestamp"), "2026-11-28T12:38:32.123456+0000");
  EXPECT_EQ(j.at("event_type"), "flow");
  EXPECT_EQ(j.at("src_port").get<int>(), 104);
  EXPECT_EQ(j.at("bytes").get<std::uint64_t>(), 18446744073709551615u);
  EXPECT_EQ(j.at("delta").get<std::int64_t>(), -42);
  EXPECT_EQ(j.at("ratio").get<double>(), 0.25);
  EXPECT_EQ(j.at("alerted").get<bool>(), false);
  EXPECT_EQ(j.at(nasty).get<std::string>(), nasty);
  EXPECT_EQ(j.at("list").dump(), R"([1,null,"two"])");
  EXPECT_EQ(j.size(), 9u);
}

TEST(JsonWriter, AppendJsonStringReturnsReplacementCount) {
  fmt::memory_buffer buf;
  EXPECT_EQ(append_json_string(buf, "a\xFF" "b\xFE"), 2u);
  EXPECT_EQ(fmt::to_string(buf), "\"a\xEF\xBF\xBD" "b\xEF\xBF\xBD\"");
}

}  // namespace
}  // namespace dicomsentry
