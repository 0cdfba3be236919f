// C-STORE objects → DICOM Part 10 files (see object_export.hpp).
#include "output/object_export.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <fmt/format.h>

#include "dcmtk/config/osconfig.h"  // must precede the other DCMTK headers
#include "dcmtk/dcmdata/dcdeftag.h"
#include "dcmtk/dcmdata/dcmetinf.h"
#include "dcmtk/dcmdata/dcostrmb.h"
#include "dcmtk/dcmdata/dcuid.h"
#include "dicom/dcmtk_logging.hpp"

namespace dicomsentry {

namespace {

constexpr std::size_t kFileBufferBytes = 64 * 1024;
constexpr std::size_t kMaxUidLength = 64;      // PS3.5 §9.1
constexpr std::size_t kMaxAeTitleLength = 16;  // PS3.5 Table 6.2-1, AE
constexpr int kMaxNameCollisions = 1000;

std::string_view trim(std::string_view s, std::size_t max_length) {
  while (!s.empty() && (s.back() == '\0' || s.back() == ' ')) s.remove_suffix(1);
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  return s.substr(0, max_length);
}

void put_string(DcmMetaInfo& meta, const DcmTagKey& tag, std::string_view value) {
  meta.putAndInsertOFStringArray(tag, OFString(value.data(), value.size()));
}

// PS3.10 §7.1 file meta information, built and encoded by DCMTK: 128-byte preamble, "DICM",
// then group 0002 in explicit VR little endian with its group length.
bool encode_meta_header(const ExportMeta& m, std::vector<std::byte>& out) {
  DcmMetaInfo meta;
  const Uint8 version[2] = {0x00, 0x01};
  meta.putAndInsertUint8Array(DCM_FileMetaInformationVersion, version, 2);
  put_string(meta, DCM_MediaStorageSOPClassUID, trim(m.sop_class_uid, kMaxUidLength));
  put_string(meta, DCM_MediaStorageSOPInstanceUID, trim(m.sop_instance_uid, kMaxUidLength));
  put_string(meta, DCM_TransferSyntaxUID, trim(m.transfer_syntax_uid, kMaxUidLength));
  // DCMTK encodes the meta header, so its implementation identifies the writer.
  put_string(meta, DCM_ImplementationClassUID, OFFIS_IMPLEMENTATION_CLASS_UID);
  put_string(meta, DCM_ImplementationVersionName, OFFIS_DTK_IMPLEMENTATION_VERSION_NAME);
  const std::string_view source = trim(m.source_ae, kMaxAeTitleLength);
  const std::string_view receiver = trim(m.receiver_ae, kMaxAeTitleLength);
  if (!source.empty()) {
    put_string(meta, DCM_SourceApplicationEntityTitle, source);
    put_string(meta, DCM_SendingApplicationEntityTitle, source);
  }
  if (!receiver.empty()) put_string(meta, DCM_ReceivingApplicationEntityTitle, receiver);
  if (meta.computeGroupLengthAndPadding(EGL_withGL, EPD_noChange, EXS_LittleEndianExplicit,
                                        EET_ExplicitLength)
          .bad()) {
    return false;
  }
  // A meta header is a few hundred bytes: one buffer holds it.
  std::vector<Uint8> buffer(4096);
  DcmOutputBufferStream stream(buffer.data(), static_cast<offile_off_t>(buffer.size()));
  meta.transferInit();
  const OFCondition status = meta.write(stream, EXS_LittleEndianExplicit, EET_ExplicitLength,
                                        nullptr);
  meta.transferEnd();
  if (status.bad()) return false;
  void* data = nullptr;
  offile_off_t length = 0;
  stream.flushBuffer(data, length);
  const auto* bytes = static_cast<const std::byte*>(data);
  out.assign(bytes, bytes + length);
  return true;
}

// Renames without replacing an existing file (atomic where the kernel supports it).
int rename_no_replace(const std::string& from, const std::string& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return 0;
  if (errno != EINVAL && errno != ENOSYS) return -1;
  // File systems without RENAME_NOREPLACE: a hard link fails on an existing name too.
  if (::link(from.c_str(), to.c_str()) != 0) return -1;
  ::unlink(from.c_str());
  return 0;
}

}  // namespace

struct ExportFile {
  int fd = -1;
  std::string temp_path;
  std::string stem;
  std::uint64_t data_set_bytes = 0;
  bool dropped = false;
  std::vector<std::byte> buffer;  // capacity kFileBufferBytes, filled up to size()
};

std::string export_file_stem(std::string_view uid) {
  uid = trim(uid, kMaxUidLength);
  if (uid.empty()) return "unknown";
  std::string stem(uid);
  for (char& c : stem) {
    const bool keep = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
                      (c >= 'a' && c <= 'z') || c == '.' || c == '-' || c == '_';
    if (!keep) c = '_';
  }
  if (stem.front() == '.') stem.front() = '_';  // no hidden files, no "." or ".."
  return stem;
}

ObjectExporter::ObjectExporter(std::string dir, std::uint64_t max_bytes_per_object,
                               unsigned temp_tag)
    // Chosen in the initializer: assigning "." afterwards trips GCC 12's false -Wrestrict
    // (bug 105329) at -O2.
    : dir_(dir.empty() ? std::string(".") : std::move(dir)),
      max_bytes_(max_bytes_per_object),
      temp_tag_(temp_tag) {}

ObjectExporter::~ObjectExporter() {
  for (auto& file : open_) drop(*file);
}

ExportFile* ObjectExporter::begin(const ExportMeta& meta) {
  dicom::quiet_dcmtk_logging();
  if (open_.size() >= kMaxOpenObjects) {
    ++counters_.objects_skipped_open_limit;
    return nullptr;
  }
  if (!dir_ready_) {
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    if (ec) {
      ++counters_.write_errors;
      last_error_ = fmt::format("create directory {}: {}", dir_, ec.message());
      return nullptr;
    }
    dir_ready_ = true;
  }
  auto file = std::make_unique<ExportFile>();
  file->stem = export_file_stem(meta.sop_instance_uid);
  if (!encode_meta_header(meta, file->buffer)) {
    ++counters_.write_errors;
    last_error_ = fmt::format("file meta header for {}: DCMTK could not encode it", file->stem);
    return nullptr;
  }
  file->buffer.reserve(std::max(kFileBufferBytes, file->buffer.size()));
  // Hidden, per process and per object: no other writer can hold this name (O_EXCL).
  file->temp_path = fmt::format("{}/.dicomsentry-{}-{}-{}.part", dir_, ::getpid(), temp_tag_,
                                  next_temp_++);
  // 0600: the objects carry patient data.
  file->fd = ::open(file->temp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (file->fd < 0) {
    ++counters_.write_errors;
    last_error_ = fmt::format("create {}: {}", file->temp_path, std::strerror(errno));
    return nullptr;
  }
  open_.push_back(std::move(file));
  return open_.back().get();
}

void ObjectExporter::write(ExportFile* file, ByteView bytes) {
  if (file == nullptr || file->dropped || bytes.empty()) return;
  if (bytes.size() > max_bytes_ - std::min(max_bytes_, file->data_set_bytes)) {
    ++counters_.objects_skipped_too_large;
    drop(*file);
    return;
  }
  file->data_set_bytes += bytes.size();
  // Bounded: each pass either fills the buffer and flushes it, or takes the rest.
  while (!bytes.empty()) {
    const std::size_t room = kFileBufferBytes - std::min(kFileBufferBytes, file->buffer.size());
    if (room == 0) {
      if (!flush(*file)) return;
      continue;
    }
    const std::size_t take = std::min(room, bytes.size());
    file->buffer.insert(file->buffer.end(), bytes.begin(), bytes.begin() + take);
    bytes = bytes.subspan(take);
  }
}

void ObjectExporter::abandon(ExportFile* file) {
  if (file == nullptr) return;
  if (!file->dropped) ++counters_.objects_abandoned;
  drop(*file);
  release(file);
}

std::string ObjectExporter::finish(ExportFile* file) {
  if (file == nullptr) return {};
  std::string path;
  if (!file->dropped && flush(*file)) {
    const int fd = file->fd;
    file->fd = -1;
    if (::close(fd) != 0) {
      fail(*file, "close");
    } else {
      for (int attempt = 0; attempt < kMaxNameCollisions; ++attempt) {
        std::string candidate = attempt == 0
                                    ? fmt::format("{}/{}.dcm", dir_, file->stem)
                                    : fmt::format("{}/{}-{}.dcm", dir_, file->stem, attempt);
        if (rename_no_replace(file->temp_path, candidate) == 0) {
          path = std::move(candidate);
          break;
        }
        if (errno != EEXIST) break;
      }
      if (path.empty()) {
        fail(*file, "rename");
      } else {
        file->temp_path.clear();  // nothing left to delete
        ++counters_.objects_written;
        counters_.bytes_written += file->data_set_bytes;
      }
    }
  }
  drop(*file);
  release(file);
  return path;
}

bool ObjectExporter::flush(ExportFile& file) {
  const std::byte* p = file.buffer.data();
  std::size_t left = file.buffer.size();
  // Bounded: every pass writes at least one byte or ends the loop.
  while (left > 0) {
    const ssize_t n = ::write(file.fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      fail(file, "write");
      return false;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  file.buffer.clear();
  return true;
}

void ObjectExporter::fail(ExportFile& file, const char* what) {
  ++counters_.write_errors;
  last_error_ = fmt::format("{} {}: {}", what, file.temp_path, std::strerror(errno));
  drop(file);
}

void ObjectExporter::drop(ExportFile& file) {
  if (file.fd >= 0) ::close(file.fd);
  file.fd = -1;
  if (!file.temp_path.empty()) ::unlink(file.temp_path.c_str());
  file.temp_path.clear();
  file.dropped = true;
  file.buffer.clear();
  file.buffer.shrink_to_fit();
}

void ObjectExporter::release(ExportFile* file) {
  // At most kMaxOpenObjects entries: a linear search is cheaper than any index.
  auto it = std::find_if(open_.begin(), open_.end(), [&](const auto& f) { return f.get() == file; });
  if (it != open_.end()) open_.erase(it);
}

}  // namespace dicomsentry
