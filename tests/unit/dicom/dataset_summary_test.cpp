// DCMTK adapter: UID names, PHI flags, key match names.
#include <gtest/gtest.h>

#include <string>

#include "dicom/dataset_summary.hpp"

namespace dicomsentry::dicom {
namespace {

TEST(UidName, KnownSopClassesTransferSyntaxesAndModels) {
  EXPECT_EQ(uid_name("1.2.840.10008.5.1.4.1.1.2"), "CTImageStorage");
  EXPECT_EQ(uid_name("1.2.840.10008.5.1.4.1.1.4"), "MRImageStorage");
  EXPECT_EQ(uid_name("1.2.840.10008.1.1"), "VerificationSOPClass");
  EXPECT_EQ(uid_name("1.2.840.10008.1.2"), "LittleEndianImplicit");
  EXPECT_EQ(uid_name("1.2.840.10008.1.2.1"), "LittleEndianExplicit");
  EXPECT_EQ(uid_name("1.2.840.10008.1.2.2"), "BigEndianExplicit");
  EXPECT_EQ(uid_name("1.2.840.10008.1.2.1.99"), "DeflatedLittleEndianExplicit");
  EXPECT_EQ(uid_name("1.2.840.10008.1.2.4.50"), "JPEGBaseline");
  EXPECT_EQ(uid_name("1.2.840.10008.5.1.4.1.2.1.1"),
            "FINDPatientRootQueryRetrieveInformationModel");
  EXPECT_EQ(uid_name("1.2.840.10008.5.1.4.1.2.2.2"),
            "MOVEStudyRootQueryRetrieveInformationModel");
  EXPECT_EQ(uid_name("1.2.840.10008.3.1.1.1"), "StandardApplicationContext");
}

TEST(UidName, WirePaddingIsIgnored) {
  EXPECT_EQ(uid_name(std::string("1.2.840.10008.1.2\0", 18)), "LittleEndianImplicit");
  EXPECT_EQ(uid_name("1.2.840.10008.1.1 "), "VerificationSOPClass");
}

TEST(UidName, UnknownEmptyOverlongAndPrefixesAreEmpty) {
  EXPECT_EQ(uid_name("1.2.3.4.5"), "");
  EXPECT_EQ(uid_name(""), "");
  EXPECT_EQ(uid_name(std::string("\0\0", 2)), "");
  EXPECT_EQ(uid_name("1.2.840.10008.1"), "");     // a prefix of known UIDs, not one itself
  EXPECT_EQ(uid_name("1.2.840.10008.1.2.1x"), "");
  EXPECT_EQ(uid_name(std::string(65, '1')), "");  // longer than any UID may be
  // A known UID followed by garbage past the 64-character limit is still not a match.
  EXPECT_EQ(uid_name("1.2.840.10008.1.2" + std::string(60, '0')), "");
}

TEST(PhiAttribute, PatientIdentifyingAttributesAreFlagged) {
  for (std::uint32_t tag : {0x00100010u /*PatientName*/, 0x00100020u /*PatientID*/,
                            0x00100030u /*PatientBirthDate*/, 0x00100032u /*BirthTime*/,
                            0x00100040u /*PatientSex*/, 0x00101040u /*PatientAddress*/,
                            0x00101000u /*OtherPatientIDs*/, 0x00101001u /*OtherPatientNames*/,
                            0x00101060u /*MotherBirthName*/, 0x00102154u /*Telephone*/,
                            0x00101010u /*PatientAge*/, 0x00101030u /*PatientWeight*/,
                            0x00101020u /*PatientSize*/, 0x00102160u /*EthnicGroup*/,
                            0x00102180u /*Occupation*/, 0x00101080u /*MilitaryRank*/,
                            0x00102297u /*ResponsiblePerson*/, 0x00100021u /*IssuerOfPatientID*/,
                            0x00080050u /*AccessionNumber*/, 0x00080090u /*ReferringPhysician*/,
                            0x00081050u /*PerformingPhysician*/, 0x00081070u /*OperatorsName*/,
                            0x00080080u /*InstitutionName*/, 0x00080081u /*InstitutionAddress*/,
                            0x00200010u /*StudyID*/, 0x00081030u /*StudyDescription*/,
                            0x00321032u /*RequestingPhysician*/, 0x001021B0u /*PatientHistory*/,
                            0x00104000u /*PatientComments*/, 0x00080020u /*StudyDate*/,
                            0x00080030u /*StudyTime*/, 0x00081010u /*StationName*/,
                            0x00181000u /*DeviceSerialNumber*/, 0xFFFAFFFAu, 0xFFFCFFFCu}) {
    EXPECT_TRUE(is_phi_attribute(tag)) << std::hex << tag;
  }
}

TEST(PhiAttribute, ObjectAndQueryStructureIsNotFlagged) {
  for (std::uint32_t tag : {0x00080016u /*SOPClassUID*/, 0x00080018u /*SOPInstanceUID*/,
                            0x0020000Du /*StudyInstanceUID*/, 0x0020000Eu /*SeriesInstanceUID*/,
                            0x00080052u /*QueryRetrieveLevel*/, 0x00080060u /*Modality*/,
                            0x00080061u /*ModalitiesInStudy*/, 0x00080005u /*CharacterSet*/,
                            0x00200011u /*SeriesNumber*/, 0x00200013u /*InstanceNumber*/,
                            0x00280010u /*Rows*/, 0x7FE00010u /*PixelData*/, 0x00000000u,
                            0x00080000u /*group length*/, 0x00090010u /*private creator*/,
                            0x60000010u /*OverlayRows*/}) {
    EXPECT_FALSE(is_phi_attribute(tag)) << std::hex << tag;
  }
}

TEST(PhiAttribute, PrivateDataCurvesAndOverlayDataAreFlagged) {
  EXPECT_TRUE(is_phi_attribute(0x00091001));   // private data element
  EXPECT_TRUE(is_phi_attribute(0x7FE11010));
  EXPECT_FALSE(is_phi_attribute(0x001900FF));  // private creator slot, not data
  EXPECT_TRUE(is_phi_attribute(0x50003000));   // curve data (retired)
  EXPECT_TRUE(is_phi_attribute(0x601E3000));   // overlay data
  EXPECT_TRUE(is_phi_attribute(0x60024000));   // overlay comments
}

TEST(KeyMatchName, EveryValueHasItsName) {
  EXPECT_EQ(key_match_name(KeyMatch::kUniversal), "universal");
  EXPECT_EQ(key_match_name(KeyMatch::kWildcardOnly), "wildcard_only");
  EXPECT_EQ(key_match_name(KeyMatch::kWildcard), "wildcard");
  EXPECT_EQ(key_match_name(KeyMatch::kRange), "range");
  EXPECT_EQ(key_match_name(KeyMatch::kList), "list");
  EXPECT_EQ(key_match_name(KeyMatch::kSingle), "single");
  EXPECT_EQ(key_match_name(static_cast<KeyMatch>(99)), "unknown");
}

TEST(TagText, UpperCaseHexInDcmtkSpelling) {
  EXPECT_EQ(tag_text(0x00100010).view(), "(0010,0010)");
  EXPECT_EQ(tag_text(0x7FE00010).view(), "(7FE0,0010)");
  EXPECT_EQ(tag_text(0x0009ABCD).view(), "(0009,ABCD)");
  EXPECT_EQ(tag_text(0).view(), "(0000,0000)");
  EXPECT_EQ(tag_text(0xFFFFFFFF).view(), "(FFFF,FFFF)");
}

}  // namespace
}  // namespace dicomsentry::dicom
