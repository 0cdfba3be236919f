// The attributes PS3.15 Annex E (Table E.1-1, Basic Application Level Confidentiality Profile)
// removes or replaces, as one sorted table: the EVE writer hides their values unless asked.
#include <algorithm>
#include <array>
#include <cstdint>

#include "dicom/dataset_summary.hpp"

namespace dicomsentry::dicom {
namespace {

// Table E.1-1 rows whose value can name, date or locate a patient, a person, an institution or
// a device, including sequences (a sequence's items are not summarised, but its presence as a
// query key is flagged like its contents would be) and retired attributes still found in old
// objects. Left out on purpose: the rows whose only action is U (UIDs such as Study and SOP
// Instance UID). They identify objects, not people, and the inspector's records key on them;
// Annex E replaces them only to stop re-linking de-identified copies to their originals.
// Dates and times are in (action Z/D/X in the Basic Profile: the Retain Longitudinal
// Temporal Information options are what keep them), so Study Date as a query key is flagged.
constexpr std::uint32_t kPhiTags[] = {
    0x00080012,  // InstanceCreationDate
    0x00080013,  // InstanceCreationTime
    0x00080015,  // InstanceCoercionDateTime
    0x00080020,  // StudyDate
    0x00080021,  // SeriesDate
    0x00080022,  // AcquisitionDate
    0x00080023,  // ContentDate
    0x00080024,  // OverlayDate (retired)
    0x00080025,  // CurveDate (retired)
    0x0008002A,  // AcquisitionDateTime
    0x00080030,  // StudyTime
    0x00080031,  // SeriesTime
    0x00080032,  // AcquisitionTime
    0x00080033,  // ContentTime
    0x00080034,  // OverlayTime (retired)
    0x00080035,  // CurveTime (retired)
    0x00080050,  // AccessionNumber
    0x00080051,  // IssuerOfAccessionNumberSequence
    0x00080080,  // InstitutionName
    0x00080081,  // InstitutionAddress
    0x00080082,  // InstitutionCodeSequence
    0x00080090,  // ReferringPhysicianName
    0x00080092,  // ReferringPhysicianAddress
    0x00080094,  // ReferringPhysicianTelephoneNumbers
    0x00080096,  // ReferringPhysicianIdentificationSequence
    0x0008009C,  // ConsultingPhysicianName
    0x0008009D,  // ConsultingPhysicianIdentificationSequence
    0x00080201,  // TimezoneOffsetFromUTC
    0x00081010,  // StationName
    0x00081030,  // StudyDescription
    0x0008103E,  // SeriesDescription
    0x00081040,  // InstitutionalDepartmentName
    0x00081048,  // PhysiciansOfRecord
    0x00081049,  // PhysiciansOfRecordIdentificationSequence
    0x00081050,  // PerformingPhysicianName
    0x00081052,  // PerformingPhysicianIdentificationSequence
    0x00081060,  // NameOfPhysiciansReadingStudy
    0x00081062,  // PhysiciansReadingStudyIdentificationSequence
    0x00081070,  // OperatorsName
    0x00081072,  // OperatorIdentificationSequence
    0x00081080,  // AdmittingDiagnosesDescription
    0x00081084,  // AdmittingDiagnosesCodeSequence
    0x00081110,  // ReferencedStudySequence
    0x00081111,  // ReferencedPerformedProcedureStepSequence
    0x00081120,  // ReferencedPatientSequence
    0x00082111,  // DerivationDescription
    0x00084000,  // IdentifyingComments (retired)
    0x00100010,  // PatientName
    0x00100020,  // PatientID
    0x00100021,  // IssuerOfPatientID
    0x00100030,  // PatientBirthDate
    0x00100032,  // PatientBirthTime
    0x00100033,  // PatientBirthDateInAlternativeCalendar
    0x00100034,  // PatientDeathDateInAlternativeCalendar
    0x00100035,  // PatientAlternativeCalendar
    0x00100040,  // PatientSex
    0x00100050,  // PatientInsurancePlanCodeSequence
    0x00100101,  // PatientPrimaryLanguageCodeSequence
    0x00100102,  // PatientPrimaryLanguageModifierCodeSequence
    0x00101000,  // OtherPatientIDs (retired)
    0x00101001,  // OtherPatientNames
    0x00101002,  // OtherPatientIDsSequence
    0x00101005,  // PatientBirthName
    0x00101010,  // PatientAge
    0x00101020,  // PatientSize
    0x00101030,  // PatientWeight
    0x00101040,  // PatientAddress
    0x00101050,  // InsurancePlanIdentification (retired)
    0x00101060,  // PatientMotherBirthName
    0x00101080,  // MilitaryRank
    0x00101081,  // BranchOfService
    0x00101090,  // MedicalRecordLocator (retired)
    0x00101100,  // ReferencedPatientPhotoSequence
    0x00102000,  // MedicalAlerts
    0x00102110,  // Allergies
    0x00102150,  // CountryOfResidence
    0x00102152,  // RegionOfResidence
    0x00102154,  // PatientTelephoneNumbers
    0x00102155,  // PatientTelecomInformation
    0x00102160,  // EthnicGroup
    0x00102180,  // Occupation
    0x001021A0,  // SmokingStatus
    0x001021B0,  // AdditionalPatientHistory
    0x001021C0,  // PregnancyStatus
    0x001021D0,  // LastMenstrualDate
    0x001021F0,  // PatientReligiousPreference
    0x00102203,  // PatientSexNeutered
    0x00102297,  // ResponsiblePerson
    0x00102299,  // ResponsibleOrganization
    0x00104000,  // PatientComments
    0x00160070,  // GPSVersionID (the EXIF GPS rows: where a photo was taken)
    0x00160071,  // GPSLatitudeRef
    0x00160072,  // GPSLatitude
    0x00160073,  // GPSLongitudeRef
    0x00160074,  // GPSLongitude
    0x00160075,  // GPSAltitudeRef
    0x00160076,  // GPSAltitude
    0x00160077,  // GPSTimeStamp
    0x0016008D,  // GPSDateStamp
    0x00180010,  // ContrastBolusAgent
    0x00181000,  // DeviceSerialNumber
    0x00181004,  // PlateID
    0x00181005,  // GeneratorID
    0x00181007,  // CassetteID
    0x00181008,  // GantryID
    0x00181009,  // UniqueDeviceIdentifier
    0x0018100A,  // UDISequence
    0x00181030,  // ProtocolName
    0x00181072,  // RadiopharmaceuticalStartTime
    0x00181073,  // RadiopharmaceuticalStopTime
    0x00181078,  // RadiopharmaceuticalStartDateTime
    0x00181079,  // RadiopharmaceuticalStopDateTime
    0x00181200,  // DateOfLastCalibration
    0x00181201,  // TimeOfLastCalibration
    0x00181400,  // AcquisitionDeviceProcessingDescription
    0x00184000,  // AcquisitionComments (retired)
    0x0018700A,  // DetectorID
    0x0018700C,  // DateOfLastDetectorCalibration
    0x00189074,  // FrameAcquisitionDateTime
    0x00189151,  // FrameReferenceDateTime
    0x00189424,  // AcquisitionProtocolDescription
    0x00189516,  // StartAcquisitionDateTime
    0x00189517,  // EndAcquisitionDateTime
    0x00189701,  // DecayCorrectionDateTime
    0x0018A002,  // ContributionDateTime
    0x0018A003,  // ContributionDescription
    0x00200010,  // StudyID
    0x00203401,  // ModifyingDeviceID (retired)
    0x00203404,  // ModifyingDeviceManufacturer (retired)
    0x00203406,  // ModifiedImageDescription (retired)
    0x00204000,  // ImageComments
    0x00209158,  // FrameComments
    0x00284000,  // ImagePresentationComments (retired)
    0x00320012,  // StudyIDIssuer (retired)
    0x00320032,  // StudyVerifiedDate (retired)
    0x00320033,  // StudyVerifiedTime (retired)
    0x00320034,  // StudyReadDate (retired)
    0x00320035,  // StudyReadTime (retired)
    0x00321000,  // ScheduledStudyStartDate (retired)
    0x00321001,  // ScheduledStudyStartTime (retired)
    0x00321010,  // ScheduledStudyStopDate (retired)
    0x00321011,  // ScheduledStudyStopTime (retired)
    0x00321020,  // ScheduledStudyLocation (retired)
    0x00321021,  // ScheduledStudyLocationAETitle (retired)
    0x00321030,  // ReasonForStudy (retired)
    0x00321032,  // RequestingPhysician
    0x00321033,  // RequestingService
    0x00321040,  // StudyArrivalDate (retired)
    0x00321041,  // StudyArrivalTime (retired)
    0x00321050,  // StudyCompletionDate (retired)
    0x00321051,  // StudyCompletionTime (retired)
    0x00321060,  // RequestedProcedureDescription
    0x00321066,  // ReasonForVisit
    0x00321067,  // ReasonForVisitCodeSequence
    0x00321070,  // RequestedContrastAgent
    0x00324000,  // StudyComments (retired)
    0x00380004,  // ReferencedPatientAliasSequence
    0x00380010,  // AdmissionID
    0x00380011,  // IssuerOfAdmissionID (retired)
    0x00380014,  // IssuerOfAdmissionIDSequence
    0x0038001A,  // ScheduledAdmissionDate (retired)
    0x0038001B,  // ScheduledAdmissionTime (retired)
    0x0038001C,  // ScheduledDischargeDate (retired)
    0x0038001D,  // ScheduledDischargeTime (retired)
    0x0038001E,  // ScheduledPatientInstitutionResidence (retired)
    0x00380020,  // AdmittingDate
    0x00380021,  // AdmittingTime
    0x00380030,  // DischargeDate (retired)
    0x00380032,  // DischargeTime (retired)
    0x00380040,  // DischargeDiagnosisDescription (retired)
    0x00380050,  // SpecialNeeds
    0x00380060,  // ServiceEpisodeID
    0x00380061,  // IssuerOfServiceEpisodeID (retired)
    0x00380062,  // ServiceEpisodeDescription
    0x00380064,  // IssuerOfServiceEpisodeIDSequence
    0x00380300,  // CurrentPatientLocation
    0x00380400,  // PatientInstitutionResidence
    0x00380500,  // PatientState
    0x00384000,  // VisitComments
    0x00400001,  // ScheduledStationAETitle
    0x00400002,  // ScheduledProcedureStepStartDate
    0x00400003,  // ScheduledProcedureStepStartTime
    0x00400004,  // ScheduledProcedureStepEndDate
    0x00400005,  // ScheduledProcedureStepEndTime
    0x00400006,  // ScheduledPerformingPhysicianName
    0x00400007,  // ScheduledProcedureStepDescription
    0x00400009,  // ScheduledProcedureStepID
    0x0040000B,  // ScheduledPerformingPhysicianIdentificationSequence
    0x00400010,  // ScheduledStationName
    0x00400011,  // ScheduledProcedureStepLocation
    0x00400012,  // PreMedication
    0x00400241,  // PerformedStationAETitle
    0x00400242,  // PerformedStationName
    0x00400243,  // PerformedLocation
    0x00400244,  // PerformedProcedureStepStartDate
    0x00400245,  // PerformedProcedureStepStartTime
    0x00400250,  // PerformedProcedureStepEndDate
    0x00400251,  // PerformedProcedureStepEndTime
    0x00400253,  // PerformedProcedureStepID
    0x00400254,  // PerformedProcedureStepDescription
    0x00400275,  // RequestAttributesSequence
    0x00400280,  // CommentsOnThePerformedProcedureStep
    0x00400310,  // CommentsOnRadiationDose
    0x0040050A,  // SpecimenAccessionNumber (retired)
    0x00400512,  // ContainerIdentifier
    0x00400513,  // IssuerOfTheContainerIdentifierSequence
    0x00400551,  // SpecimenIdentifier
    0x00400555,  // AcquisitionContextSequence
    0x00400562,  // IssuerOfTheSpecimenIdentifierSequence
    0x00400600,  // SpecimenShortDescription
    0x00400602,  // SpecimenDetailedDescription
    0x004006FA,  // SlideIdentifier (retired)
    0x00401001,  // RequestedProcedureID
    0x00401004,  // PatientTransportArrangements
    0x00401005,  // RequestedProcedureLocation
    0x00401010,  // NamesOfIntendedRecipientsOfResults
    0x00401011,  // IntendedRecipientsOfResultsIdentificationSequence
    0x00401101,  // PersonIdentificationCodeSequence
    0x00401102,  // PersonAddress
    0x00401103,  // PersonTelephoneNumbers
    0x00401104,  // PersonTelecomInformation
    0x00401400,  // RequestedProcedureComments
    0x00402001,  // ReasonForTheImagingServiceRequest (retired)
    0x00402004,  // IssueDateOfImagingServiceRequest
    0x00402005,  // IssueTimeOfImagingServiceRequest
    0x00402008,  // OrderEnteredBy
    0x00402009,  // OrderEntererLocation
    0x00402010,  // OrderCallbackPhoneNumber
    0x00402011,  // OrderCallbackTelecomInformation
    0x00402016,  // PlacerOrderNumberImagingServiceRequest
    0x00402017,  // FillerOrderNumberImagingServiceRequest
    0x00402400,  // ImagingServiceRequestComments
    0x00403001,  // ConfidentialityConstraintOnPatientDataDescription
    0x00404005,  // ScheduledProcedureStepStartDateTime
    0x00404008,  // ScheduledProcedureStepExpirationDateTime
    0x00404010,  // ScheduledProcedureStepModificationDateTime
    0x00404011,  // ExpectedCompletionDateTime
    0x00404025,  // ScheduledStationNameCodeSequence
    0x00404027,  // ScheduledStationGeographicLocationCodeSequence
    0x00404028,  // PerformedStationNameCodeSequence
    0x00404030,  // PerformedStationGeographicLocationCodeSequence
    0x00404034,  // ScheduledHumanPerformersSequence
    0x00404035,  // ActualHumanPerformersSequence
    0x00404036,  // HumanPerformerOrganization
    0x00404037,  // HumanPerformerName
    0x00404050,  // PerformedProcedureStepStartDateTime
    0x00404051,  // PerformedProcedureStepEndDateTime
    0x0040A027,  // VerifyingOrganization
    0x0040A030,  // VerificationDateTime
    0x0040A032,  // ObservationDateTime
    0x0040A073,  // VerifyingObserverSequence
    0x0040A075,  // VerifyingObserverName
    0x0040A078,  // AuthorObserverSequence
    0x0040A07A,  // ParticipantSequence
    0x0040A07C,  // CustodialOrganizationSequence
    0x0040A088,  // VerifyingObserverIdentificationCodeSequence
    0x0040A120,  // DateTime
    0x0040A121,  // Date
    0x0040A122,  // Time
    0x0040A123,  // PersonName
    0x0040A730,  // ContentSequence
    0x00700001,  // GraphicAnnotationSequence
    0x00700082,  // PresentationCreationDate
    0x00700083,  // PresentationCreationTime
    0x00700084,  // ContentCreatorName
    0x00700086,  // ContentCreatorIdentificationCodeSequence
    0x00880200,  // IconImageSequence
    0x00880904,  // TopicTitle (retired)
    0x00880906,  // TopicSubject (retired)
    0x00880910,  // TopicAuthor (retired)
    0x00880912,  // TopicKeywords (retired)
    0x04000402,  // ReferencedDigitalSignatureSequence
    0x04000403,  // ReferencedSOPInstanceMACSequence
    0x04000404,  // MAC
    0x04000500,  // EncryptedAttributesSequence
    0x04000550,  // ModifiedAttributesSequence
    0x04000561,  // OriginalAttributesSequence
    0x21000040,  // CreationDate
    0x21000050,  // CreationTime
    0x21000070,  // Originator
    0x21000140,  // DestinationAE (retired)
    0x22000002,  // LabelText
    0x22000005,  // BarcodeValue
    0x30060002,  // StructureSetLabel
    0x30060004,  // StructureSetName
    0x30060006,  // StructureSetDescription
    0x30060008,  // StructureSetDate
    0x30060009,  // StructureSetTime
    0x30060028,  // ROIDescription
    0x30060038,  // ROIGenerationDescription
    0x300600A6,  // ROIInterpreter
    0x30080054,  // FirstTreatmentDate
    0x30080056,  // MostRecentTreatmentDate
    0x30080250,  // TreatmentDate
    0x30080251,  // TreatmentTime
    0x300A0003,  // RTPlanName
    0x300A0004,  // RTPlanDescription
    0x300A0006,  // RTPlanDate
    0x300A0007,  // RTPlanTime
    0x300E0004,  // ReviewDate
    0x300E0005,  // ReviewTime
    0x300E0008,  // ReviewerName
    0x40000010,  // Arbitrary (retired)
    0x40004000,  // TextComments (retired)
    0x40080040,  // ResultsID (retired)
    0x40080042,  // ResultsIDIssuer (retired)
    0x40080100,  // InterpretationRecordedDate (retired)
    0x40080101,  // InterpretationRecordedTime (retired)
    0x40080102,  // InterpretationRecorder (retired)
    0x40080108,  // InterpretationTranscriptionDate (retired)
    0x40080109,  // InterpretationTranscriptionTime (retired)
    0x4008010A,  // InterpretationTranscriber (retired)
    0x4008010B,  // InterpretationText (retired)
    0x4008010C,  // InterpretationAuthor (retired)
    0x40080111,  // InterpretationApproverSequence (retired)
    0x40080112,  // InterpretationApprovalDate (retired)
    0x40080113,  // InterpretationApprovalTime (retired)
    0x40080114,  // PhysicianApprovingInterpretation (retired)
    0x40080115,  // InterpretationDiagnosisDescription (retired)
    0x40080118,  // ResultsDistributionListSequence (retired)
    0x40080119,  // DistributionName (retired)
    0x4008011A,  // DistributionAddress (retired)
    0x40080200,  // InterpretationID (retired)
    0x40080202,  // InterpretationIDIssuer (retired)
    0x40080300,  // Impressions (retired)
    0x40084000,  // ResultsComments (retired)
    0xFFFAFFFA,  // DigitalSignaturesSequence
    0xFFFCFFFC,  // DataSetTrailingPadding
};

static_assert(std::is_sorted(std::begin(kPhiTags), std::end(kPhiTags)),
              "kPhiTags must stay sorted: is_phi_attribute binary-searches it");
static_assert(std::adjacent_find(std::begin(kPhiTags), std::end(kPhiTags)) ==
                  std::end(kPhiTags),
              "kPhiTags must not repeat a tag");

}  // namespace

bool is_phi_attribute(std::uint32_t tag) {
  const std::uint16_t group = static_cast<std::uint16_t>(tag >> 16);
  const std::uint16_t element = static_cast<std::uint16_t>(tag & 0xFFFF);
  // Private data elements (odd group, element 1000-FFFF): the Basic Profile removes them (the
  // "Private Attributes" row; only the Retain Safe Private option keeps known-safe ones) since
  // nobody outside the vendor knows what they hold. Private creators (gggg,0010-00FF) only name
  // the vendor, and group lengths are numbers.
  if ((group & 1) != 0 && group > 0x0008) return element >= 0x1000;
  // Repeating groups: curve data 50xx (retired, all of it), overlay data and comments 60xx.
  if (group >= 0x5000 && group <= 0x50FF) return true;
  if (group >= 0x6000 && group <= 0x60FF) return element == 0x3000 || element == 0x4000;
  return std::binary_search(std::begin(kPhiTags), std::end(kPhiTags), tag);
}

}  // namespace dicomsentry::dicom
