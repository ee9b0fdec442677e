"""plannlp.text: one tone placement, keys, offset maps, lines."""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path

import pytest

from plannlp.text import base_letters, blind_syllables, fold, line_offsets, nfc_view, nfc_with_offsets, place_tones, text_key

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("written", "placed"),
    [
        ("hoà", "hòa"), ("hòa", "hòa"), ("khoẻ", "khỏe"), ("thuỷ", "thủy"), ("Uỷ ban", "Ủy ban"),
        ("UỶ BAN", "ỦY BAN"), ("HOÀ", "HÒA"),
        # closed syllables keep (or get) the mark on the second vowel
        ("hoàn thành", "hoàn thành"), ("hòan thành", "hoàn thành"), ("kế hoạch", "kế hoạch"),
        ("kế họach", "kế hoạch"), ("ngoài", "ngoài"), ("huỳnh", "huỳnh"), ("GIAI ĐOẠN", "GIAI ĐOẠN"),
        # qu: the u is the onset's
        ("quý", "quý"), ("Quỳnh", "Quỳnh"),
        ("Nguyễn", "Nguyễn"), ("hoa", "hoa"),
    ],
)  # fmt: skip
def test_one_tone_placement(written: str, placed: str) -> None:
    assert place_tones(written) == placed
    assert text_key(written) == placed


def test_key_is_blind_to_placement_and_form_and_keeps_nfc_length() -> None:
    for a, b in [("hoà bình", "hòa bình"), ("thuỷ lợi", "thủy lợi"), ("hòan", "hoàn")]:
        assert text_key(a) == text_key(b)
        nfd = unicodedata.normalize("NFD", a)
        assert text_key(nfd) == text_key(a)
        assert len(text_key(nfd)) == len(unicodedata.normalize("NFC", nfd))
    assert text_key(text_key("Uỷ ban hoà giải")) == text_key("Uỷ ban hoà giải")


def test_cleaned_text_is_its_own_key() -> None:
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpus" / "samples").glob("*"))[:3] if p.is_file()]
    assert texts
    from plannlp.clean import normalize_unicode

    for text in texts:
        cleaned = normalize_unicode(text)
        assert text_key(cleaned) == cleaned


def test_nfc_offsets_map_back() -> None:
    text = "Ho\u0300a bi\u0300nh"  # decomposed
    composed, origin = nfc_with_offsets(text)
    assert composed == "Hòa bình"
    assert origin[1] == 1 and origin[2] == 3 and origin[-1] == len(text)
    view = nfc_view(text)
    start = view.text.index("bình")
    assert text[view.start(start) : view.end(start + 4)] == "bi\u0300nh"
    assert nfc_view("hòa").starts is None


def test_blind_keys_and_fold() -> None:
    assert base_letters("Hoà") == base_letters("hòa") == "hoa"
    assert blind_syllables("Bảo_hiểm y TẾ 95%") == ["bao", "hiem", "y", "te", "95"]
    assert fold("  Sở   Y tế ") == "sở y tế"


def test_line_offsets() -> None:
    text = "một\n\nhai ba\n"
    assert [text[a:b] for a, b in line_offsets(text)] == ["một", "", "hai ba", ""]


def test_committed_crf_models_are_keyed_with_the_current_key() -> None:
    """A change of text_key must re-key the models (scripts/rekey_models.py): every attribute name
    of the committed CRF is its own key, or retired."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from crfsuite_file import attributes, rename_attributes

    files = sorted((ROOT / "models").glob("*/*.crfsuite"))
    assert {f.parent.name for f in files} >= {"default", "crf"}  # the default (both passes) and the others
    for file in files:
        data = file.read_bytes()
        names = attributes(data)
        stale = [n for n in names if not n.startswith("retired:") and text_key(n) != n]
        assert len(names) > 1000 and not stale, file
        assert rename_attributes(data, lambda a: a) == data, file  # the writer reproduces crfsuite's file
