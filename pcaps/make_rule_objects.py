#!/usr/bin/env python3
"""Writes the DICOM objects of the rule captures (make_rule_captures.sh) with pydicom.

Usage: make_rule_objects.py OUT_DIR
Three small objects, each the same bytes every run (UIDs are 2.25 UIDs of fixed labels):
  pdf_mz.dcm     Encapsulated PDF whose Encapsulated Document (0042,0011) is a PE header
                 ("MZ" ... "PE\\0\\0") while its MIME Type (0042,0012) says application/pdf
  raw_elf.dcm    Raw Data Storage with a private OB element (0009,1001) holding an ELF header
  pdf_real.dcm   Encapsulated PDF carrying a real one-page PDF (the negative case)
The "executables" are header bytes only (a DOS stub and PE signature; an ELF identification and
header): nothing in them runs. Also prints, per file, where the executable value starts.
"""
import hashlib
import os
import sys

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian

kEncapsulatedPdf = "1.2.840.10008.5.1.4.1.1.104.1"
kRawData = "1.2.840.10008.5.1.4.1.1.66"


def derived_uid(label):
    """PS3.5 B.2 UID from a label, as lib_capture.sh's derived_uid does."""
    digest = hashlib.sha256(f"dicomsentry-pcaps/{label}".encode()).hexdigest()[:32]
    return f"2.25.{int(digest, 16)}"


def pe_header():
    """A 256-byte DOS header whose e_lfanew (0x3c) points at a PE signature, as every PE file starts."""
    b = bytearray(256)
    b[0:2] = b"MZ"
    b[2:4] = b"\x90\x00"
    b[0x3C:0x40] = (0x80).to_bytes(4, "little")
    b[0x40:0x4E] = b"dicomsentry-pe"  # where a DOS stub would be; marks the bytes as a test
    b[0x80:0x84] = b"PE\x00\x00"
    b[0x84:0x86] = (0x8664).to_bytes(2, "little")  # machine: x86-64
    return bytes(b)


def elf_header():
    """A 64-byte ELF64 header (identification, type EXEC, machine x86-64) and nothing after it."""
    b = bytearray(64)
    b[0:8] = b"\x7fELF\x02\x01\x01\x00"
    b[16:18] = (2).to_bytes(2, "little")     # e_type: ET_EXEC
    b[18:20] = (0x3E).to_bytes(2, "little")  # e_machine: x86-64
    b[20:24] = (1).to_bytes(4, "little")     # e_version
    b[52:54] = (64).to_bytes(2, "little")    # e_ehsize
    return bytes(b)


def real_pdf():
    """A valid one-page PDF with an empty page (xref offsets computed, so readers accept it)."""
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def base(label, sop_class, modality):
    ds = Dataset()
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = derived_uid(f"rules/{label}")
    ds.StudyInstanceUID = derived_uid("rules/study")
    ds.SeriesInstanceUID = derived_uid(f"rules/series/{label}")
    ds.Modality = modality
    ds.PatientName = "DICOMSENTRY^RULES"
    ds.PatientID = "DS-RULES-1"
    ds.StudyDate = "20261201"
    ds.ContentDate = "20261201"
    ds.ContentTime = "120000"
    ds.AcquisitionDateTime = "20261201120000"
    ds.InstanceNumber = 1
    ds.BurnedInAnnotation = "NO"
    return ds


def save(ds, path):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = derived_uid("rules/implementation")
    ds.file_meta = meta
    ds.is_little_endian = True
    ds.is_implicit_VR = False
    ds.preamble = b"\x00" * 128
    ds.save_as(path, write_like_original=False)


def pdf_object(label, document, title):
    ds = base(label, kEncapsulatedPdf, "DOC")
    ds.ConversionType = "WSD"
    ds.DocumentTitle = title
    ds.MIMETypeOfEncapsulatedDocument = "application/pdf"
    ds.EncapsulatedDocument = document if len(document) % 2 == 0 else document + b"\x00"
    return ds


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    save(pdf_object("pdf_mz", pe_header(), "report"), os.path.join(out, "pdf_mz.dcm"))
    raw = base("raw_elf", kRawData, "OT")
    raw.add_new(0x00090010, "LO", "DICOMSENTRY TEST")
    raw.add_new(0x00091001, "OB", elf_header())
    save(raw, os.path.join(out, "raw_elf.dcm"))
    save(pdf_object("pdf_real", real_pdf(), "real report"), os.path.join(out, "pdf_real.dcm"))


if __name__ == "__main__":
    main()
