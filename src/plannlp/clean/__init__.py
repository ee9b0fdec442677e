"""Turn a scraped page or a portal Markdown file into the plan's plain text.

Output convention: one paragraph per line, lines joined by a single ``"\\n"``, no blank
lines, no leading/trailing spaces, NFC with the *old-style* tone placement on open
``oa``/``oe``/``uy`` syllables (``hòa``, ``khỏe``, ``thủy``: the mark sits on the first
vowel, the spelling most Vietnamese government and news text uses). No other character of a
word is ever changed. Table cells come out one per line.

Three input shapes (``kind``):

* ``"html"``: a web page; trafilatura extracts the main text, then it is cleaned as text.
* ``"text"``: text already extracted from a page (``shared/seeds``, the news articles): one
  paragraph per line, with page furniture (menus, related-news lists, footers) around it.
* ``"markdown"``: a legal-portal document converted to Markdown (``shared/plans/government``):
  lines hard-wrapped mid-sentence, ``|`` table cells, ``**``/``*`` markers, a portal header
  and footer around the document.

Every step works line by line with dictionaries and sets, so time and memory grow linearly
with the input: about 0.5 s and 12 MB of memory per MB of Markdown on this machine (50 MB: ~35 s).
"""

from __future__ import annotations

import codecs
import functools
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from importlib import resources

from plannlp.clean.encoding import decode_bytes, repair_mojibake
from plannlp.clean.extract import main_text
from plannlp.data import DataError
from plannlp.io import iter_jsonl
from plannlp.text import nfc, place_tones

KINDS = ("html", "text", "markdown")

# ---------------------------------------------------------------------------------------
# decoding and Unicode




def decode(raw: bytes) -> str:
    """Bytes to text (see :func:`plannlp.clean.encoding.decode_bytes`); DataError for binary data."""
    head = raw[:65536]
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise DataError("input looks binary (NUL or control bytes), not text")
    text, _, _ = decode_bytes(raw)
    if _control_ratio(text[:65536]) > 0.01:
        raise DataError("input looks binary (NUL or control bytes), not text")
    return text


def _control_ratio(text: str) -> float:
    if not text:
        return 0.0
    bad = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    return bad / len(text)


def normalize_unicode(text: str) -> str:
    """NFC with old-style tone placement (:func:`plannlp.text.place_tones`, the one rule the
    matching keys use too); a no-op on text already in that form."""
    return place_tones(text)


# ---------------------------------------------------------------------------------------
# entry point


def clean(raw: str | bytes, kind: str | None = None) -> str:
    """The plan's text of ``raw`` (see the module docstring for the output convention).

    Raises DataError for empty, binary or non-Vietnamese input and for an unknown ``kind``.
    """
    if kind is not None and kind not in KINDS:
        raise DataError(f"unknown input kind {kind!r}; expected one of {', '.join(KINDS)}")
    text = decode(raw) if isinstance(raw, (bytes, bytearray)) else raw
    if not isinstance(text, str):
        raise DataError(f"clean() takes str or bytes, got {type(raw).__name__}")
    if text is raw:
        text = repair_mojibake(text)  # bytes were repaired while decoding
    if not text.strip():
        raise DataError("input is empty")
    if _control_ratio(text[:65536]) > 0.01 or "\x00" in text[:65536]:
        raise DataError("input looks binary (NUL or control characters), not text")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    kind = kind or detect_kind(text)
    given = text  # (for the message when the furniture was nearly all there was)
    if kind == "html":
        text = _html_main_text(text)
    text = normalize_unicode(text)
    if kind == "markdown":
        # A legal document repeats body text on purpose (a table restating a description);
        # only its headings are printed twice by the portal (title, then bold title).
        marked = [(p, h) for p, h in _markdown_paragraphs(text) if not _is_furniture(p, kind)]
        back = next((i for i in range(len(marked) // 2, len(marked))
                     if marked[i][1] and _BACK_MATTER.fullmatch(marked[i][0])), len(marked))
        marked = marked[:back]
        paragraphs = [p for p, _ in _drop_repeats(marked, title_repeats=False)]
    else:
        paragraphs = _drop_furniture(list(_text_paragraphs(text)), kind)
        # a title or lead printed twice stands at the top of a page; further down, the same line twice
        # in a row is a plan's table (two rows led by one body, one cell repeated down a column)
        paragraphs = [p for p, _ in _drop_repeats(((p, i < _HEAD_WINDOW) for i, p in enumerate(paragraphs)), title_repeats=True)]
    if not paragraphs:
        raise DataError("no text left after removing page furniture")
    out = "\n".join(paragraphs)
    _check_vietnamese(out, given)
    return out


_MARKDOWN_SIGN = re.compile(r"^[ \t]*\|[ \t]*$|[ \t]\|[ \t]*$|\*\*\S|^#{1,6} (?!\w+ = )", re.M)


def detect_kind(text: str) -> str:
    """Guess the input shape from its first 20,000 characters: a tag makes HTML; a pipe line,
    a bold marker or a heading makes Markdown (the news files' "# url = ..." lines do not)."""
    head = text[:20000]
    if re.search(r"<(?:!doctype html|html|body|div|p|article)\b", head, re.I):
        return "html"
    if _MARKDOWN_SIGN.search(head):
        return "markdown"
    return "text"


def title_of(raw: str | bytes, kind: str | None = None) -> str | None:
    """The document's title where the input shape carries one (portal title, page title)."""
    text = decode(raw) if isinstance(raw, (bytes, bytearray)) else raw
    text = normalize_unicode(text.replace("\r\n", "\n"))
    kind = kind or detect_kind(text)
    if kind == "markdown":
        lines = text.split("\n")
        span = _portal_body(lines)
        if span is not None:
            return span[2]
        for line in lines[:50]:
            if line.startswith("# "):
                return _strip_markup(line)
        # An official document: its type ("QUYẾT ĐỊNH") then its subject, after the header.
        paragraphs = [p for p, _ in _markdown_paragraphs("\n".join(lines[:400]))]
        for i, para in enumerate(paragraphs[:60]):
            if _DOC_TYPE.fullmatch(para) and i + 1 < len(paragraphs):
                return f"{para} {paragraphs[i + 1]}"
        return None
    if kind == "html":
        import trafilatura

        meta = trafilatura.extract_metadata(text)
        return normalize_unicode(meta.title) if meta is not None and meta.title else None
    for line in text.split("\n"):
        if line.strip() and not _COMMENT.match(line):
            return _squash(line)
    return None


_DOC_TYPE = re.compile(
    r"(?:KẾ HOẠCH|QUYẾT ĐỊNH|NGHỊ QUYẾT|CHỈ THỊ|THÔNG BÁO|THÔNG TƯ|NGHỊ ĐỊNH|LUẬT|BÁO CÁO|ĐỀ ÁN"
    r"|CHƯƠNG TRÌNH|HƯỚNG DẪN|CÔNG VĂN|QUY ĐỊNH|QUY CHẾ|KẾT LUẬN|TỜ TRÌNH|CÔNG ĐIỆN)"
)


def _check_vietnamese(text: str, given: str = "") -> None:
    sample = text[:200_000]
    letters = sum(1 for ch in sample if ch.isalpha())
    marked = sum(1 for ch in sample if ch in _VIETNAMESE_LETTERS)
    if letters < 20 and sum(1 for ch in given[:200_000] if ch.isalpha()) >= 20:
        # a page of menus and footers: the language test would blame the language, but the
        # cause is that removing the page furniture left almost nothing
        raise DataError(f"almost no text left after removing page furniture ({letters} letters remain)")
    if letters < 20 or marked / letters < 0.02:
        raise DataError(
            "input does not look like Vietnamese text "
            f"({marked} of {letters} letters carry Vietnamese diacritics)"
        )


_VIETNAMESE_LETTERS = frozenset(
    "ăâđêôơưàằầèềìòồờùừỳáắấéếíóốớúứýảẳẩẻểỉỏổởủửỷãẵẫẽễĩõỗỡũữỹạặậẹệịọộợụựỵ"
    "ĂÂĐÊÔƠƯÀẰẦÈỀÌÒỒỜÙỪỲÁẮẤÉẾÍÓỐỚÚỨÝẢẲẨẺỂỈỎỔỞỦỬỶÃẴẪẼỄĨÕỖỠŨỮỸẠẶẬẸỆỊỌỘỢỤỰỴ"
)

# ---------------------------------------------------------------------------------------
# HTML


def _html_main_text(html: str) -> str:
    extracted = main_text(html)
    if not extracted.strip():
        raise DataError("no main text found in the HTML page")
    return extracted


# ---------------------------------------------------------------------------------------
# text (extracted page text): one paragraph per line

_COMMENT = re.compile(r"#\s*\w+\s*=\s")  # "# url = ..." metadata lines of the news files
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")


def _squash(line: str) -> str:
    return _SPACES.sub(" ", _INVISIBLE.sub("", line)).strip()


def _text_paragraphs(text: str) -> Iterator[str]:
    for line in text.split("\n"):
        if _COMMENT.match(line):
            continue
        if line.lstrip().startswith("|"):  # a table row from trafilatura
            yield from (c for c in (_squash(cell) for cell in line.split("|")) if c)
            continue
        line = _squash(line)
        if line:
            yield line


# ---------------------------------------------------------------------------------------
# Markdown (legal portal)

_PORTAL_STATUS = re.compile(r"\*\*\s*Tình trạng:\s*\*\*")
_PORTAL_RELATED = "## Văn bản liên quan"
_PORTAL_NO_ENGLISH = "Văn bản này chưa cập nhật nội dung Tiếng Anh"


def _portal_body(lines: list[str]) -> tuple[int, int, str | None] | None:
    """[start, end) of the document inside a legal-portal page, and its title; None if the
    page is not in the portal's layout."""
    status = next((i for i, line in enumerate(lines) if _PORTAL_STATUS.search(line)), None)
    related = next((i for i, line in enumerate(lines) if line.startswith(_PORTAL_RELATED)), None)
    if status is None or related is None or related < status:
        return None
    start = status + 1
    # the status value ("Đã biết") sits between pipe lines after the label
    while start < related and (lines[start].strip() in ("", "|")):
        start += 1
    start += 1
    end = related
    title = None
    if end - 1 > start:
        title = _squash(lines[end - 1].lstrip("#"))
        end -= 1
        if end - 1 > start and lines[end - 1].strip() == _PORTAL_NO_ENGLISH:
            end -= 1
            if end - 1 > start:
                title = _squash(lines[end - 1])
                end -= 1
    return start, end, title


_RULE = re.compile(r"(?!\.\.\.$)[-_=~.·*\s]{3,}")  # "-------", "______", "** **"-like decorations, not an elision "..."
_TABLE_SEPARATOR = re.compile(r"\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?")
_LIST_START = re.compile(
    r"(?:[-+•–]\s|\d{1,3}(?:\.\d{1,3})*[.)]\s|[a-zđ][).]\s|\(\d{1,3}\)|\([a-zđ]\)\s"
    r"|[IVXL]{1,6}[.)]\s|(?:Điều|Chương|Mục|Phần|Phụ lục|PHỤ LỤC|CHƯƠNG|MỤC|PHẦN)\s+[\dIVXLA-Z]"
    r"|Căn cứ\s|Xét đề nghị|Theo đề nghị|Nơi nhận)"
)
_END_PUNCT = re.compile(r"[.;:!?…]['\"”’)\]]*$")


_LONE_PUNCT = re.compile(r"(?!\.\.\.$)[,.;:]+")
_EDIT_LINK = re.compile(r"\[sửa(?:\s*\|\s*sửa mã nguồn)?\]")  # encyclopedia section edit links
_PRO_ONLY = re.compile(r"(?:\.\.\.\s*)*Hãy đăng nhập hoặc đăng ký Thành viên Pro tại đây để xem toàn bộ văn bản tiếng Anh\.?")
# Closing sections of encyclopedia pages: links and references, not the text.
_BACK_MATTER = re.compile(r"(?:Xem thêm|Tham khảo|Chú thích|Liên kết ngoài|Đọc thêm|Nguồn)\s*")


def _markdown_paragraphs(text: str) -> Iterator[tuple[str, bool]]:
    """(paragraph, is_heading) pairs; headings are '#' lines and whole-line bold."""
    lines = text.split("\n")
    span = _portal_body(lines)
    if span is not None:
        lines = lines[span[0] : span[1]]
    lines = [_PRO_ONLY.sub("", _EDIT_LINK.sub("", line)) if "[sửa" in line or "Thành viên Pro" in line else line
             for line in lines]
    # Documents whose paragraphs are separated by blank lines only wrap inside paragraphs;
    # the others (the portal's) wrap anywhere, so a line end after a sentence ends a paragraph.
    # Prose lines (40+ characters) are counted: table cells would swamp the ratio. Over the
    # 355 portal documents the ratio is 0 (no blank lines) or above 0.2, nothing between.
    prose_lines = sum(1 for line in lines if len(line.strip()) >= 40)
    blank_lines = sum(1 for line in lines if not line.strip())
    paragraphed = blank_lines >= 0.1 * prose_lines
    pending: tuple[str, bool] | None = None
    for block, cell in _blocks(lines):
        for para in _join_wrapped(block, paragraphed and not cell):
            heading = para.startswith("#") or (para.startswith("**") and para.endswith("**"))
            para = _strip_markup(para)
            if not para:
                continue
            if pending is not None and _LONE_PUNCT.fullmatch(para):
                pending = (pending[0] + para, pending[1])  # a stray "," split off its sentence
                continue
            if pending is not None:
                yield pending
            pending = (para, heading)
    if pending is not None:
        yield pending


# Decoration runs inside a line ("CHÍNH PHỦ_______ Số: ..."), and the national motto glued to
# the country's name ("VIỆT NAMĐộc lập") where the converter lost a line break.
_INNER_RULE = re.compile(r"\s*[-_=]{4,}\s*|(?<=VIỆT NAM)(?=Độc lập)|(?<=VIỆT NAM\*\*)(?=Độc lập)")


def _pieces(text: str) -> list[str]:
    return [p for p in (_squash(x) for x in _INNER_RULE.split(text)) if p and not _RULE.fullmatch(p)]


def _blocks(lines: Iterable[str]) -> Iterator[tuple[list[str], bool]]:
    """Runs of lines between blank lines, pipe lines and rules, each with whether it is a table
    cell (opened by a pipe line or a rule) rather than a paragraph (opened by a blank line)."""
    block: list[str] = []
    cell = True
    for raw in lines:
        line = _squash(raw)
        if not line or line == "|" or _RULE.fullmatch(line) or _TABLE_SEPARATOR.fullmatch(line):
            if block:
                yield block, cell
                block = []
            cell = bool(line)  # a blank line opens a paragraph, a pipe or rule line a cell
            continue
        is_row = "|" in line and (line.startswith("|") or line.endswith("|") or " | " in line)
        if is_row or _INNER_RULE.search(line):
            if block:
                yield block, cell
                block = []
            for part in line.split("|") if is_row else [line]:
                yield from (([piece], True) for piece in _pieces(part))
            cell = True
            continue
        block.append(line)
    if block:
        yield block, cell


def _emphasis_parity(line: str) -> tuple[int, int]:
    """(bold markers, single-star markers) in a line, a leading '* ' bullet not counted."""
    if line.startswith("* "):
        line = line[2:]
    bold = line.count("**")
    single = line.replace("**", "").count("*")
    return bold % 2, single % 2


def _letters(text: str) -> str:
    return "".join(ch for ch in text if ch.isalpha())


def _case_of(line: str) -> bool | None:
    """True for an all-capitals line (a heading), False for mixed case, None if too few letters."""
    letters = _letters(line)
    return letters.isupper() if len(letters) >= 3 else None


def _case_changes(prev: str, line: str) -> bool:
    a, b = _case_of(prev), _case_of(line)
    return a is not None and b is not None and a != b


def _join_wrapped(block: list[str], paragraph: bool) -> Iterator[str]:
    """Re-join the wrapped lines of a block. A ``paragraph`` block (set off by blank lines)
    breaks only at emphasis or bullets; elsewhere (a table cell, or a page wrapped without
    blank lines) a line also ends a paragraph after a sentence, before a list item or where
    capitals (a heading, a signature title) meet ordinary text."""
    current: list[str] = []
    bold_open = italic_open = False
    emphasis_from_start = False  # the current paragraph opened with a marker still open
    for line in block:
        plain = line.replace("*", "").strip()
        if current:
            prev_plain = current[-1].replace("*", "").strip()
            inside = bold_open or italic_open
            continues = prev_plain.endswith(",") or plain.startswith((",", ".", ";", ":", ")"))
            breaks = not inside and not continues and (
                (emphasis_from_start and current[-1].rstrip().endswith("*"))
                or (line.startswith("*") and not line.startswith("* "))
                or bool(_BULLET.match(plain))
                or (not paragraph and (
                    bool(_LIST_START.match(plain))
                    or _case_changes(prev_plain, plain)
                    or _both_capitals(prev_plain, plain)
                    or _sentence_ends(prev_plain, plain)
                ))
            )
            if breaks:
                yield " ".join(current)
                current = []
        if not current:
            emphasis_from_start = line.startswith("*") and not line.startswith("* ")
        current.append(line)
        b, s = _emphasis_parity(line)
        bold_open ^= bool(b)
        italic_open ^= bool(s)
    if current:
        yield " ".join(current)


_BULLET = re.compile(r"[-+•–]\s")


def _both_capitals(prev: str, line: str) -> bool:
    """Two short lines in capitals are separate lines of a header or signature block
    ("BỘ TÀI CHÍNH" / "CỤC THUẾ"); a long one is a title wrapped onto the next line."""
    return _case_of(prev) is True and _case_of(line) is True and len(prev) < 45


def _sentence_ends(prev: str, line: str) -> bool:
    if not _END_PUNCT.search(prev):
        return False
    # "Thiếc:" / "96.5%" continues the sentence; "Nơi nhận:" / "- Như trên;" does not.
    return not prev.endswith(":") or not (line[:1].isdigit() or line[:1].islower())


_LINK = re.compile(r"!?\[([^\]\n]*)\]\([^)\n]*\)")
_FOOTNOTE = re.compile(r"\(\*+\)|\[\d{1,3}\]|\[cần dẫn nguồn\]")
_HEADING = re.compile(r"#{1,6}\s+")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>])")


def _strip_markup(para: str) -> str:
    para = _HEADING.sub("", para, count=1) if para.startswith("#") else para
    para = _LINK.sub(lambda m: "" if m.group(0).startswith("!") else m.group(1), para)
    para = _FOOTNOTE.sub("", para).replace("*", "")
    para = _ESCAPE.sub(r"\1", para).strip()
    if para.startswith("> "):  # a quote, unlike the ">>" of "read more" links
        para = para[2:]
    return _squash(para)


# ---------------------------------------------------------------------------------------
# furniture and repeats


# Page furniture is data: src/plannlp/resources/furniture.jsonl, one pattern a line, each with its
# kind and a note of where it was seen. Kinds: "line" (a whole paragraph that is a page widget,
# never a plan's text), "tail" (a paragraph that starts the related-news or footer area: the
# article ends above it) and "prefix" (a page's stamp glued to the start of a paragraph near the
# top: the site's name before a lead, a weekday and time before the title). "shapes" limits a
# pattern to some input kinds (default: all; "tail" and "prefix" only apply to page text).

FURNITURE_KINDS = ("line", "tail", "prefix")


@functools.cache
def furniture_patterns() -> dict[tuple[str, str], re.Pattern[str]]:
    """{(kind, shape): one compiled alternation} from the resource file, loaded once."""
    text = resources.files("plannlp").joinpath("resources", "furniture.jsonl").read_text(encoding="utf-8")
    found: dict[tuple[str, str], list[str]] = {}
    for n, row in iter_jsonl(text.splitlines(), "furniture.jsonl"):
        kind, pattern = row["kind"], row["pattern"]
        if kind not in FURNITURE_KINDS or not row.get("seen"):
            raise ValueError(f"furniture.jsonl line {n}: kind must be one of {FURNITURE_KINDS} and 'seen' given")
        re.compile(pattern)  # a bad pattern fails here, with its line number in the traceback
        for shape in row.get("shapes", KINDS):
            found.setdefault((kind, shape), []).append(pattern)
    # "line" and "tail" patterns ignore case; "prefix" patterns spell their case out (a dateline
    # is the site's name before a capital letter).
    return {key: re.compile("(?:" + "|".join(f"(?:{p})" for p in pats) + ")", 0 if key[0] == "prefix" else re.I)
            for key, pats in found.items()}


def _furniture(kind: str, shape: str) -> re.Pattern[str] | None:
    return furniture_patterns().get((kind, shape))


_HEAD_WINDOW = 40  # paragraphs at the top of a page where stamps are glued to the title or lead


def _drop_furniture(paragraphs: list[str], kind: str) -> list[str]:
    paragraphs = _cut_tail(paragraphs, kind)
    prefix = _furniture("prefix", kind)
    if prefix is not None:
        paragraphs = [prefix.sub("", p, count=1) if i < _HEAD_WINDOW and prefix.match(p) else p
                      for i, p in enumerate(paragraphs)]
    official = any(_is_national(p) for p in paragraphs[:_HEAD_WINDOW])
    paragraphs = [p for p in paragraphs if p and not _is_furniture(p, kind, official)]
    return _cut_head(paragraphs)


def _is_furniture(para: str, kind: str, official: bool = False) -> bool:
    line = _furniture("line", kind)
    if line is not None and len(para) < 300 and line.fullmatch(para):
        return True
    if kind == "markdown" or official:
        return False
    return _is_headline_list(para)


def _is_headline_list(para: str) -> bool:
    """Related-news boxes flattened into one line: a headline printed twice in a row
    ("Title Title"), or several headlines run together without any sentence punctuation.

    A plan's own lines look like that too, and must stay: a table cell naming two bodies that
    share their first words (``Trung tâm Phục vụ hành chính công tỉnh ...; Trung tâm Phục vụ
    hành chính công xã, phường``) is not a headline printed twice, since its second part does not
    repeat the first; a long line of a plan without commas — a title in capitals, a list item, a
    cell with a semicolon list, a parenthesis, a percentage or a quotation — is not a run of
    headlines unless a question or exclamation ends inside it. In an
    official document (its national header at the top) neither rule applies: no news box is
    flattened into its body."""
    words = para.split()
    if 8 <= len(words) and len(para) < 400 and not _END_PUNCT.search(para):
        lead = " ".join(words[:5])
        at = para.find(lead, len(lead))
        if at > 0:
            first, rest = para[:at].strip(), para[at:].strip()
            if rest.startswith(first) or first.startswith(rest):
                return True
    if len(para) > 120 and "," not in para and ". " not in para and not _END_PUNCT.search(para):
        if _case_of(para) is True or _LIST_ITEM.match(para) or _PLAN_LINE_SIGN.search(para):
            return bool(_HEADLINE_BREAK.search(para))  # "... hay bất thường? 66.078 lượt khách ..."
        return True
    return False


# characters that a run of news headlines seldom holds but a plan's long lines often do, and the
# question or exclamation inside a line that only a run of headlines has
_PLAN_LINE_SIGN = re.compile(r"[;()%“”\"]")
_HEADLINE_BREAK = re.compile(r"[?!][\"”’]? \S")


def _cut_tail(paragraphs: list[str], kind: str) -> list[str]:
    """Everything from the related-news/footer area on goes."""
    tail = _furniture("tail", kind)
    if tail is None:
        return paragraphs
    body = next((i for i, p in enumerate(paragraphs) if len(p) >= 100), 0)
    for i in range(body + 1, len(paragraphs)):
        if tail.fullmatch(paragraphs[i].rstrip(": ")) or tail.fullmatch(paragraphs[i]):
            return paragraphs[:i]
    return paragraphs


# The header block of an official document printed in page text: issuing body, national name and
# motto, number, place and date, document type and title. The spec counts it as part of the plan.
_NATIONAL = re.compile(
    r"(?=\S)(?:CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM)?\s*(?:Độc lập\s*[-–]\s*Tự do\s*[-–]\s*Hạnh phúc)?[-–—_\s]*", re.I
)  # the name, the motto, or both glued on one line (page text often loses the break), rules after


def _is_national(para: str) -> bool:
    return bool(_NATIONAL.fullmatch(para)) and bool(re.search(r"\w", para))
_HEADER_LINE = re.compile(
    r"Số\s*:\s*\S*|\d{1,5}/(?:\d{4}/)?[A-ZĐ][A-ZĐ0-9]*(?:-[A-ZĐ0-9]+)*|V/v\b.{0,200}|[^\W\d_][^,]{1,40},\s*ngày\s+\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}"
)


def _is_header_line(para: str) -> bool:
    return bool(
        _is_national(para) or _HEADER_LINE.fullmatch(para) or _DOC_TYPE.fullmatch(para)
        or (_case_of(para) is True and not _END_PUNCT.search(para))
    )


def _cut_head(paragraphs: list[str]) -> list[str]:
    """Drop a page's header (site name, menus, banners) above the title, keeping a document's
    own header block (issuer, national motto, number, date, type, title) and the page title just
    above it."""
    # The first long paragraph is either the title (no final punctuation) or the article's
    # lead, in which case the short line just above it is the title.
    first_long = next((i for i, p in enumerate(paragraphs[:_HEAD_WINDOW]) if len(p) >= 100), None)
    if first_long is None or first_long == 0:
        return paragraphs
    start = first_long
    if _END_PUNCT.search(paragraphs[first_long]) and not _END_PUNCT.search(paragraphs[first_long - 1]):
        start = first_long - 1
    top = start
    while top > 0 and _is_header_line(paragraphs[top - 1]):
        top -= 1
    # an official document's header block (issuer, national name and motto, number, date) and
    # whatever follows it down to the first long paragraph (``Kính gửi: ...``, a title) are its own
    national = next((i for i in range(first_long) if _is_national(paragraphs[i])), None)
    if national is not None:
        top = min(top, national)
        while top > 0 and _is_header_line(paragraphs[top - 1]):
            top -= 1
        start = top
        if start > 0 and len(paragraphs[start - 1].split()) >= 4 and not _END_PUNCT.search(paragraphs[start - 1]):
            start -= 1  # the page's title above the document
    head = paragraphs[:start]
    if any(_END_PUNCT.search(p) and (len(p) >= 60 or len(p.split()) >= 8) for p in head):
        return paragraphs  # real sentences up there: not a header of widgets
    return paragraphs[start:]


_REPEAT_MIN_WORDS = 5


def _drop_repeats(paragraphs: Iterable[tuple[str, bool]], title_repeats: bool) -> Iterator[tuple[str, bool]]:
    """Drop repetition that is the page repeating itself, and nothing else.

    A paragraph of five words or more goes when it is a candidate and repeats the paragraph kept
    just before it (a lead or a title printed twice, a heading repeated under itself), or, where
    ``title_repeats`` (page text), when it repeats the page's title (its first paragraph) and is
    not a list item (a caption or box reprinting the headline). A paragraph repeated in another
    part of the document is kept: a plan lists the same target for 2025 and for 2030.
    """
    title: str | None = None
    previous: str | None = None
    for para, candidate in paragraphs:
        key = para.casefold()
        if len(para.split()) >= _REPEAT_MIN_WORDS and (
            (candidate and key == previous)
            or (title_repeats and key == title and not _LIST_ITEM.match(para))
        ):
            continue
        if title is None:
            title = key
        previous = key
        yield para, candidate


_LIST_ITEM = re.compile(r"[-+•–*]\s|\(?\d{1,3}(?:\.\d{1,3})*[.)]\s|\(?[a-zđ][).]\s", re.I)


# ---------------------------------------------------------------------------------------
# measurement against hand-cleaned text

_WORD = re.compile(r"\w+")


def word_overlap(predicted: str, expected: str) -> tuple[int, int, int]:
    """(matched, predicted, expected) word counts: the bag-of-words (multiset) overlap of two
    texts, words being runs of letters and digits. Precision = matched / predicted, recall =
    matched / expected; counts add up across documents (micro-average)."""
    pred = Counter(_WORD.findall(nfc(predicted)))
    gold = Counter(_WORD.findall(nfc(expected)))
    return _multiset_overlap(pred, gold)


def paragraph_overlap(predicted: str, expected: str) -> tuple[int, int, int]:
    """(matched, predicted, expected) counts of paragraphs (lines) reproduced exactly: a stricter
    check than words, that also scores re-joined line wraps and paragraph breaks."""
    def paragraphs(text: str) -> Counter[str]:
        return Counter(p.strip() for p in nfc(text).split("\n") if p.strip())

    return _multiset_overlap(paragraphs(predicted), paragraphs(expected))


def _multiset_overlap(pred: Counter[str], gold: Counter[str]) -> tuple[int, int, int]:
    matched = sum(min(n, gold[w]) for w, n in pred.items())
    return matched, sum(pred.values()), sum(gold.values())
