"""Vietnamese text handling in one place: NFC with offset maps, tone-mark placement, matching keys,
diacritic-blind keys and line offsets.

Every module that normalises, keys or splits text uses these functions, so that a phrase written
in a resource file, a regex over a document and a CRF feature all see one spelling.

Tone placement. Vietnamese writes the tone mark of the open syllables ``oa``, ``oe``, ``uy`` on
either vowel (``hòa``/``hoà``, ``khỏe``/``khoẻ``, ``thủy``/``thuỷ``). :func:`place_tones` puts it
where most government and news text has it: on the first vowel when the pair ends the syllable
(``hòa``, ``Ủy``), on the second when letters follow (``hoàn``, ``hoạch``, ``ngoài``,
``huỳnh``). ``qu`` keeps its mark on ``y`` (``quý``: the ``u`` belongs to the onset). Either input
placement gives the same output, and the output has the length of the NFC input, so offsets found
in a key are offsets into the NFC text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

# ---------------------------------------------------------------------------------------------
# NFC and offset maps


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def is_nfc(text: str) -> bool:
    return unicodedata.is_normalized("NFC", text)


def nfc_with_offsets(text: str) -> tuple[str, list[int]]:
    """NFC form of ``text`` and, for each of its positions (and its end), the position in ``text``.

    Composition happens within a base character and the combining marks after it, so each such
    cluster is normalised on its own and maps back as a whole.
    """
    pieces: list[str] = []
    origin: list[int] = []
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        composed = unicodedata.normalize("NFC", text[i:j])
        pieces.append(composed)
        origin.extend([i] * len(composed))
        i = j
    origin.append(n)
    return "".join(pieces), origin


@dataclass(frozen=True)
class NfcView:
    """The NFC form of a text with maps from NFC offsets back to the original's."""

    text: str
    starts: tuple[int, ...] | None  # NFC offset -> original offset of that character's cluster
    ends: tuple[int, ...] | None  # NFC end offset -> original end offset

    def start(self, i: int) -> int:
        return i if self.starts is None else self.starts[i]

    def end(self, i: int) -> int:
        return i if self.ends is None else self.ends[i]


def nfc_view(text: str) -> NfcView:
    """NFC of ``text`` normalised cluster by cluster (a base character and its marks), so every
    NFC offset at a cluster boundary maps to an original offset."""
    if is_nfc(text):
        return NfcView(text, None, None)
    composed, starts = nfc_with_offsets(text)
    # ends[k + 1]: where the cluster holding NFC character k ends in ``text``
    ends = [0] * (len(composed) + 1)
    following = len(text)
    for k in range(len(composed) - 1, -1, -1):
        if starts[k + 1] != starts[k]:
            following = starts[k + 1]
        ends[k + 1] = following
    return NfcView(composed, tuple(starts), tuple(ends))


# ---------------------------------------------------------------------------------------------
# Tone placement and keys

# plain vowel -> the same vowel with each tone (grave, acute, hook, tilde, dot below)
_TONED = {
    "o": "òóỏõọ", "a": "àáảãạ", "e": "èéẻẽẹ", "u": "ùúủũụ", "y": "ỳýỷỹỵ",
    "O": "ÒÓỎÕỌ", "A": "ÀÁẢÃẠ", "E": "ÈÉẺẼẸ", "U": "ÙÚỦŨỤ", "Y": "ỲÝỶỸỴ",
}  # fmt: skip
_PLAIN = {toned: (plain, tone) for plain, row in _TONED.items() for tone, toned in enumerate(row)}


def _vowel(plain: str) -> str:
    return f"[{plain}{_TONED[plain]}]"


_FIRST_O, _FIRST_U = f"(?:{_vowel('o')}|{_vowel('O')})", f"(?:{_vowel('u')}|{_vowel('U')})"
_SECOND_AE = "|".join(_vowel(v) for v in "aeAE")
_SECOND_Y = f"{_vowel('y')}|{_vowel('Y')}"
# a pair, then whether letters follow it in the syllable (a combining mark after it: left alone)
_PAIR = re.compile(
    rf"(?:({_FIRST_O})({_SECOND_AE})|(?<![qQ])({_FIRST_U})({_SECOND_Y}))(?![\u0300-\u036f])(?=([^\W\d_])?)"
)


def _split(ch: str) -> tuple[str, int | None]:
    return _PLAIN.get(ch, (ch, None))


def _place(match: re.Match[str]) -> str:
    first, second = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
    (p1, t1), (p2, t2) = _split(first), _split(second)
    if (t1 is None) == (t2 is None):
        return match.group(0)  # no mark, or a mark on both (not a spelling: left as written)
    tone = t1 if t1 is not None else t2
    if match.group(5):  # closed syllable (hoàn, ngoài, huỳnh): the mark on the second vowel
        return p1 + _TONED[p2][tone]
    return _TONED[p1][tone] + p2  # open syllable (hòa, khỏe, thủy)


def place_tones(text: str) -> str:
    """NFC ``text`` with the one tone placement of the module docstring; ``len`` is that of NFC."""
    return _PAIR.sub(_place, nfc(text))


def text_key(text: str) -> str:
    """The matching key of a text: NFC with one tone placement (case kept);
    ``len(text_key(t)) == len(nfc(t))``. Cleaned text is its own key."""
    return place_tones(text)


def fold(text: str) -> str:
    """Lower-cased NFC with white space runs made one space: how phrase lists compare words."""
    return " ".join(nfc(text).lower().split())


def base_letters(text: str) -> str:
    """Letters without diacritics, case-folded: equal for every spelling of a syllable
    (tone placement, case, NFC or not); ``đ`` stays ``đ``."""
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)).casefold()


def blind_syllables(text: str) -> list[str]:
    """Case-, form-, tone-placement- and segmentation-blind syllables (``_`` joins none):
    base letters and digits."""
    return re.findall(r"[^\W_]+", base_letters(text.replace("_", " ")))


# ---------------------------------------------------------------------------------------------
# Span edges and lines

# what a span may not start or end with (spec: no leading or trailing space or punctuation;
# a VALUE keeps its % or ‰)
SPAN_EDGE = frozenset(" \t\n;.,:!?()[]{}\"'“”‘’…-–—/|*+•")


def trim(text: str, start: int, end: int, keep_end: str = "") -> tuple[int, int]:
    """``[start, end)`` shrunk past :data:`SPAN_EDGE` characters at both ends (those in
    ``keep_end`` may stay at the end)."""
    while start < end and text[start] in SPAN_EDGE:
        start += 1
    while end > start and text[end - 1] in SPAN_EDGE and text[end - 1] not in keep_end:
        end -= 1
    return start, end



def fills_its_line(text: str, start: int, end: int, edges: str) -> bool:
    """Whether ``text[start:end]`` is all its line holds, but ``edges`` characters around it (a
    table cell or list line: pipes, bold markers, list markers, closing punctuation)."""
    first = text.rfind("\n", 0, start) + 1
    last = text.find("\n", end)
    return text[first : len(text) if last < 0 else last].strip(edges) == text[start:end]


def line_offsets(text: str) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each ``\\n``-separated line of ``text`` (the newline excluded)."""
    start = 0
    for line in text.split("\n"):
        yield start, start + len(line)
        start += len(line) + 1
