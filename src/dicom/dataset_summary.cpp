// The DCMTK adapter for data sets: summarises the head of a C-STORE object or a query
// identifier from the bytes received, in their transfer syntax.
#include "dicom/dataset_summary.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#include "dcmtk/config/osconfig.h"  // must precede the other DCMTK headers
#include "dcmtk/dcmdata/dcdatset.h"
#include "dcmtk/dcmdata/dcdeftag.h"
#include "dcmtk/dcmdata/dcdicent.h"
#include "dcmtk/dcmdata/dcdict.h"
#include "dcmtk/dcmdata/dcelem.h"
#include "dcmtk/dcmdata/dcistrmb.h"
#include "dcmtk/dcmdata/dcistrmz.h"
#include "dcmtk/dcmdata/dcsequen.h"
#include "dcmtk/dcmdata/dcxfer.h"
#include "dicom/dcmtk_logging.hpp"
#include "dicom/dimse_command.hpp"  // kMaxUidLength

namespace dicomsentry::dicom {

namespace {

// Bytes a deflated data set may inflate to before it is summarised from that prefix: the
// same bound as an identifier, so a "deflate bomb" costs no more than a plain identifier.
constexpr std::size_t kMaxInflatedBytes = kMaxIdentifierBytes;
// Longest value kept for one key: string values are at most 64 characters for the VRs used
// as matching keys (PS3.5 Table 6.2-1); long texts and number arrays are cut here.
constexpr std::size_t kMaxKeyValueBytes = 1024;

// A stream factory that can never deliver a value. DCMTK skips (instead of allocating and
// reading) an element longer than maxReadLength only when its input stream offers a factory
// to load the value later; a plain buffer stream offers none, so DCMTK would allocate the
// length an attacker declares. This factory makes the skip happen; the value stays unloaded.
class NoValueFactory final : public DcmInputStreamFactory {
 public:
  DcmInputStream* create() const override {
    auto* stream = new DcmInputBufferStream();
    stream->setEos();  // loading the value later fails with "end of stream"
    return stream;
  }
  DcmInputStreamFactory* clone() const override { return new NoValueFactory(); }
  DcmInputStreamFactoryType ident() const override { return DFT_DcmInputFileStreamFactory; }
};

class SkippingBufferStream final : public DcmInputBufferStream {
 public:
  DcmInputStreamFactory* newFactory() const override { return new NoValueFactory(); }
};

std::string_view trim_value(std::string_view s) {
  // DICOM pads strings with a space (UIDs and some binary-ish strings with NUL); leading
  // spaces are insignificant for most VRs, and matching ignores them (PS3.4 C.2.2.2).
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.remove_suffix(1);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\0')) s.remove_prefix(1);
  return s;
}

bool is_binary_vr(DcmEVR vr) {
  switch (vr) {
    case EVR_OB: case EVR_OW: case EVR_OF: case EVR_OD: case EVR_OL: case EVR_OV:
    case EVR_UN: case EVR_ox: case EVR_px: case EVR_lt: case EVR_pixelSQ: case EVR_pixelItem:
      return true;
    default:
      return false;
  }
}

KeyMatch classify(std::string_view value, DcmEVR vr) {
  if (value.empty()) return KeyMatch::kUniversal;
  if (value.find_first_not_of("*?") == std::string_view::npos) return KeyMatch::kWildcardOnly;
  if (value.find_first_of("*?") != std::string_view::npos) return KeyMatch::kWildcard;
  const bool date_time = vr == EVR_DA || vr == EVR_TM || vr == EVR_DT;
  if (date_time && value.find('-') != std::string_view::npos) return KeyMatch::kRange;
  if (vr == EVR_UI && value.find('\\') != std::string_view::npos) return KeyMatch::kList;
  return KeyMatch::kSingle;
}

// The element's value as text (strings and numbers), trimmed and bounded; false for binary
// values, which are not rendered.
bool element_text(DcmElement& element, OFString& scratch, std::string& out) {
  out.clear();
  if (element.getLengthField() == 0) return true;
  if (is_binary_vr(element.getTag().getEVR())) return false;
  if (element.getOFStringArray(scratch, OFTrue).bad()) return false;
  std::string_view text = trim_value(std::string_view(scratch.c_str(), scratch.length()));
  out.assign(text.substr(0, kMaxKeyValueBytes));
  return true;
}

// Inflates a Deflated Explicit VR Little Endian data set (PS3.5 §A.5: raw deflate, no zlib
// header) with DCMTK's zlib filter, which accepts partial input. Returns the bytes inflated
// into `buffer`; `whole` says the deflate stream ended inside them.
std::size_t inflate_prefix(ByteView bytes, bool complete, std::vector<std::byte>& buffer,
                           bool& whole, OFCondition& status) {
  buffer.resize(kMaxInflatedBytes);
  DcmBufferProducer producer;
  producer.setBuffer(bytes.data(), static_cast<offile_off_t>(bytes.size()));
  if (complete) producer.setEos();
  std::size_t inflated = 0;
  {
    DcmZLibInputFilter filter;
    filter.append(producer);
    // Each read makes progress or returns 0; the output cap bounds the loop.
    while (inflated < buffer.size()) {
      const offile_off_t n = filter.read(buffer.data() + inflated,
                                         static_cast<offile_off_t>(buffer.size() - inflated));
      if (n <= 0) break;
      inflated += static_cast<std::size_t>(n);
    }
    status = filter.status();
    whole = status.good() && inflated < buffer.size() && filter.eos();
  }
  producer.releaseBuffer();
  return inflated;
}

// Fills the summary from the top-level elements read completely. An element the bytes ended
// in is left out: either its value is partial (still "in work") or, when it claimed more
// than the bytes given, DCMTK skipped it and marked it ready without a value. A sequence
// counts once DCMTK finished it (its items are not summarised).
void collect(DcmDataset& data_set, bool want_keys, DataSetSummary& out) {
  OFString scratch;
  std::string text;
  // One dictionary lock for every keyword of this data set, not one per element.
  const DcmDataDictionary* dictionary = want_keys ? &dcmDataDict.rdlock() : nullptr;
  // Bounded: a data set of N bytes holds at most N / 8 elements.
  for (DcmObject* object = data_set.nextInContainer(nullptr); object != nullptr;
       object = data_set.nextInContainer(object)) {
    const bool sequence = object->ident() == EVR_SQ;
    // A DcmItem holds only DcmElements (its insert() takes nothing else): no dynamic_cast.
    auto* element = sequence ? nullptr : static_cast<DcmElement*>(object);
    // DCMTK leaves an empty element or sequence that ends the bytes "in init" (it hit the end
    // of the stream before looking for a value there is none of); its header was read. The
    // length field, not getLength(), which converts a string value to compute its length.
    const std::uint32_t length = sequence ? object->getLength() : object->getLengthField();
    const bool whole = (length == 0 || object->transferState() == ERW_ready) &&
                       (sequence || (element != nullptr && element->valueLoaded()));
    if (!whole) {
      // DCMTK may even call such a data set fine: an odd length it evened out at the very
      // end of the bytes leaves the element one byte short, "in work", and the read "normal".
      out.truncated = true;
      continue;
    }
    out.parsed = true;
    const DcmTagKey key = object->getTag().getXTag();
    const bool has_text = element != nullptr && element_text(*element, scratch, text);
    if (has_text) {
      if (key == DCM_SOPClassUID) out.sop_class_uid = text;
      else if (key == DCM_SOPInstanceUID) out.sop_instance_uid = text;
      else if (key == DCM_Modality) out.modality = text;
      else if (key == DCM_QueryRetrieveLevel) out.query_level = text;
    }
    if (!want_keys) continue;
    QueryKey& query_key = out.keys.emplace_back();
    query_key.tag = (std::uint32_t{key.getGroup()} << 16) | key.getElement();
    const DcmDictEntry* entry = dictionary->findEntry(key, object->getTag().getPrivateCreator());
    if (entry != nullptr && entry->getTagName() != nullptr) query_key.keyword = entry->getTagName();
    query_key.vr = object->getTag().getVRName();
    query_key.phi = is_phi_attribute(query_key.tag);
    if (sequence) {
      const bool empty = static_cast<DcmSequenceOfItems*>(object)->card() == 0;
      query_key.match = empty ? KeyMatch::kUniversal : KeyMatch::kSingle;
    } else if (has_text) {
      query_key.value = text;
      query_key.match = classify(text, object->getTag().getEVR());
    } else {
      // A binary value: nothing to print, but a value was sent.
      query_key.match = length == 0 ? KeyMatch::kUniversal : KeyMatch::kSingle;
    }
  }
  if (dictionary != nullptr) dcmDataDict.rdunlock();
}

}  // namespace

std::string_view key_match_name(KeyMatch match) {
  switch (match) {
    case KeyMatch::kUniversal: return "universal";
    case KeyMatch::kWildcardOnly: return "wildcard_only";
    case KeyMatch::kWildcard: return "wildcard";
    case KeyMatch::kRange: return "range";
    case KeyMatch::kList: return "list";
    case KeyMatch::kSingle: return "single";
  }
  return "unknown";
}

void summarize_data_set(ByteView bytes, std::string_view transfer_syntax_uid, bool complete,
                        bool want_keys, DataSetSummary& out) {
  out.clear();
  quiet_dcmtk_logging();

  std::string_view uid = trim_value(transfer_syntax_uid);
  if (uid.empty() || uid.size() > kMaxUidLength) {
    out.error = "unknown transfer syntax";
    return;
  }
  std::array<char, kMaxUidLength + 1> uid_terminated{};
  std::memcpy(uid_terminated.data(), uid.data(), uid.size());
  const DcmXfer xfer(uid_terminated.data());
  E_TransferSyntax syntax = xfer.getXfer();
  if (syntax == EXS_Unknown) {
    out.error = "unknown transfer syntax";
    return;
  }

  OFCondition inflate_status;
  if (xfer.getStreamCompression() == ESC_zlib) {
    // Reused per thread: the inflated prefix is parsed here and dropped.
    thread_local std::vector<std::byte> inflated;
    bool whole = false;
    const std::size_t size = inflate_prefix(bytes, complete, inflated, whole, inflate_status);
    if (size == 0) {
      out.truncated = !complete;
      out.error = inflate_status.bad() ? std::string("deflated: ") + inflate_status.text()
                                       : "deflated: empty";
      return;
    }
    bytes = ByteView(inflated.data(), size);
    complete = whole;
    syntax = EXS_LittleEndianExplicit;
  } else if (xfer.getStreamCompression() != ESC_none) {
    out.error = "unsupported stream compression";
    return;
  }

  if (bytes.empty()) {
    out.truncated = !complete;
    out.error = "empty data set";
    return;
  }

  SkippingBufferStream stream;
  stream.setBuffer(bytes.data(), static_cast<offile_off_t>(bytes.size()));
  if (complete) stream.setEos();
  DcmDataset data_set;
  data_set.transferInit();
  // maxReadLength = the bytes given: an element declaring more cannot fit, so it is skipped
  // (see NoValueFactory) and DCMTK never allocates more than the input's size per element.
  const auto max_read = static_cast<Uint32>(std::min<std::size_t>(bytes.size(), 0xFFFFFFFEu));
  const OFCondition status = data_set.read(stream, syntax, EGL_noChange, max_read);
  // "Need more bytes" is the normal end of a head; for a complete data set it means the last
  // element claims more bytes than were given.
  const bool ran_out = status == EC_StreamNotifyClient;
  out.truncated = ran_out || (complete && status == EC_InvalidStream);
  if (status.bad() && !(ran_out && !complete)) {
    out.error = ran_out ? "data set ends inside an element" : status.text();
  }
  if (out.error.empty() && inflate_status.bad()) {
    out.error = std::string("deflated: ") + inflate_status.text();  // corrupt after a prefix
  }
  collect(data_set, want_keys, out);
  data_set.transferEnd();
  stream.releaseBuffer();
}

void load_data_dictionary() {
  quiet_dcmtk_logging();
  static const bool loaded = [] {
    const bool ok = dcmDataDict.isDictionaryLoaded();  // the first access reads it
    return ok;
  }();
  (void)loaded;
}

TagText tag_text(std::uint32_t tag) {
  constexpr char kHex[] = "0123456789ABCDEF";
  TagText text;
  char* p = text.chars.data();
  *p++ = '(';
  for (int shift = 28; shift >= 0; shift -= 4) {
    if (shift == 12) *p++ = ',';
    *p++ = kHex[(tag >> shift) & 0xfu];
  }
  *p = ')';
  return text;
}

}  // namespace dicomsentry::dicom
