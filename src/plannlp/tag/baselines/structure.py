"""What a reader sees from a plan's layout, as features of each word.

Cleaned plans keep one paragraph per line, list markers (``II.``, ``2.``, ``b)``, ``-``) and tables
flattened to one cell per line. From that, for every word:

- its line: the marker kind (roman, number, letter, bullet, article, upper-case line, table cell),
  whether the line is a heading, whether the word opens the line's text, whether the line before
  ends with ``:`` (a list introduced);
- its heading path (``II. MỤC TIÊU`` > ``2. Mục tiêu cụ thể`` > ``b) Đến năm 2030``): which cue
  classes the path's headings and its nearest heading carry (target, specific, task, org, past,
  budget) and whether a heading on the path names a year;
- its sentence: whether it holds target, past-tense or role cue words;
- in a table: the class of its column header (``Đơn vị chủ trì`` -> lead, ``Đơn vị phối hợp`` ->
  coord, ``Thời gian`` -> time ...), found from a block of short header lines and the row numbers
  that start each row; the same for ``Đơn vị chủ trì: ...`` lines that carry their header inline.

The phrase lists live in ``plannlp/resources/structure.json``.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from plannlp.segment import Sentence
from plannlp.tag.baselines.features import text_key

Features = dict[str, Any]


@dataclass(frozen=True)
class _Cues:
    heading: dict[str, re.Pattern[str]]
    sentence: dict[str, re.Pattern[str]]
    columns: tuple[tuple[str, str], ...]  # (phrase, class), longest phrase first
    column_pattern: re.Pattern[str]


def _phrase_pattern(phrases: Sequence[str]) -> re.Pattern[str]:
    ordered = sorted({text_key(p).lower() for p in phrases}, key=lambda p: (-len(p), p))
    return re.compile(r"(?<!\w)(?:" + "|".join(r"\s+".join(map(re.escape, p.split())) for p in ordered) + r")(?!\w)")


@lru_cache(maxsize=1)
def cues() -> _Cues:
    raw = json.loads(resources.files("plannlp").joinpath("resources", "structure.json").read_text(encoding="utf-8"))
    columns = sorted(
        ((text_key(p).lower(), cls) for cls, phrases in raw["columns"].items() for p in phrases),
        key=lambda pc: (-len(pc[0]), pc[0]),
    )
    return _Cues(
        {k: _phrase_pattern(v) for k, v in raw["heading_cues"].items()},
        {k: _phrase_pattern(v) for k, v in raw["sentence_cues"].items()},
        tuple(columns),
        _phrase_pattern([p for p, _ in columns]),
    )


_ROMAN = re.compile(r"^\s*[IVXL]{1,5}\s*[.)/-]?(?:\s|$)")
_NUM2 = re.compile(r"^\s*\d{1,2}\.\d{1,2}(?:\.\d{1,2})?\.?(?:\s|$)")
_NUM = re.compile(r"^\s*\d{1,2}\s*[.)/]\s")
_LETTER = re.compile(r"^\s*[a-zđ]\s*[.)]\s")
_BULLET = re.compile(r"^\s*[-+•*–—·]\s*")
_ARTICLE = re.compile(r"^\s*(?:Điều|Chương|Mục|Phần|Phụ lục|PHỤ LỤC)\s+[\w.]+", re.IGNORECASE)
_BARE_NUMBER = re.compile(r"^\s*(?:\d{1,3}(?:\.\d{1,2})*|[IVXL]{1,5}|[a-zđ])\s*[.)]?\s*$")
_MARKER_PREFIX = re.compile(r"\s*(?:[-+•*–—·]|[IVXL]{1,5}\s*[.)]|\d{1,2}(?:\.\d{1,2})*\s*[.)]|[a-zđ]\s*[.)])\s*")
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
_LEVELS = {"roman": 1, "article": 1, "upper": 1, "num": 2, "num2": 3, "letter": 4}


# a line's marker kind: the first pattern that matches, in this order
_MARKER_KINDS = (
    ("bare", _BARE_NUMBER), ("article", _ARTICLE), ("roman", _ROMAN), ("num2", _NUM2), ("num", _NUM),
    ("letter", _LETTER), ("bullet", _BULLET),
)  # fmt: skip


def _line_kind(line: str) -> str:
    for kind, pattern in _MARKER_KINDS:
        if pattern.match(line):
            return kind
    letters = [c for c in line if c.isalpha()]
    if len(letters) >= 6 and sum(c.isupper() for c in letters) >= 0.8 * len(letters):
        return "upper"
    return "plain"


def _is_heading(line: str, kind: str) -> bool:
    """A marked line that reads as a title: short, or ending with ':' and not with a full stop."""
    if kind not in _LEVELS:
        return False
    words = len(line.split())
    stripped = line.rstrip()
    return words <= 18 or stripped.endswith(":") or (words <= 30 and not stripped.endswith((".", ";")))


def _classes(patterns: dict[str, re.Pattern[str]], text: str) -> list[str]:
    return [name for name, pattern in patterns.items() if pattern.search(text)]


def _column_class(cell: str) -> str | None:
    """The class of a header cell (``Đơn vị chủ trì`` -> lead), or None when it is no header."""
    key = " ".join(text_key(cell).lower().split()).strip(" :*")
    if not key or len(key.split()) > 8:
        return None
    for phrase, cls in cues().columns:
        if key == phrase or key.startswith(phrase + " ") or key.endswith(" " + phrase) or (
            len(phrase) > 4 and phrase in key
        ):
            return cls
    return None


@dataclass
class _Line:
    start: int
    end: int
    kind: str
    heading: bool
    path: tuple[int, ...]  # indices of the headings above (outermost first)
    column: str | None
    inline_column: tuple[int, str] | None  # (offset where the cell text starts, class)
    after_colon: bool


_GROUP_ROW_KINDS = ("roman", "upper", "letter", "num", "num2", "article", "plain")


def analyse_lines(text: str, group_rows: bool = False) -> list[_Line]:
    """Every line of ``text`` with its kind, heading path and table column (see the module docstring).

    With ``group_rows``, a short line that stands where a new row would start and is followed by a
    bare row number within three short lines (``TT | Chỉ tiêu | Chủ trì`` then ``I. Kinh tế số`` then
    ``1``; ``A`` then ``PHÁT TRIỂN ...`` then ``I`` then ``1.1``) is a group row of the table (column
    ``group``) instead of its end, so the rows after it keep their columns."""
    raw: list[tuple[int, int]] = []
    pos = 0
    for line in text.split("\n"):
        raw.append((pos, pos + len(line)))
        pos += len(line) + 1
    lines: list[_Line] = []
    stack: list[tuple[int, int]] = []  # (level, line index)
    header: list[str] = []  # column classes of the current table ("" for an unknown header cell)
    col = -1  # column of the last table line; -1: not in a table
    prev_text = ""
    i = 0
    n = len(raw)
    # whether each line can be a header cell and its column class: each header test below looks
    # at the next ten lines, so the answers are kept (a function of the line alone)
    header_cells: dict[int, tuple[bool, str | None]] = {}

    def header_cell(j: int) -> tuple[bool, str | None]:
        found = header_cells.get(j)
        if found is None:
            cell = text[raw[j][0] : raw[j][1]].strip()
            # header cells are short, unmarked, and not sentences ("2. Mục tiêu cụ thể" is a heading)
            if not cell or len(cell.split()) > 8 or cell.endswith((".", ";")) or _line_kind(cell) not in ("plain", "upper"):
                found = (False, None)
            else:
                found = (True, _column_class(cell))
            header_cells[j] = found
        return found

    while i < n:
        start, end = raw[i]
        line = text[start:end]
        if not line.strip():
            lines.append(_Line(start, end, "empty", False, tuple(j for _, j in stack), None, None, False))
            i += 1
            continue
        # a table header: >= 3 short consecutive lines, >= 2 of them known header cells
        block = []
        j = i
        while j < n and len(block) < 10:
            is_cell, cls = header_cell(j)
            if not is_cell:
                break
            block.append(cls)
            j += 1
        known = sum(c is not None for c in block)
        if len(block) >= 3 and known >= 2 and any(c in ("lead", "coord", "time", "target", "content") for c in block):
            while block and block[-1] is None:  # trailing non-header lines are the first row
                block.pop()
            header = [c or "" for c in block]
            for k in range(len(block)):
                s, e = raw[i + k]
                lines.append(_Line(s, e, "thead", False, tuple(x for _, x in stack), header[k] or "other", None, False))
            col = len(header) - 1
            i += len(block)
            prev_text = text[raw[i - 1][0] : raw[i - 1][1]]
            continue
        kind = _line_kind(line)
        column = None
        if header and col >= 0:
            if kind == "bare" and (header[0] == "item" or col >= len(header) - 1 or col < 0):
                col = 0
                column = header[0] or "item"
            elif col + 1 < len(header):
                col += 1
                column = header[col] or "other"
            elif group_rows and kind in _GROUP_ROW_KINDS and len(line.split()) <= 15 and _row_number_follows(text, raw, i):
                column = "group"  # col stays at the last column: the next bare number opens a row
            else:  # more cells than columns: the table has ended
                header, col = [], -1
        if column is not None:
            kind = "cell" if kind != "bare" else "bare"
            if column == "group":
                kind = "group"
        heading = column is None and _is_heading(line, kind)
        if heading:
            level = _LEVELS[kind]
            while stack and stack[-1][0] >= level:
                stack.pop()
        inline = None
        m = re.match(r"^\s*[-+•*]?\s*([^:]{2,60}):\s*(\S)", line)
        if m and column is None:
            cls = _column_class(m.group(1))
            if cls is not None:
                inline = (start + m.start(2), cls)
        lines.append(
            _Line(start, end, kind, heading, tuple(x for _, x in stack), column, inline, prev_text.rstrip().endswith(":"))
        )
        if heading:
            stack.append((_LEVELS[kind], len(lines) - 1))
        prev_text = line
        i += 1
    return lines


def _row_number_follows(text: str, raw: Sequence[tuple[int, int]], i: int) -> bool:
    """Whether a bare row number (``1``, ``1.1``) follows line ``i`` within three non-empty lines,
    all short (a group row may take two lines: ``A`` then ``PHÁT TRIỂN NỀN MÓNG ...``)."""
    seen = 0
    for s, e in raw[i + 1 : i + 8]:
        line = text[s:e]
        if not line.strip():
            continue
        if _BARE_NUMBER.match(line) and any(ch.isdigit() for ch in line):
            return True
        seen += 1
        if seen >= 3 or len(line.split()) > 15:
            return False
    return False


def layout_parts(
    text: str, sentences: Sequence[Sentence], group_rows: bool = False
) -> list[tuple[Features, list[tuple[str | None, bool]]]]:
    """Per sentence: the layout features its words share, and per word what it adds to them: the
    column class of an inline header cell that it follows (``T.col``, or None) and whether it
    opens the line's text (``L.first``). :func:`layout_features` makes each word's dict from them;
    the CRF's prediction input (:mod:`plannlp.tag.baselines.crfinput`) turns the shared part into
    attribute strings once per sentence instead of once per word (``group_rows``: see
    :func:`analyse_lines`)."""
    c = cues()
    lines = analyse_lines(text, group_rows)
    starts = [ln.start for ln in lines]
    heading_classes: dict[int, list[str]] = {}

    def classes_of(index: int) -> list[str]:
        # a line's key is made only for the headings that some word's path holds (few of the lines)
        if index not in heading_classes:
            key = " ".join(text_key(text[lines[index].start : lines[index].end]).lower().split())
            found = _classes(c.heading, key)
            if _YEAR.search(key):
                found.append("year")
            heading_classes[index] = found
        return heading_classes[index]

    out: list[tuple[Features, list[tuple[str | None, bool]]]] = []
    for sentence in sentences:
        li = max(0, bisect.bisect_right(starts, sentence.start) - 1)
        line = lines[li]
        skey = " ".join(text_key(text[sentence.start : sentence.end]).lower().split())
        common: Features = {"L.kind": line.kind}
        if line.heading:
            common["L.head"] = True
        if line.after_colon:
            common["L.aftercolon"] = True
        if li > 0:
            common["L.prevkind"] = lines[li - 1].kind
        for index in line.path:
            for name in classes_of(index):
                common[f"H.{name}"] = True
        if line.path:
            for name in classes_of(line.path[-1]):
                common[f"H0.{name}"] = True
        for name in _classes(c.sentence, skey):
            common[f"S.{name}"] = True
        if line.column is not None:
            common["T.col"] = line.column
        words: list[tuple[str | None, bool]] = []
        marker = _MARKER_PREFIX.match(text, line.start, line.end)
        content_start = marker.end() if marker else line.start
        first_open = True  # no text yet between the line's content start and the word
        for token in sentence.tokens:
            column = None
            if line.inline_column is not None and token.start >= line.inline_column[0]:
                column = line.inline_column[1]
            # the first word of the line's text, after its list marker; once the text before a
            # word is not blank, it is not for any later word either (it only grows), so the
            # test is not repeated over the whole line for every word
            first = False
            if first_open and token.start >= content_start:
                if text[content_start : token.start].strip():
                    first_open = False
                else:
                    first = True
            words.append((column, first))
        out.append((common, words))
    return out


def layout_features(text: str, sentences: Sequence[Sentence], group_rows: bool = False) -> list[list[Features]]:
    """Per sentence, per word: the layout features named in the module docstring (``group_rows``:
    see :func:`analyse_lines`)."""
    out: list[list[Features]] = []
    for common, words in layout_parts(text, sentences, group_rows):
        rows = []
        for column, first in words:
            feats = dict(common)
            if column is not None:
                feats["T.col"] = column
            if first:
                feats["L.first"] = True
            rows.append(feats)
        out.append(rows)
    return out
