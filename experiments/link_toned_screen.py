"""Screen (session 4): the linker with tone-aware syllables instead of diacritic-blind ones.

    PYTHONPATH=src python experiments/link_toned_screen.py blind|toned|tonedstop

links6 saw the diacritic-blind match and stop list join different syllables (`hỗ trợ` holds `hồ sơ`'s `hồ`; the
stop syllable `số` drops `sơ`, `mỗi` drops `môi`). "toned" replaces `plannlp.tag.links.blind_syllables` by NFC
lower-cased syllables with the one tone placement, for the word match, the stop list and the aliases alike;
"tonedstop" keeps the blind match and compares only the stop list with tones (a word is dropped when its toned
form is a stop syllable; aliases are then read from the blind form, numbers dropped). 5-fold CV over the
link-annotated train+dev documents, fold seeds 13 41 53 67, C 0.3 and the chosen decoding.
"""
import json
import re
import sys
from importlib import resources

import plannlp.tag.links as L
from plannlp.io import read_documents
from plannlp.text import blind_syllables, text_key


def toned(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text_key(text.replace("_", " ")).lower())


mode = sys.argv[1]
if mode == "toned":
    L.blind_syllables = toned
elif mode == "tonedstop":
    raw = json.loads(resources.files("plannlp").joinpath("resources", L.LINK_CUES_FILE).read_text(encoding="utf-8"))
    stop = frozenset(toned(raw["stop_syllables"]))

    def content(text: str) -> tuple[str, ...]:
        aliases = L.link_cues()["aliases"]
        b, t = blind_syllables(text), toned(text)
        if len(b) != len(t):  # the two tokenisations disagree: fall back to the blind syllables
            t = b
        words = [x for w, tw in zip(b, t) if tw not in stop for x in aliases.get(w, (w,))]
        return tuple(w for w in words if not w.isdigit())

    L._content_syllables = content
elif mode != "blind":
    sys.exit(__doc__)
docs = [d for p in ("corpus/gold/train.jsonl", "corpus/gold/dev.jsonl") for d in read_documents(p) if d.links]
for seed in (13, 41, 53, 67):
    r = L.crossval_links(docs, 0.3, [(0.2, 0.0, 0.5, False, 0.3)], 5, seed, ())
    v = next(iter(r.values()))
    print(mode, seed, "P %.3f R %.3f F1 %.4f" % (v["precision"], v["recall"], v["f1"]), flush=True)
