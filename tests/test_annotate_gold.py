import json
import shutil
from pathlib import Path

import pytest

from plannlp.annotate import gold
from plannlp.data import DataError
from plannlp.io import read_documents

MINI = Path(__file__).parent / "data" / "corpus" / "mini"


@pytest.fixture
def corpus(tmp_path):
    root = tmp_path / "corpus"
    shutil.copytree(MINI, root)
    return root


def test_build_gold_compiles_only_gold_files_with_meta(corpus):
    result = gold.build_gold(corpus)
    assert sum(result.counts.values()) == 2  # gov-abc is a draft
    assert not result.skipped
    docs = {d.id: d for split in gold.SPLITS for d in read_documents(corpus / "gold" / f"{split}.jsonl")}
    assert set(docs) == {"seed-000_test", "news-baomoi-1"}
    doc = docs["seed-000_test"]
    assert doc.meta["labelled_by"].startswith("annotator-A")
    assert doc.meta["licence"] == "CC0" and doc.meta["source"] == "src:seed"
    assert doc.meta["title"] == "title of seed-000_test" and doc.meta["stage"] == "gold"
    assert doc.meta["checksum"] == doc.checksum
    assert doc.meta["annotation"].endswith("seed-000_test.tsv")
    assert [doc.span_text(s) for s in doc.spans if s.label == "AGENCY"] == ["Sở Y tế", "Sở Tài chính"]


def test_splits_are_fixed_once_and_never_reshuffled(corpus):
    gold.build_gold(corpus)
    first = (corpus / "gold" / "splits.tsv").read_text(encoding="utf-8")
    # make the draft gold: its row is appended, the earlier rows stay as they were
    path = corpus / "annotations" / "gov-abc.tsv"
    path.write_text(path.read_text(encoding="utf-8").replace("status: draft", "status: gold"), encoding="utf-8")
    result = gold.build_gold(corpus)
    second = (corpus / "gold" / "splits.tsv").read_text(encoding="utf-8")
    assert second.startswith(first)
    assert [r["id"] for r in result.new_rows] == ["gov-abc"]
    assert sum(result.counts.values()) == 3
    # a hand-edited split is respected
    edited = second.replace("gov-abc\ttrain", "gov-abc\ttest").replace("gov-abc\tdev", "gov-abc\ttest")
    (corpus / "gold" / "splits.tsv").write_text(edited, encoding="utf-8")
    gold.build_gold(corpus)
    assert "gov-abc" in {d.id for d in read_documents(corpus / "gold" / "test.jsonl")}


def test_assign_splits_is_stratified_deterministic_and_near_target():
    ids = [f"news-{i}" for i in range(40)] + [f"gov-{i}" for i in range(20)]
    rows = gold.assign_splits(ids, [])
    assert rows == gold.assign_splits(reversed(ids), [])
    for source, n in (("news", 40), ("gov", 20)):
        counts = {s: sum(1 for r in rows if r["source"] == source and r["split"] == s) for s in gold.SPLITS}
        for split, share in gold.SPLIT_TARGETS.items():
            assert abs(counts[split] - share * n) <= 1, (source, counts)
    # existing rows count toward the targets and are not repeated
    more = gold.assign_splits(ids + ["news-new"], rows)
    assert [r["id"] for r in more] == ["news-new"]


def test_checksum_mismatch_with_manifest_leaves_document_out(corpus):
    clean = corpus / "clean" / "news-baomoi-1.txt"
    clean.write_text(clean.read_text(encoding="utf-8").replace("Năm 2023", "Năm 2024"), encoding="utf-8")
    result = gold.build_gold(corpus)
    assert "news-baomoi-1" in result.skipped
    assert "checksum" in result.skipped["news-baomoi-1"][0]


def test_spec_problem_leaves_document_out(corpus):
    path = corpus / "annotations" / "seed-000_test.tsv"
    path.write_text(path.read_text(encoding="utf-8").replace("AGENCY:partner\tSở Tài chính", "AGENCY:partner\tSở Tài chín"), encoding="utf-8")
    result = gold.build_gold(corpus)
    assert "ends inside a word" in " ".join(result.skipped["seed-000_test"])


def test_bad_split_name_is_an_error(corpus):
    (corpus / "gold").mkdir()
    (corpus / "gold" / "splits.tsv").write_text("id\tsplit\tsource\nseed-000_test\tvalid\tseed\n", encoding="utf-8")
    with pytest.raises(DataError, match="splits.tsv:2"):
        gold.build_gold(corpus)


def test_stats_counts_labels_lengths_and_targets(corpus):
    gold.build_gold(corpus)
    docs = [gold.load_annotation(corpus / "annotations" / "seed-000_test.tsv", corpus)]
    stats = gold.corpus_stats({"x": docs})
    assert stats["total"]["spans"]["INDICATOR"] == 3
    assert stats["total"]["span_words"]["INDICATOR"]["max"] == len("xã đạt tiêu chí quốc gia về y tế".split())
    assert stats["total"]["targets_per_document"]["mean"] == 3
    assert "INDICATOR" in gold.format_stats(stats)


def test_agreement_uses_main_file_as_reference(corpus):
    result = gold.agreement(corpus)
    assert [d["id"] for d in result["documents"]] == ["news-baomoi-1"]
    strict = result["schemes"]["strict"]["per_label"]
    # annotator D shortened one INDICATOR and missed "UBND tỉnh"
    assert strict["INDICATOR"]["tp"] == 1 and strict["INDICATOR"]["fp"] == 1 and strict["INDICATOR"]["fn"] == 1
    assert strict["AGENCY"]["fn"] == 1 and strict["AGENCY"]["fp"] == 0
    assert strict["VALUE"]["f1"] == 1.0
    partial = result["schemes"]["partial"]["per_label"]["INDICATOR"]
    assert partial["tp"] == 1.5
    json.dumps(result)


def test_preannotate_writes_draft_quote_files(corpus, monkeypatch):
    from plannlp.annotate.quotes import read_quote_file
    from plannlp.data import Span

    class FakeRules:  # the real rule tagger is tested in its own module
        def predict(self, docs):
            return [d.with_spans([Span(d.text.index("năm 2030"), d.text.index("năm 2030") + 8, "YEAR")]) for d in docs]

    monkeypatch.setattr(gold, "preannotation_rules", FakeRules)
    out = corpus / "annotations" / "drafts"
    [path] = gold.preannotate(["gov-abc"], corpus / "clean", out)
    text = (corpus / "clean" / "gov-abc.txt").read_text(encoding="utf-8")
    spans, header = read_quote_file(path, text)
    assert header["status"] == "draft" and header["pre_annotated_by"] == "rules"
    assert [text[s.start:s.end] for s in spans] == ["năm 2030"]
    with pytest.raises(DataError, match="exists"):
        gold.preannotate(["gov-abc"], corpus / "clean", out)


def test_nfd_quote_file_matches_nfc_text(corpus):
    import unicodedata

    path = corpus / "annotations" / "seed-000_test.tsv"
    path.write_text(unicodedata.normalize("NFD", path.read_text(encoding="utf-8")), encoding="utf-8")
    doc = gold.load_annotation(path, corpus)
    assert unicodedata.is_normalized("NFC", doc.text)
    assert doc.span_text(doc.spans[-1]) == "Sở Tài chính"
    assert doc.meta["labelled_by"].startswith("annotator-A")
