"""Masked-LM pretraining: whole-word masking, dev/test exclusion, a tiny run, resume, export."""

from __future__ import annotations

import json
import shutil
import unicodedata
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from plannlp.data import Document  # noqa: E402
from plannlp.io import write_documents  # noqa: E402
from plannlp.pretrain import (  # noqa: E402
    read_encoder_summary,
    Blocks,
    SegmentedDoc,
    SpecialIds,
    collate,
    exclude_gold,
    gold_exclusion,
    load_pretrain_config,
    pretrain,
    whole_word_mask,
)

FIXTURES = Path(__file__).parent / "data" / "pretrain"
SPECIAL = SpecialIds(bos=0, eos=2, pad=1, mask=99, vocab_size=100, random_low=4)


def _blocks(n_blocks: int, seed: int = 0) -> Blocks:
    """Random blocks of words of 1-4 pieces each, piece ids in [4, 99)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    ids, words, offsets = [], [], [0]
    for _ in range(n_blocks):
        n_words = int(rng.integers(20, 40))
        for w in range(n_words):
            k = int(rng.integers(1, 5))
            ids.extend(rng.integers(4, 99, size=k).tolist())
            words.extend([w] * k)
        offsets.append(len(ids))
    return Blocks(np.asarray(ids, np.int32), np.asarray(words, np.int32), np.asarray(offsets, np.int64))


def test_whole_word_mask_masks_every_piece_of_a_word_and_keeps_proportions() -> None:
    blocks = _blocks(64)
    input_ids, attention, word_ids = collate(blocks, list(range(64)), SPECIAL)
    masked, labels = whole_word_mask(input_ids, word_ids, SPECIAL, 0.15, torch.Generator().manual_seed(7))

    chosen = masked_words = changed_words = kept_words = total_words = 0
    for w in word_ids.unique().tolist():
        if w < 0:
            continue
        at = word_ids == w
        total_words += 1
        predicted = labels[at] != -100
        assert predicted.all() or not predicted.any(), "a word is predicted in part"
        if not predicted.any():
            assert torch.equal(masked[at], input_ids[at])
            continue
        chosen += 1
        assert torch.equal(labels[at], input_ids[at])
        is_mask = masked[at] == SPECIAL.mask
        assert is_mask.all() or not is_mask.any(), "a word is <mask>ed in part"
        if is_mask.all():
            masked_words += 1
        elif torch.equal(masked[at], input_ids[at]):
            kept_words += 1  # (a random draw equal to every original piece is rare: counted as kept)
        else:
            changed_words += 1
            assert ((masked[at] >= SPECIAL.random_low) & (masked[at] != SPECIAL.mask)).all()
    # specials and padding are never predicted or changed
    assert (labels[word_ids < 0] == -100).all()
    assert torch.equal(masked[word_ids < 0], input_ids[word_ids < 0])
    assert 0.12 < chosen / total_words < 0.18
    assert 0.74 < masked_words / chosen < 0.86
    assert 0.05 < changed_words / chosen < 0.15
    assert 0.05 < kept_words / chosen < 0.16
    # dynamic masking: another step's generator draws other words
    again, _ = whole_word_mask(input_ids, word_ids, SPECIAL, 0.15, torch.Generator().manual_seed(8))
    assert not torch.equal(again, masked)


def test_every_row_gets_a_prediction_even_at_tiny_probability() -> None:
    input_ids, _, word_ids = collate(_blocks(8), list(range(8)), SPECIAL)
    _, labels = whole_word_mask(input_ids, word_ids, SPECIAL, 0.0, torch.Generator().manual_seed(0))
    assert ((labels != -100).sum(dim=1) > 0).all()


PLANTED = "Đến năm 2030, tỷ lệ người dân được quản lý sức khỏe hòa nhập đạt 95%."


def _gold_dir(tmp_path: Path, planted_text: str) -> Path:
    gold = tmp_path / "gold"
    gold.mkdir()
    text = f"Điều 1. Mở đầu.\n{planted_text}\nKết thúc văn bản dev."
    write_documents(gold / "dev.jsonl", [Document("gov-dev0000000000001", text)])
    (gold / "splits.tsv").write_text(
        "id\tsplit\tsource\ngov-aaaa000000000001\ttest\tgov\ngov-aaaa000000000002\ttrain\tgov\n", encoding="utf-8"
    )
    return gold


@pytest.mark.parametrize("form", ["NFC", "NFD"])
def test_exclusion_drops_a_planted_dev_sentence_in_any_unicode_form(tmp_path: Path, form: str) -> None:
    gold = _gold_dir(tmp_path, unicodedata.normalize(form, PLANTED))
    exclusion = gold_exclusion(gold, str(FIXTURES / "plans" / "*.txt"), ngram=10)
    assert "gov-aaaa000000000001" in exclusion.doc_ids and exclusion.documents == 2
    kept_sentence = "Sở Y_tế chủ_trì triển_khai kế_hoạch ."
    docs = [
        # segmented, tone mark moved (hoà), upper case: still the planted sentence
        SegmentedDoc(
            "shard-000:1",
            "shard",
            ("Điều 1 .", kept_sentence, "ĐẾN năm 2030 , tỷ_lệ người_dân được quản_lý sức_khỏe hoà_nhập đạt 95 % ."),
        ),
        # the planted sentence inside a longer one (another sentence split): caught by the n-gram
        SegmentedDoc(
            "shard-000:2",
            "shard",
            ("Theo kế_hoạch , đến năm 2030 , tỷ_lệ người_dân được quản_lý sức_khỏe hòa_nhập đạt 95 % và hơn thế",),
        ),
        SegmentedDoc("gov-aaaa000000000001", "plan", ("Kế_hoạch .",)),  # a test document, by id
        SegmentedDoc("gov-aaaa000000000002", "plan", ("Kế_hoạch phòng_chống bệnh .",)),
    ]
    kept, counts = exclude_gold(docs, exclusion)
    assert counts == {"documents": 1, "sentences_exact": 1, "sentences_ngram": 1}
    assert [d.id for d in kept] == ["shard-000:1", "gov-aaaa000000000002"]
    # a sentence too short to identify a document ("Điều 1.") stays, even though dev has it
    assert kept[0].sentences == ("Điều 1 .", kept_sentence)


def _config(tmp_path: Path, name: str, **train: object) -> Path:
    gold = tmp_path / "gold"
    if not gold.exists():
        _gold_dir(tmp_path, PLANTED)
    config = {
        "name": name,
        "output_dir": str(tmp_path / f"encoder-{name}"),
        "work_dir": str(tmp_path / "work" / name),
        "log_path": str(tmp_path / f"{name}.jsonl"),
        "vocab_size": 400,
        "vocab_min_frequency": 1,
        "model": {"num_hidden_layers": 2, "hidden_size": 32, "num_attention_heads": 2, "intermediate_size": 64},
        "data": {
            "shards": str(FIXTURES / "shards" / "*.jsonl"),
            "plans": str(FIXTURES / "plans" / "*.txt"),
            "gold_dir": str(gold),
            "n_jobs": 1,
            "heldout_per_mille": 250,
        },
        "train": {"max_seq_len": 32, "batch_size": 8, "learning_rate": 5e-3, "warmup_steps": 5, "max_steps": 80,
                  "eval_every": 20, "max_minutes": 2, "threads": 1, **train},
    }
    path = tmp_path / f"{name}.yaml"
    import yaml

    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def _weights(directory: Path) -> dict[str, object]:
    from safetensors.torch import load_file

    return load_file(str(directory / "model.safetensors"))


def test_tiny_pretraining_lowers_perplexity_resumes_exactly_and_exports_a_fine_tunable_encoder(tmp_path: Path) -> None:
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    # one go, 80 steps
    straight = pretrain(_config(tmp_path, "straight"))
    summary = read_encoder_summary(straight)
    history = summary["history"]
    assert history[0]["step"] == 0 and history[-1]["step"] == 80
    # 470 training tokens: the model fits them fast, and unseen held-out text gains a little
    assert history[-1]["train_loss"] < history[1]["train_loss"] - 0.5
    assert history[-1]["ppl_shard"] < history[0]["ppl_shard"]
    # an untrained model is worse than token frequencies; the reference is logged for comparison
    assert history[0]["ppl_shard"] > history[0]["unigram_ppl_shard"] > 1
    assert summary["exclusion"]["documents"] == 1  # the fixture plan listed as test
    assert "gov-aaaa000000000001" not in summary["train_plan_ids"]
    assert summary["exclusion"]["dev_test_ids_trained_on"] == []
    assert summary["data"]["plan_documents"] >= 1

    # the same 80 steps as 2 runs of 40: the second resumes at step 40 and ends identical
    cfg = _config(tmp_path, "chained", run_steps=40)
    # same vocabulary (the BPE trainer may break frequency ties differently from build to build)
    shutil.copytree(tmp_path / "work" / "straight" / "vocab", tmp_path / "work" / "chained" / "vocab")
    first = pretrain(cfg)
    segmented = tmp_path / "work" / "chained" / "segmented-shards.jsonl.gz"
    segmented_at = segmented.stat().st_mtime_ns
    assert read_encoder_summary(first)["history"][-1]["step"] == 40
    second = pretrain(cfg)
    assert segmented.stat().st_mtime_ns == segmented_at, "the rerun segmented again instead of using the cache"
    chained = read_encoder_summary(second)
    assert chained["runs"] == 2 and chained["history"][-1]["step"] == 80
    stops = [r for r in map(json.loads, open(tmp_path / "chained.jsonl")) if r["event"] == "stop"]
    assert [s["step"] for s in stops] == [40, 80]
    a, b = _weights(straight), _weights(second)
    assert a.keys() == b.keys()
    assert all(torch.allclose(a[k], b[k], atol=1e-5) for k in a)

    # the export is a Hugging Face encoder with its tokenizer and card
    model = AutoModelForTokenClassification.from_pretrained(str(straight), num_labels=11)
    tokenizer = AutoTokenizer.from_pretrained(str(straight))
    assert model.config.max_position_embeddings == 258 and model.config.pad_token_id == 1
    enc = tokenizer("Sở Y_tế chủ_trì", return_tensors="pt")
    assert model(**enc).logits.shape[-1] == 11
    card = (straight / "README.md").read_text(encoding="utf-8")
    assert "held-out perplexity" in card and "| steps | 80 of batch 8" in card

    # domain adaptation: same code path from a checkpoint, its tokenizer reused (no new vocabulary)
    cfg_adapt = _config(tmp_path, "adapted", max_steps=4, eval_every=2)
    import yaml

    raw = yaml.safe_load(cfg_adapt.read_text(encoding="utf-8"))
    raw["init_from"] = str(straight)
    cfg_adapt.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    adapted = pretrain(cfg_adapt)
    assert not (tmp_path / "work" / "adapted" / "vocab").exists()
    assert (adapted / "vocab.txt").read_text(encoding="utf-8") == (straight / "vocab.txt").read_text(encoding="utf-8")
    assert read_encoder_summary(adapted)["init_from"] == str(straight)


def test_learning_rate_decays_by_steps_or_by_training_time_whichever_is_further() -> None:
    from plannlp.pretrain import TrainConfig, _lr_factor

    by_steps = TrainConfig(warmup_steps=10, max_steps=110)
    assert _lr_factor(5, 0.0, by_steps) == pytest.approx(0.5)
    assert _lr_factor(60, 1e9, by_steps) == pytest.approx(0.5)  # time is ignored
    by_time = TrainConfig(warmup_steps=10, max_steps=110, schedule_minutes=1.0)
    assert _lr_factor(20, 45.0, by_time) == pytest.approx(0.25)  # 3/4 of the time spent
    assert _lr_factor(100, 6.0, by_time) == pytest.approx(0.1)  # steps ahead of time
    assert _lr_factor(50, 61.0, by_time) == 0.0


def test_config_rejects_unknown_keys(tmp_path: Path) -> None:
    from plannlp.data import DataError

    path = tmp_path / "bad.yaml"
    path.write_text("name: x\ntrain:\n  max_step: 3\n", encoding="utf-8")
    with pytest.raises(DataError, match="max_step"):
        load_pretrain_config(path)
