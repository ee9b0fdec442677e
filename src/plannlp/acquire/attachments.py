"""Text of plan attachments: PDF (pypdf) and DOCX (python-docx); anything else is reported as not
extracted. Both libraries are the optional extra ``plannlp[attachments]``."""

from __future__ import annotations

import io
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from plannlp.text import nfc

MEDIA_SUFFIX = {
    "application/pdf": ".pdf",
    "application/msword": ".doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
}


def suffix_of(url: str, media_type: str | None) -> str:
    if media_type in MEDIA_SUFFIX:
        return MEDIA_SUFFIX[media_type]
    return PurePosixPath(urlsplit(url).path).suffix.lower()


def extract_text(data: bytes, suffix: str) -> tuple[str | None, str | None]:
    """(text, None) or (None, why it was not extracted)."""
    if suffix == ".pdf" or data[:5] == b"%PDF-":
        try:
            from pypdf import PdfReader
        except ImportError:
            return None, "pypdf is not installed (pip install 'plannlp[attachments]')"
        try:
            reader = PdfReader(io.BytesIO(data))
            text = "\n".join((page.extract_text() or "") for page in reader.pages)
        except Exception as exc:  # pypdf raises many kinds on damaged files; the page is reported, not fatal
            return None, f"PDF not readable: {type(exc).__name__}: {exc}"
        if not text.strip():
            return None, "PDF has no text layer (a scan; OCR is not done here)"
        return nfc(text), None
    if suffix == ".docx" or data[:2] == b"PK":
        try:
            import docx
        except ImportError:
            return None, "python-docx is not installed (pip install 'plannlp[attachments]')"
        try:
            document = docx.Document(io.BytesIO(data))
        except Exception as exc:
            return None, f"DOCX not readable: {type(exc).__name__}: {exc}"
        lines = [p.text for p in document.paragraphs]
        for table in document.tables:
            lines += [" | ".join(cell.text for cell in row.cells) for row in table.rows]
        return nfc("\n".join(lines)), None
    if suffix == ".doc":
        return None, "legacy .doc (binary Word) is not extracted: no well-kept pure-Python reader"
    return None, f"not an attachment type this extracts ({suffix or 'no suffix'})"
