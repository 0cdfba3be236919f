// CaptureFile on real files: open errors, mapping, the streaming writer, and public captures
// cross-checked against values from capinfos/tshark and against editcap's pcapng output.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "capture/mapped_file.hpp"
#include "capture/pcap_writer.hpp"
#include "capture_test_util.hpp"

namespace dicomsentry {
namespace {

namespace fs = std::filesystem;
using test::make_frame;
using test::read_all;
using test::same_bytes;

// A scratch directory unique to this process, removed at the end of each test.
class TempDir {
 public:
  TempDir() {
    path_ = fs::path(::testing::TempDir()) /
            ("capture_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  void write(const std::string& name, ByteView bytes) const {
    std::ofstream out(file(name), std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
  }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

std::string open_error(const std::string& path) {
  CaptureError error;
  auto capture = CaptureFile::open(path, error);
  return capture ? std::string("opened") : error.message();
}

TEST(CaptureFileOpen, MissingFile) {
  TempDir dir;
  const std::string path = dir.file("missing.pcap");
  EXPECT_EQ(open_error(path), path + ": offset 0: cannot open: No such file or directory");
}

TEST(CaptureFileOpen, Directory) {
  TempDir dir;
  const std::string path = dir.file("");
  EXPECT_EQ(open_error(path), path + ": offset 0: not a regular file");
}

TEST(CaptureFileOpen, EmptyFile) {
  TempDir dir;
  dir.write("empty.pcap", {});
  MappedFile mapping;
  std::string why;
  ASSERT_TRUE(mapping.open(dir.file("empty.pcap"), why)) << why;
  EXPECT_EQ(mapping.size(), 0u);
  EXPECT_TRUE(mapping.bytes().empty());
  EXPECT_EQ(open_error(dir.file("empty.pcap")), dir.file("empty.pcap") + ": offset 0: empty file");
}

TEST(CaptureFileOpen, TooShort) {
  const std::vector<std::byte> bytes = {std::byte{0xd4}, std::byte{0xc3}, std::byte{0xb2}};
  EXPECT_EQ(read_all(bytes).message, "x.pcap: offset 0: file too short to be a capture: 3 bytes");
}

TEST(CaptureFileOpen, NotACaptureSaysWhatMagicItSaw) {
  const auto bytes = as_byte_view(
      "\x7f"
      "ELF\x02\x01\x01\x00 and the rest of a program");
  EXPECT_EQ(read_all(bytes, "a.out").message,
            "a.out: offset 0: not a pcap or pcapng file: magic 0x7f454c46");
}

TEST(CaptureFileOpen, ModifiedPcapVariantIsNamed) {
  std::vector<std::byte> bytes(24);
  test::put_le32(bytes, 0, 0xa1b2cd34);
  EXPECT_EQ(read_all(bytes).message,
            "x.pcap: offset 0: unsupported pcap variant: modified (Kuznetzov) format");
}

TEST(CaptureFileOpen, MappedFileViewsTheFileBytes) {
  TempDir dir;
  PcapWriter writer(LinkType::kNull, false, 1000);
  writer.add(1'000'000'000, make_frame(44, 9));
  dir.write("one.pcap", writer.bytes());
  CaptureError error;
  auto capture = CaptureFile::open(dir.file("one.pcap"), error);
  ASSERT_TRUE(capture) << error.message();
  EXPECT_EQ(capture->size(), 24u + 16 + 44);
  PacketView p;
  ASSERT_EQ(capture->next(p), CaptureFile::Next::kPacket);
  EXPECT_EQ(p.timestamp_ns, 1'000'000'000);
  EXPECT_EQ(p.link_type, LinkType::kNull);
  EXPECT_TRUE(same_bytes(p.bytes, make_frame(44, 9)));
  EXPECT_EQ(capture->next(p), CaptureFile::Next::kEnd);
}

// The reader maps the file a 4 MiB window at a time ahead of itself: across several windows
// every packet is read as from memory, and a range past the end cannot be populated.
TEST(CaptureFileOpen, ReadingAcrossPopulatedWindowsSeesEveryPacket) {
  TempDir dir;
  PcapWriter writer(LinkType::kNull, false, 2000);
  constexpr int kFrames = 10'000;  // about 10 MB: three windows
  for (int i = 0; i < kFrames; ++i) {
    writer.add(1'000'000'000 + i, make_frame(1000 + i % 7, static_cast<std::uint8_t>(i)));
  }
  dir.write("big.pcap", writer.bytes());
  CaptureError error;
  auto mapped = CaptureFile::open(dir.file("big.pcap"), error);
  ASSERT_TRUE(mapped) << error.message();
  auto memory = CaptureFile::open_memory(writer.bytes(), "big.pcap", error);
  ASSERT_TRUE(memory) << error.message();
  PacketView a;
  PacketView b;
  int packets = 0;
  CaptureFile::Next last;
  while ((last = mapped->next(a)) == CaptureFile::Next::kPacket) {
    ASSERT_EQ(memory->next(b), CaptureFile::Next::kPacket);
    ASSERT_EQ(a.timestamp_ns, b.timestamp_ns);
    ASSERT_TRUE(same_bytes(a.bytes, b.bytes)) << "packet " << packets;
    ++packets;
  }
  EXPECT_EQ(packets, kFrames);
  EXPECT_EQ(last, CaptureFile::Next::kEnd);
  EXPECT_EQ(memory->next(b), CaptureFile::Next::kEnd);

  MappedFile file;
  std::string message;
  ASSERT_TRUE(file.open(dir.file("big.pcap"), message)) << message;
  EXPECT_TRUE(file.populate(4096, 8192));
  EXPECT_FALSE(file.populate(file.size(), 4096));
  EXPECT_FALSE(MappedFile().populate(0, 4096));
}

TEST(PcapWriter, StreamedFileEqualsInMemoryCapture) {
  TempDir dir;
  constexpr int kRecords = 3000;  // ~3 MB: several 1 MiB flushes
  PcapWriter memory(LinkType::kEthernet);
  PcapWriter streamed(LinkType::kEthernet);
  std::string why;
  ASSERT_TRUE(streamed.stream_to(dir.file("big.pcap"), why)) << why;
  for (int i = 0; i < kRecords; ++i) {
    const auto frame =
        make_frame(900 + static_cast<std::size_t>(i % 200), static_cast<std::uint8_t>(i));
    memory.add(i * 1'000'003LL, frame);
    streamed.add(i * 1'000'003LL, frame);
  }
  ASSERT_TRUE(streamed.finish(why)) << why;
  EXPECT_EQ(streamed.records(), static_cast<std::uint64_t>(kRecords));

  MappedFile file;
  ASSERT_TRUE(file.open(dir.file("big.pcap"), why)) << why;
  EXPECT_TRUE(same_bytes(file.bytes(), memory.bytes()));

  CaptureError error;
  auto capture = CaptureFile::open(dir.file("big.pcap"), error);
  ASSERT_TRUE(capture) << error.message();
  PacketView p;
  int count = 0;
  while (count <= kRecords && capture->next(p) == CaptureFile::Next::kPacket) {
    if (p.timestamp_ns != count * 1'000'003LL) break;
    ++count;
  }
  EXPECT_EQ(count, kRecords);
}

TEST(PcapWriter, StreamToUnwritablePathFails) {
  PcapWriter writer(LinkType::kEthernet);
  std::string why;
  EXPECT_FALSE(writer.stream_to("/nonexistent-dir/x.pcap", why));
  EXPECT_EQ(why, "cannot create: No such file or directory");
}

// ---- public captures (outside data; skipped when the folder is absent) ----

const std::string kPublic = DICOMSENTRY_PUBLIC_PCAP_DIR;

#define REQUIRE_PUBLIC_PCAPS()                                            \
  if (!fs::is_directory(kPublic)) {                                       \
    GTEST_SKIP() << "public captures folder " << kPublic << " is absent"; \
  }

TEST(PublicCaptures, CtToPacsScenarioMatchesTshark) {
  REQUIRE_PUBLIC_PCAPS();
  CaptureError error;
  auto capture = CaptureFile::open(kPublic + "/ct_to_pacs_scenario.pcap", error);
  ASSERT_TRUE(capture) << error.message();
  EXPECT_EQ(capture->format(), CaptureFile::Format::kPcap);
  EXPECT_EQ(capture->pcap().link_type(), LinkType::kEthernet);
  EXPECT_EQ(capture->pcap().snaplen(), 65535u);
  EXPECT_FALSE(capture->pcap().nanosecond());
  EXPECT_EQ(capture->size(), 2304u);
  // Frame lengths and times from `tshark -T fields -e frame.cap_len -e frame.time_epoch`.
  const std::vector<std::uint32_t> lengths = {102, 114, 58, 58,  58, 261, 58, 241, 58, 198,
                                              58,  166, 58, 198, 58, 58,  58, 58,  58};
  PacketView p;
  for (std::size_t i = 0; i < lengths.size(); ++i) {
    ASSERT_EQ(capture->next(p), CaptureFile::Next::kPacket) << "frame " << i + 1;
    EXPECT_EQ(p.bytes.size(), lengths[i]) << "frame " << i + 1;
    EXPECT_EQ(p.original_length, lengths[i]) << "frame " << i + 1;
    const TimestampNs expected =
        i < 2 ? 1'780'315'200'000'000'000 + static_cast<TimestampNs>(i) * 10'000
              : 1'780'315'205'000'000'000 + static_cast<TimestampNs>(i - 2) * 10'000;
    EXPECT_EQ(p.timestamp_ns, expected) << "frame " << i + 1;
  }
  EXPECT_EQ(capture->next(p), CaptureFile::Next::kEnd);
  EXPECT_EQ(capture->offset(), 2304u);
}

TEST(PublicCaptures, ArqFindTestclientIsPcapngWithNullLinkType) {
  REQUIRE_PUBLIC_PCAPS();
  CaptureError error;
  auto capture = CaptureFile::open(kPublic + "/dicom_arq_1_find_testclient.pcap", error);
  ASSERT_TRUE(capture) << error.message();
  EXPECT_EQ(capture->format(), CaptureFile::Format::kPcapng);  // despite its name
  PacketView p;
  ASSERT_EQ(capture->next(p), CaptureFile::Next::kPacket) << capture->error().message();
  ASSERT_EQ(capture->pcapng().interfaces().size(), 1u);
  EXPECT_EQ(capture->pcapng().interfaces()[0].snaplen, 262144u);  // IDB at offset 52
  EXPECT_EQ(p.link_type, LinkType::kNull);
  EXPECT_EQ(p.timestamp_ns, 1'542'403'616'208'085'000);
  EXPECT_EQ(p.bytes.size(), 739u);
  EXPECT_EQ(p.original_length, 739u);
  // AF_INET (2) in the writer's byte order, then an IPv4 header.
  EXPECT_EQ(std::to_integer<int>(p.bytes[0]), 2);
  EXPECT_EQ(std::to_integer<int>(p.bytes[3]), 0);
  EXPECT_EQ(std::to_integer<int>(p.bytes[4]), 0x45);
  EXPECT_EQ(capture->next(p), CaptureFile::Next::kEnd);
}

TEST(PublicCaptures, EveryPublicCaptureReadsToTheEnd) {
  REQUIRE_PUBLIC_PCAPS();
  const std::vector<std::pair<std::string, std::size_t>> files = {
      {"dicom_arq_1_find_testclient.pcap", 1},
      {"dicom_arq_2_get_testclient.pcap", 2},
      {"ct_to_pacs_scenario.pcap", 19},
      {"synthetic_philips_demo.pcap", 86}};
  for (const auto& [name, frames] : files) {
    MappedFile file;
    std::string why;
    ASSERT_TRUE(file.open(kPublic + "/" + name, why)) << name << ": " << why;
    const auto r = read_all(file.bytes(), name);
    EXPECT_EQ(r.last, CaptureFile::Next::kEnd) << r.message;
    EXPECT_EQ(r.packets.size(), frames) << name;
  }
}

// editcap writes the same packets as pcapng; both readers must agree on every field.
TEST(PublicCaptures, EditcapPcapngCopyReadsTheSameAsTheOriginal) {
  REQUIRE_PUBLIC_PCAPS();
  if (std::system("command -v editcap > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << "editcap (Wireshark tools) is not installed";
  }
  TempDir dir;
  const std::string original = kPublic + "/synthetic_philips_demo.pcap";
  const std::string converted = dir.file("philips.pcapng");
  const std::string command = "editcap -F pcapng '" + original + "' '" + converted + "'";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;

  MappedFile a;
  MappedFile b;
  std::string why;
  ASSERT_TRUE(a.open(original, why)) << why;
  ASSERT_TRUE(b.open(converted, why)) << why;
  const auto ra = read_all(a.bytes(), "pcap");
  const auto rb = read_all(b.bytes(), "pcapng");
  ASSERT_EQ(ra.last, CaptureFile::Next::kEnd) << ra.message;
  ASSERT_EQ(rb.last, CaptureFile::Next::kEnd) << rb.message;
  ASSERT_EQ(ra.packets.size(), 86u);
  ASSERT_EQ(rb.packets.size(), 86u);
  for (std::size_t i = 0; i < ra.packets.size(); ++i) {
    EXPECT_EQ(ra.packets[i].timestamp_ns, rb.packets[i].timestamp_ns) << i;
    EXPECT_EQ(ra.packets[i].original_length, rb.packets[i].original_length) << i;
    EXPECT_EQ(ra.packets[i].link_type, rb.packets[i].link_type) << i;
    EXPECT_TRUE(same_bytes(ra.packets[i].bytes, rb.packets[i].bytes)) << i;
  }
}

// Streamed reading: a packet's bytes stay as read until the reuse guard is called for its
// window; the guard sees every window once, in order, never one of the last kBuffers read.
TEST(CaptureFileStreamed, ViewsStayValidUntilTheGuardReleasesTheirWindow) {
  TempDir dir;
  PcapWriter writer(LinkType::kNull, false, 4000);
  constexpr int kFrames = 2'000;
  for (int i = 0; i < kFrames; ++i) {
    writer.add(1'000'000'000 + i, make_frame(40 + (i * 37) % 1400, static_cast<std::uint8_t>(i)));
  }
  dir.write("many.pcap", writer.bytes());
  CaptureError error;
  auto capture = CaptureFile::open_streamed(dir.file("many.pcap"), error, 4096);
  ASSERT_TRUE(capture) << error.message();
  struct Held {
    PacketView view;
    std::uint64_t window;
    int index;
  };
  std::vector<Held> held;
  std::vector<std::uint64_t> guarded;
  int clobbered = 0;
  capture->set_reuse_guard([&](std::uint64_t window) {
    guarded.push_back(window);
    EXPECT_LE(window + FileWindow::kBuffers, capture->window_number() + 1);
    for (const Held& h : held) {
      if (h.window != window) continue;
      const auto i = h.index;
      if (!same_bytes(h.view.bytes, make_frame(40 + (i * 37) % 1400, static_cast<std::uint8_t>(i)))) ++clobbered;
    }
    std::erase_if(held, [&](const Held& h) { return h.window == window; });
  });
  PacketView p;
  int packets = 0;
  while (capture->next(p) == CaptureFile::Next::kPacket && packets < kFrames + 1) {
    held.push_back({p, capture->window_number(), packets});
    ++packets;
  }
  EXPECT_EQ(packets, kFrames);
  EXPECT_EQ(clobbered, 0);
  // Windows of 4 KiB over about 1.5 MB: hundreds, each guarded once, in order from 0.
  ASSERT_GT(guarded.size(), 300u);
  for (std::size_t i = 0; i < guarded.size(); ++i) EXPECT_EQ(guarded[i], i);
  EXPECT_EQ(guarded.size() + FileWindow::kBuffers, capture->window_number() + 1);
  for (const Held& h : held) {  // the last windows were never reused
    const auto i = h.index;
    EXPECT_TRUE(same_bytes(h.view.bytes, make_frame(40 + (i * 37) % 1400, static_cast<std::uint8_t>(i))));
  }
}

// Every bundled capture reads the same streamed (small and default windows) as mapped.
TEST(CaptureFileStreamed, BundledCapturesReadTheSameAsMapped) {
  int files = 0;
  for (const auto& entry : fs::directory_iterator(DICOMSENTRY_PCAP_DIR)) {
    const std::string ext = entry.path().extension().string();
    if (ext != ".pcap" && ext != ".pcapng") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const ByteView bytes(reinterpret_cast<const std::byte*>(chars.data()), chars.size());
    const auto mapped = test::read_all_mapped(bytes, entry.path().filename().string());
    ASSERT_TRUE(mapped.opened) << entry.path();
    EXPECT_EQ(mapped.last, CaptureFile::Next::kEnd) << entry.path();
    for (const std::size_t window : {std::size_t{1500}, FileWindow::kDefaultBytes}) {
      EXPECT_EQ(test::streamed_differences(bytes, mapped, window), "") << entry.path() << " " << window;
    }
    ++files;
  }
  EXPECT_GE(files, 15);
}

}  // namespace
}  // namespace dicomsentry
