// The classtype table: Suricata's classification.config as shipped (names, descriptions and
// priorities unchanged, so alerts read the same as a Suricata sensor's), then dicomsentry's own.
#include "detect/classification.hpp"

#include <array>

namespace dicomsentry::detect {
namespace {

constexpr std::array kClassifications = {
    Classification{"not-suspicious", "Not Suspicious Traffic", 3},
    Classification{"unknown", "Unknown Traffic", 3},
    Classification{"bad-unknown", "Potentially Bad Traffic", 2},
    Classification{"attempted-recon", "Attempted Information Leak", 2},
    Classification{"successful-recon-limited", "Information Leak", 2},
    Classification{"successful-recon-largescale", "Large Scale Information Leak", 2},
    Classification{"attempted-dos", "Attempted Denial of Service", 2},
    Classification{"successful-dos", "Denial of Service", 2},
    Classification{"attempted-user", "Attempted User Privilege Gain", 1},
    Classification{"unsuccessful-user", "Unsuccessful User Privilege Gain", 1},
    Classification{"successful-user", "Successful User Privilege Gain", 1},
    Classification{"attempted-admin", "Attempted Administrator Privilege Gain", 1},
    Classification{"successful-admin", "Successful Administrator Privilege Gain", 1},
    Classification{"rpc-portmap-decode", "Decode of an RPC Query", 2},
    Classification{"shellcode-detect", "Executable code was detected", 1},
    Classification{"string-detect", "A suspicious string was detected", 3},
    Classification{"suspicious-filename-detect", "A suspicious filename was detected", 2},
    Classification{"suspicious-login",
                   "An attempted login using a suspicious username was detected", 2},
    Classification{"system-call-detect", "A system call was detected", 2},
    Classification{"tcp-connection", "A TCP connection was detected", 4},
    Classification{"trojan-activity", "A Network Trojan was detected", 1},
    Classification{"unusual-client-port-connection", "A client was using an unusual port", 2},
    Classification{"network-scan", "Detection of a Network Scan", 3},
    Classification{"denial-of-service", "Detection of a Denial of Service Attack", 2},
    Classification{"non-standard-protocol", "Detection of a non-standard protocol or event", 2},
    Classification{"protocol-command-decode", "Generic Protocol Command Decode", 3},
    Classification{"web-application-activity", "access to a potentially vulnerable web application",
                   2},
    Classification{"web-application-attack", "Web Application Attack", 1},
    Classification{"misc-activity", "Misc activity", 3},
    Classification{"misc-attack", "Misc Attack", 2},
    Classification{"icmp-event", "Generic ICMP event", 3},
    Classification{"inappropriate-content", "Inappropriate Content was Detected", 1},
    Classification{"policy-violation", "Potential Corporate Privacy Violation", 1},
    Classification{"default-login-attempt", "Attempt to login by a default username and password",
                   2},
    Classification{"targeted-activity", "Targeted Malicious Activity was Detected", 1},
    Classification{"exploit-kit", "Exploit Kit Activity Detected", 1},
    Classification{"external-ip-check", "Device Retrieving External IP Address Detected", 2},
    Classification{"domain-c2", "Domain Observed Used for C2 Detected", 1},
    Classification{"pup-activity", "Possibly Unwanted Program Detected", 2},
    Classification{"credential-theft", "Successful Credential Theft Detected", 1},
    Classification{"social-engineering", "Possible Social Engineering Attempted", 2},
    Classification{"coin-mining", "Crypto Currency Mining Activity Detected", 2},
    Classification{"command-and-control", "Malware Command and Control Activity Detected", 1},
    // dicomsentry's own, for what the DICOM rules report that the list above has no word for.
    Classification{"dicom-insecure-transport", "Insecure DICOM Transport (plaintext or weak TLS)",
                   2},
    Classification{"dicom-unauthenticated", "Unauthenticated DICOM Association", 2},
    Classification{"dicom-protocol-anomaly", "DICOM Protocol Anomaly", 3},
    Classification{"dicom-data-exfiltration", "Possible Imaging Data Exfiltration", 1},
    Classification{"segmentation-violation", "Segmentation policy violation", 1},
    Classification{"asset-change", "Asset inventory change", 3},
};

}  // namespace

std::optional<Classification> find_classification(std::string_view name) {
  for (const Classification& c : kClassifications) {  // ~50 entries, once per alert
    if (c.name == name) return c;
  }
  return std::nullopt;
}

AlertClass classify(std::string_view classtype, std::optional<std::uint8_t> rule_priority) {
  AlertClass out;
  if (!classtype.empty()) {
    if (const auto c = find_classification(classtype)) {
      out.category = c->description;
      out.severity = c->priority;
    } else {
      out.category = classtype;  // Suricata refuses the rule; we keep it and say what it said
    }
  }
  if (rule_priority) out.severity = *rule_priority;
  return out;
}

std::size_t classification_count() {
  return kClassifications.size();
}
const Classification& classification_at(std::size_t index) {
  return kClassifications[index];
}

}  // namespace dicomsentry::detect
