"""Word vectors and clusters: k-means ids, their features, the pretraining slice and its exclusions."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest

from plannlp.tag.baselines.vectors import WordClusters, kmeans_clusters, load_clusters, pretraining_texts, word_key


def test_word_key_matches_vector_vocabulary_form() -> None:
    assert word_key("Bảo hiểm") == "bảo_hiểm"
    assert word_key("Uỷ ban") == word_key("Ủy ban")


def test_kmeans_separates_two_groups_and_round_trips(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    a = rng.normal([5, 0, 0], 0.1, (20, 3))
    b = rng.normal([0, 5, 0], 0.1, (20, 3))
    words = [f"a{i}" for i in range(20)] + [f"b{i}" for i in range(20)]
    clusters = kmeans_clusters(words, np.vstack([a, b]).astype(np.float32), [2, 4], seed=0)
    assert clusters.sizes == (2, 4)
    assert len({clusters.ids[w][0] for w in words[:20]}) == 1
    assert clusters.ids["a0"][0] != clusters.ids["b0"][0]
    path = tmp_path / "clusters.json"
    clusters.save(path)
    loaded = load_clusters(str(path))
    assert loaded == clusters
    assert loaded.features("A0") == {"cl2": str(clusters.ids["a0"][0]), "cl4": str(clusters.ids["a0"][1])}
    assert WordClusters((2,), {}).features("x") == {}


def test_pretraining_slice_honours_budgets_and_skips_corpus_texts(tmp_path: Path) -> None:
    shard = tmp_path / "shard-000.jsonl.gz"
    gold_line = "Phấn đấu đến năm 2030 trên 95% dân số tham gia bảo hiểm y tế toàn tỉnh."
    records = [
        {"source": "gov", "text": "Kế hoạch một. " * 10},
        {"source": "gov", "text": "Đầu.\n" + gold_line},  # shares a line with a gold text
        {"source": "gov", "text": "Kế hoạch ba, lấy vào corpus."},  # ingested by the corpus (line 2)
        {"source": "news", "text": "Tin tức. " * 10},
        {"source": "gov", "text": "Kế hoạch bốn. " * 10},
        {"source": "gov", "text": "Kế hoạch năm, vượt ngân sách."},
    ]
    with gzip.open(shard, "wt", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"id": "g", "text": gold_line, "spans": []}, ensure_ascii=False) + "\n", encoding="utf-8")
    manifest = tmp_path / "manifest.tsv"
    manifest.write_text("id\nstage\ngov-pt000-2\tclean\n", encoding="utf-8")
    stats: dict = {}
    texts = list(pretraining_texts(str(tmp_path / "shard-*.jsonl.gz"), {"gov": 200}, [gold], stats, manifest))
    assert texts == [records[0]["text"], records[4]["text"]]  # news not asked for; budget spent after two
    assert stats["skipped_corpus"] == 2 and stats["records"] == 2
    with pytest.raises(FileNotFoundError):
        list(pretraining_texts(str(tmp_path / "none-*.gz"), {"gov": 1}, [], {}))


def test_training_writes_a_run_record_like_every_model_folder(tmp_path: Path) -> None:
    # the folder used to get a run.json of its own; now plannlp.json, readable by RunRecord
    pytest.importorskip("gensim")
    from plannlp.runrecord import RunRecord
    from plannlp.tag.baselines.vectors import load_vectors, train_vectors

    shard = tmp_path / "shard-000.jsonl.gz"
    text = "Sở Y tế chủ trì kế hoạch. Bảo hiểm xã hội tỉnh phối hợp thực hiện kế hoạch.\n" * 30
    with gzip.open(shard, "wt", encoding="utf-8") as fh:
        fh.write(json.dumps({"source": "gov", "text": text}, ensure_ascii=False) + "\n")
    config = {"shards": str(tmp_path / "shard-*.jsonl.gz"), "budget_chars": {"gov": 10_000}, "output_dir": "out",
              "cache": "cache/sentences.txt", "word2vec": {"vector_size": 8, "min_count": 1, "epochs": 1},
              "keep_words": 50, "cluster_sizes": [2], "seed": 0}
    train_vectors(config, tmp_path)
    out = tmp_path / "out"
    record = RunRecord.read(out)
    assert record.system == "vectors" and record.files["clusters"] == "clusters.json"
    assert record.metrics["kept_words"] == len(load_vectors(out)[0]) and not (out / "run.json").exists()


def test_the_vectors_run_record_round_trips_and_the_committed_folder_has_one(tmp_path: Path) -> None:
    from plannlp.runrecord import RunRecord
    from plannlp.tag.baselines.vectors import vectors_record

    counts = {"sentences": 3, "tokens": 12, "kept_words": 5, "config": {"word2vec": {"vector_size": 8}, "keep_words": 5, "seed": 1}}
    vectors_record(counts, "abc123").write(tmp_path)
    record = RunRecord.read(tmp_path)
    assert (record.system, record.code_revision, record.settings["seed"], record.metrics["tokens"]) == ("vectors", "abc123", 1, 12)
    assert record.config["word2vec"] == {"vector_size": 8}
    committed = RunRecord.read(Path(__file__).resolve().parents[1] / "models" / "vectors-w2v")
    assert committed.system == "vectors" and committed.metrics["kept_words"] == 20000
