// A reference walk of one direction of a DICOM byte stream with the src/dicom parsers.
#include "dicom_stream_walker.hpp"

#include <algorithm>
#include <memory>

#include "dicom/dimse_command.hpp"
#include "dicom/dimse_names.hpp"
#include "dicom/pdu.hpp"
#include "dicom/pdu_associate.hpp"
#include "dicom/pdu_data.hpp"

namespace dicomsentry::synth {
namespace {

std::string describe(const dicom::PduParse& parse) {
  std::string out(dicom::parse_status_name(parse.status));
  for (const dicom::AnomalyHit& hit : parse.anomalies) {
    out += ' ';
    out += dicom::dicom_anomaly_name(hit.reason);
    out += '@' + std::to_string(hit.offset);
  }
  return out;
}

bool clean(const dicom::PduParse& parse) {
  return parse.status == dicom::ParseStatus::kOk && parse.anomalies.empty();
}

// One AssociatePdu (about 40 KB) serves every walker: tests walk streams one call at a time.
dicom::AssociatePdu& associate_scratch() {
  static const auto scratch = std::make_unique<dicom::AssociatePdu>();
  return *scratch;
}

}  // namespace

void DicomStreamWalker::feed(ByteView bytes) {
  std::size_t at = 0;
  while (at < bytes.size() && ok()) {  // each pass completes a header or a PDU, or ends the input
    std::size_t want = dicom::kPduHeaderLength;
    if (pdu_.size() >= dicom::kPduHeaderLength) {
      const dicom::PduHeader header = dicom::parse_pdu_header(pdu_);
      if (dicom::classify(header) != dicom::HeaderVerdict::kValid) {
        fail("unusable PDU header of type " + std::to_string(header.type));
        return;
      }
      want = header.total_length();
    }
    const std::size_t n = std::min(want - pdu_.size(), bytes.size() - at);
    pdu_.insert(pdu_.end(), bytes.begin() + static_cast<std::ptrdiff_t>(at),
                bytes.begin() + static_cast<std::ptrdiff_t>(at + n));
    at += n;
    if (pdu_.size() > dicom::kPduHeaderLength && pdu_.size() == want) {
      on_pdu();
      pdu_.clear();
    }
  }
}

void DicomStreamWalker::on_pdu() {
  check_pdu();
  ++pdus_;
  ++by_type_[load_u8(pdu_.data())];
}

void DicomStreamWalker::check_pdu() {
  const ByteView pdu(pdu_);
  const std::uint8_t type = load_u8(pdu.data());
  const bool outside = !in_message_;
  switch (static_cast<dicom::PduType>(type)) {
    case dicom::PduType::kAssociateRq:
    case dicom::PduType::kAssociateAc: {
      dicom::AssociatePdu& a = associate_scratch();
      if (type == 1) {
        dicom::parse_associate_rq(pdu, a);
      } else {
        dicom::parse_associate_ac(pdu, a);
      }
      if (!clean(a.parse)) fail(std::string(dicom::pdu_type_name(type)) + ": " + describe(a.parse));
      break;
    }
    case dicom::PduType::kAssociateRj: {
      const dicom::AssociateRj rj = dicom::parse_associate_rj(pdu);
      if (!clean(rj.parse)) fail("A-ASSOCIATE-RJ: " + describe(rj.parse));
      break;
    }
    case dicom::PduType::kReleaseRq:
    case dicom::PduType::kReleaseRp: {
      const dicom::ReleasePdu release = dicom::parse_release(pdu);
      if (!clean(release.parse)) fail("A-RELEASE: " + describe(release.parse));
      break;
    }
    case dicom::PduType::kAbort: {
      const dicom::AbortPdu abort = dicom::parse_abort(pdu);
      if (!clean(abort.parse)) fail("A-ABORT: " + describe(abort.parse));
      break;
    }
    case dicom::PduType::kPDataTf:
      max_pdata_length_ = std::max(max_pdata_length_, load_be32(pdu.data() + 2));
      on_pdata(pdu.subspan(dicom::kPduHeaderLength));
      return;
  }
  if (!outside) fail(std::string(dicom::pdu_type_name(type)) + " inside a DIMSE message");
}

void DicomStreamWalker::on_pdata(ByteView body) {
  const dicom::PdataFraming framing = dicom::validate_pdata_framing(body);
  if (!framing.ok) {
    fail("P-DATA-TF framing: " + std::string(dicom::dicom_anomaly_name(framing.reason)));
    return;
  }
  dicom::AnomalyList anomalies;
  dicom::PdvIterator it(body, &anomalies, dicom::kPduHeaderLength);
  dicom::Pdv pdv;
  for (std::uint32_t i = 0; i < framing.pdv_count && ok(); ++i) {
    if (it.next(pdv) != dicom::PdvIterator::Step::kPdv || !anomalies.empty()) {
      fail("PDV " + std::to_string(i) + " does not parse cleanly");
      return;
    }
    if (!in_message_) {
      current_ = WalkedMessage{};
      current_.context_id = pdv.context_id;
      in_message_ = true;
      command_done_ = false;
    }
    if (pdv.context_id != current_.context_id) {
      fail("PDV on context " + std::to_string(pdv.context_id) + " inside a message on " +
           std::to_string(current_.context_id));
      return;
    }
    if (pdv.is_command()) {
      if (command_done_) return fail("command fragment after the command's last");
      current_.command.insert(current_.command.end(), pdv.fragment.begin(), pdv.fragment.end());
      ++current_.command_pdvs;
      if (!pdv.is_last()) continue;
      command_done_ = true;
      const dicom::DimseCommand c = dicom::parse_command_set(current_.command);
      if (c.anomaly_count != 0 || c.stopped) {
        return fail("command set: " + std::string(dicom::dimse_anomaly_name(c.anomalies[0].kind)));
      }
      current_.command_field = c.command_field_raw;
      current_.message_id = c.has_field(dicom::DimseCommand::kHasMessageId)
                                ? c.message_id
                                : c.message_id_being_responded_to;
      current_.status = c.status;
      current_.has_data_set = c.has_data_set();
      if (!current_.has_data_set) finish_message();
      continue;
    }
    if (!command_done_ || !current_.has_data_set) {
      return fail("data set fragment without a command that announces one");
    }
    const std::size_t room = keep_ - std::min(keep_, current_.data_set.size());
    const std::size_t kept = std::min(room, pdv.fragment.size());
    current_.data_set.insert(current_.data_set.end(), pdv.fragment.begin(),
                             pdv.fragment.begin() + static_cast<std::ptrdiff_t>(kept));
    current_.data_set_length += pdv.fragment.size();
    ++current_.data_set_pdvs;
    if (pdv.is_last()) finish_message();
  }
}

void DicomStreamWalker::finish_message() {
  messages_.push_back(std::move(current_));
  current_ = WalkedMessage{};
  in_message_ = false;
  command_done_ = false;
}

void DicomStreamWalker::fail(std::string why) {
  if (error_.empty()) error_ = "PDU " + std::to_string(pdus_ + 1) + ": " + std::move(why);
}

}  // namespace dicomsentry::synth
