"""Bytes to text for every input the project reads: pages from the web and saved files.

One decoder, so that the scraper and the cleaner agree on what a page says.
"""

from __future__ import annotations

import codecs
import functools
import email.message
import re

from plannlp.text import nfc



_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([-\w.:]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([-\w.:]+)""", re.IGNORECASE)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# Labels that browsers read as windows-1252 (WHATWG Encoding Standard).
_AS_CP1252 = frozenset({"latin-1", "iso8859-1", "ascii"})


def _codec_name(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except LookupError:
        return None
    return "cp1252" if name in _AS_CP1252 else name


def _decodes(body: bytes, encoding: str) -> bool:
    try:
        body.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _header_charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    msg = email.message.Message()
    msg["content-type"] = content_type
    return msg.get_content_charset()


def decode_bytes(body: bytes, content_type: str | None = None) -> tuple[str, str, str]:
    """Decode a page: returns (NFC text, codec name, where the encoding came from).

    Order: byte-order mark, the HTTP charset, ``<meta charset>`` / http-equiv, valid UTF-8,
    then charset-normalizer's guess. A declared charset that fails on the bytes is passed over;
    so is a declared legacy charset on bytes that are valid non-ASCII UTF-8, which is what a
    server default such as ``charset=iso-8859-1`` in front of a UTF-8 page looks like.
    """
    for bom, name in _BOMS:
        if body.startswith(bom):
            return _nfc(body[len(bom) :].decode(name, errors="replace")), name, "bom"
    utf8_ok = _decodes(body, "utf-8")
    meta = _META_CHARSET.search(body[:4096]) or _XML_ENCODING.search(body[:4096])
    declared = (
        ("http", _codec_name(_header_charset(content_type))),
        ("meta", _codec_name(meta.group(1).decode("ascii", "replace") if meta else None)),
    )
    for source, name in declared:
        if name is None or (name != "utf-8" and utf8_ok and not body.isascii()):
            continue
        if _decodes(body, name):
            return _nfc(body.decode(name)), name, source
    if utf8_ok:
        return _nfc(body.decode("utf-8")), "utf-8", "utf-8"
    from charset_normalizer import from_bytes

    # detect on a sample (detection cost grows with size), then decode the whole input
    best = from_bytes(body[:200_000]).best()
    name = _codec_name(best.encoding) if best is not None else None
    if name is None:
        return _nfc(body.decode("utf-8", errors="replace")), "utf-8", "detected"
    return _nfc(body.decode(name, errors="replace")), name, "detected"


def _nfc(text: str) -> str:
    return nfc(repair_mojibake(text))


def repair_mojibake(text: str) -> str:
    """Text whose UTF-8 was decoded as windows-1252 or Latin-1 somewhere upstream ("PhÃ¡ÂºÂ¥n"
    for "Phấn", a double-encoded page or a file saved through a wrong editor) repaired with
    ftfy; text without such sequences comes back unchanged (checked on the 483 corpus texts)."""
    if not _MOJIBAKE_HINT.search(text):
        return text  # the common case, at regex speed; ftfy costs ~0.5 µs a character
    import ftfy

    return ftfy.fix_text(text, _ENCODING_FIXES_ONLY())


def _mojibake_hint() -> re.Pattern[str]:
    """A UTF-8 lead byte followed by a continuation byte, both as windows-1252 or Latin-1 show
    them: what every wrongly decoded non-ASCII UTF-8 character starts with."""
    def shown(first: int, last: int) -> str:
        chars = {bytes([b]).decode(codec, errors="ignore") for b in range(first, last + 1) for codec in ("cp1252", "latin-1")}
        return "".join(sorted(re.escape(c) for c in chars if c))

    return re.compile(f"[{shown(0xC2, 0xF4)}][{shown(0x80, 0xBF)}]")


_MOJIBAKE_HINT = _mojibake_hint()


@functools.cache
def _ENCODING_FIXES_ONLY():  # noqa: N802 - a constant, built on first use (ftfy loads lazily)
    import ftfy

    # only the encoding repairs: quotes, ligatures, widths, line breaks and HTML entities are the
    # cleaner's business and stay as they are
    return ftfy.TextFixerConfig(
        unescape_html=False, remove_terminal_escapes=False, fix_latin_ligatures=False,
        fix_character_width=False, uncurl_quotes=False, fix_line_breaks=False, fix_surrogates=False,
        remove_control_chars=False, normalization=None, explain=False,
    )  # fmt: skip
