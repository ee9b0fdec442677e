"""plannlp.annotate.load_gold: the gold splits as a datasets.DatasetDict, documents and tokens."""

import datasets
import pytest

from plannlp.annotate import load_gold
from plannlp.data import DataError, Document, Link, Span
from plannlp.io import write_documents

PLAN = "Phấn đấu đến năm 2030 trên 95% dân số tham gia bảo hiểm y tế.\nSở Y tế chủ trì thực hiện."


def _at(text: str, label: str, role: str | None = None) -> Span:
    start = PLAN.index(text)
    return Span(start, start + len(text), label, role=role)


@pytest.fixture(scope="module")
def gold_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gold")
    indicator, lead = _at("dân số tham gia bảo hiểm y tế", "INDICATOR"), _at("Sở Y tế", "AGENCY", "lead")
    full = Document(
        "a", PLAN, (_at("năm 2030", "YEAR"), _at("trên", "COMPARATOR"), _at("95%", "VALUE"), indicator, lead),
        meta={"source": "fixture", "title": "Kế hoạch"}, links=(Link(indicator.key, lead.key),),
    )  # fmt: skip
    second = PLAN.index("Sở")
    partial = Document("b", PLAN, (_at("Sở Y tế", "AGENCY"),), regions=((second, len(PLAN)),))
    misaligned = Document("c", PLAN, (Span(1, 4, "YEAR"),))  # "hấn": not on word boundaries
    write_documents(folder / "train.jsonl", [full, partial])
    write_documents(folder / "dev.jsonl", [misaligned])
    write_documents(folder / "test.jsonl", [full])
    return folder


def test_span_view_keeps_spans_roles_links_regions_and_meta(gold_dir):
    gold = load_gold(gold_dir)
    assert isinstance(gold, datasets.DatasetDict) and list(gold) == ["train", "dev", "test"]
    assert gold.num_rows == {"train": 2, "dev": 1, "test": 1}
    row = gold["train"][0]
    assert row["id"] == "a" and row["text"] == PLAN
    texts = {(PLAN[s["start"] : s["end"]], s["label"], s["role"]) for s in row["spans"]}
    assert ("Sở Y tế", "AGENCY", "lead") in texts and ("95%", "VALUE", None) in texts
    (link,) = row["links"]
    assert PLAN[link["agency_start"] : link["agency_end"]] == "Sở Y tế"
    assert row["regions"] == [] and row["meta_title"] == "Kế hoạch"
    assert gold["train"][1]["regions"] == [[PLAN.index("Sở"), len(PLAN)]]


def test_token_view_gives_words_and_bio_tags(gold_dir):
    tokens = load_gold(gold_dir, view="tokens", n_jobs=1)
    names = tokens["train"].features["ner_tags"].feature.names
    assert names[0] == "O" and "B-INDICATOR" in names and len(names) == 11
    rows = tokens["train"]
    # doc a: both sentences; doc b: only the sentence inside its labelled region
    assert [r["id"] for r in rows] == ["a#0", "a#1", "b#1"]
    first = rows[0]
    assert [PLAN[s:e] for s, e in zip(first["starts"], first["ends"])] == first["tokens"]
    tags = [names[t] for t in first["ner_tags"]]
    years = [w for w, t in zip(first["tokens"], tags) if t.endswith("YEAR")]
    assert " ".join(years) == "năm 2030"
    i = first["tokens"].index("95")
    assert tags[i : i + 2] == ["B-VALUE", "I-VALUE"] and first["tokens"][i + 1] == "%"
    assert first["forms"][first["tokens"].index("bảo hiểm y tế")] == "bảo_hiểm_y_tế"
    assert tokens["dev"].num_rows == 1  # the misaligned sentence is left out, the other kept


def test_missing_split_and_unknown_view_are_errors(gold_dir, tmp_path):
    with pytest.raises(DataError, match="dev.jsonl"):
        write_documents(tmp_path / "train.jsonl", [])
        load_gold(tmp_path)
    with pytest.raises(ValueError, match="view"):
        load_gold(gold_dir, view="words")
