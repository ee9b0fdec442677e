"""Screen (session 4): the linker with tone-aware syllables instead of diacritic-blind ones.

    PYTHONPATH=src python experiments/link_toned_screen.py blind|toned

links6 saw the diacritic-blind match and stop list join different syllables (`hỗ trợ` holds `hồ sơ`'s `hồ`; the
stop syllable `số` drops `sơ`, `mỗi` drops `môi`). "toned" replaces `plannlp.tag.links.blind_syllables` by NFC
lower-cased syllables with the one tone placement, for the word match, the stop list and the aliases alike;
5-fold CV over the link-annotated train+dev documents, fold seeds 13 41 53 67, C 0.3 and the chosen decoding.
"""
import re, sys
import plannlp.tag.links as L
from plannlp.text import text_key
from plannlp.io import read_documents
if sys.argv[1] == "toned":
    def toned(text):
        return re.findall(r"[^\W_]+", text_key(text.replace("_", " ")).lower())
    L.blind_syllables = toned
docs = [d for p in ("corpus/gold/train.jsonl", "corpus/gold/dev.jsonl") for d in read_documents(p) if d.links]
for seed in (13, 41, 53, 67):
    r = L.crossval_links(docs, 0.3, [(0.2, 0.0, 0.5, False, 0.3)], 5, seed, ())
    v = next(iter(r.values()))
    print(sys.argv[1], seed, "P %.3f R %.3f F1 %.4f" % (v["precision"], v["recall"], v["f1"]), flush=True)
