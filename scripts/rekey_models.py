"""Re-key model folders after the matching key (:func:`plannlp.text.text_key`) changed, without retraining.

    python scripts/rekey_models.py models/crf models/default models/rules

The CRF's attribute names (``w:...``, ``lw:...``) and the rule lexicon's learned words were stored
in the key spelling of the code that trained them. Until 2026-12 that key put every tone mark of
``oa``/``oe``/``uy`` on the first vowel (``hoàn`` -> ``hòan``); the key now does it only for open
syllables. The key is blind to where the mark was, so keying an old key again gives the new key of
the same text: each stored string is replaced by its key, the CRF's weights are copied byte for
byte (``scripts/crfsuite_file.py``). Running it twice changes nothing.

One case is not a renaming: the old key left all-capital syllables alone (``ĐOẠN``), so a heading's
lower-cased word (``lw:giai đoạn``) had a weight of its own beside the ordinary text's
(``lw:giai đọan``). Both now have one name; the ordinary text's name (the one the old key had
already keyed) takes it, and the other is retired under a name no feature function produces
(``retired:...``), its weight kept in the file but never used. Measured on the models of 2026-12:
3 of 11,625 CRF attributes retired, dev strict micro F1 unchanged (README of the change).
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from crfsuite_file import attributes, rename_attributes  # noqa: E402

from plannlp.runrecord import RunRecord  # noqa: E402
from plannlp.text import text_key  # noqa: E402

NOTE = "names re-keyed by plannlp.text.text_key (scripts/rekey_models.py), nothing retrained"
RETIRED = "retired:"

# the key before 2026-12, kept only to tell which of two merging names it produced
_OLD_PAIRS = {
    f"{first}{mark}": f"{toned}{second}"
    for first, second, table in (
        ("o", "a", dict(zip("àáảãạ", "òóỏõọ"))),
        ("o", "e", dict(zip("èéẻẽẹ", "òóỏõọ"))),
        ("u", "y", dict(zip("ỳýỷỹỵ", "ùúủũụ"))),
    )
    for mark, toned in table.items()
}
_OLD_PAIRS.update({k[0].upper() + k[1:]: v[0].upper() + v[1:] for k, v in list(_OLD_PAIRS.items())})
_OLD_RE = re.compile("|".join(_OLD_PAIRS))


def _old_key(text: str) -> str:
    def swap(m: re.Match[str]) -> str:
        if m.group()[0] in "uU" and m.start() > 0 and m.string[m.start() - 1] in "qQ":
            return m.group()
        return _OLD_PAIRS[m.group()]

    return _OLD_RE.sub(swap, unicodedata.normalize("NFC", text))


def attribute_names(names: list[str]) -> dict[str, str]:
    """Old attribute name -> new name: its key, or ``retired:`` + the old name for the losers of
    a merge (see the module docstring)."""
    groups: dict[str, list[str]] = defaultdict(list)
    for name in names:
        groups[text_key(name)].append(name)
    out = {}
    for new, olds in groups.items():
        winners = [o for o in olds if _old_key(o) == o] if len(olds) > 1 else olds
        if len(winners) != 1:
            raise SystemExit(f"cannot tell which of {olds} the old key produced")
        for old in olds:
            out[old] = new if old == winners[0] else RETIRED + old
    return out


def _rekey_strings(values: list[str]) -> list[str]:
    out = [text_key(v) for v in values]
    if len(set(out)) != len(set(values)):
        raise SystemExit(f"re-keying merges lexicon entries: {sorted(set(values) - set(out))[:5]}")
    return out


def rekey(directory: Path) -> None:
    record = RunRecord.read(directory)
    if record.system == "crf":
        path = record.file(directory, "model")
        old = path.read_bytes()
        mapping = attribute_names(attributes(old))
        new = rename_attributes(old, mapping.__getitem__)
        changed = sum(a != b for a, b in mapping.items())
        retired = sum(b.startswith(RETIRED) for b in mapping.values())
        if retired:
            print(f"{directory}: {retired} attributes retired: {[a for a, b in mapping.items() if b.startswith(RETIRED)]}")
        path.write_bytes(new)
    elif record.system == "rules":
        path = record.file(directory, "lexicon")
        lexicon = json.loads(path.read_text(encoding="utf-8"))
        changed = 0
        for name in ("agencies", "comparators", "units", "denominators"):
            values = list(lexicon.get(name, ()))
            lexicon[name] = _rekey_strings(values)
            changed += sum(a != b for a, b in zip(values, lexicon[name]))
        cues = lexicon.get("target_cues", {})
        keys = _rekey_strings(list(cues))
        changed += sum(a != b for a, b in zip(cues, keys))
        lexicon["target_cues"] = dict(zip(keys, cues.values()))
        path.write_text(json.dumps(lexicon, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    else:
        print(f"{directory}: {record.system} stores no keyed strings")
        return
    if changed:
        metrics = {**record.metrics, "rekeyed": NOTE}
        RunRecord(**{**record.__dict__, "metrics": metrics}).write(directory)
    print(f"{directory}: {changed} names re-keyed")


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        rekey(Path(arg))
