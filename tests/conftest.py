"""Shared fixtures: a PhoBERT-format tokenizer built from a small Vietnamese corpus, and tiny
RoBERTa encoders on it, so model code runs on CPU in seconds without downloading anything."""

from __future__ import annotations

from pathlib import Path

import pytest

MODEL_DATA = Path(__file__).parent / "data" / "model"
TINY_ARCHITECTURE = {
    "hidden_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "intermediate_size": 64,
}


def corpus_sentences() -> list[list[str]]:
    """~400 word-segmented sentences (PhoBERT form) from the seed pages and a provincial plan."""
    lines = (MODEL_DATA / "corpus_words.txt").read_text(encoding="utf-8").splitlines()
    return [line.split() for line in lines if line.strip()]


@pytest.fixture(scope="session")
def corpus_words() -> list[list[str]]:
    return corpus_sentences()


@pytest.fixture(scope="session")
def phobert_tokenizer_dir(tmp_path_factory, corpus_words) -> Path:
    """A tokenizer directory written by build_phobert_vocab (bpe.codes, vocab.txt, config)."""
    from plannlp.tag.neural.vocab import build_phobert_vocab

    return build_phobert_vocab(corpus_words, tmp_path_factory.mktemp("tokenizer"), vocab_size=1500)


@pytest.fixture(scope="session")
def phobert_tokenizer(phobert_tokenizer_dir):
    from transformers import PhobertTokenizer

    return PhobertTokenizer.from_pretrained(str(phobert_tokenizer_dir))


@pytest.fixture
def tiny_tagger_factory(phobert_tokenizer_dir):
    """Build a tiny, randomly initialised TransformerTagger: ``factory(**options)``."""
    from plannlp.tag.neural.tagger import TransformerTagger

    def make(architecture: dict | None = None, seed: int = 0, **options):
        import torch

        torch.manual_seed(seed)
        return TransformerTagger.from_scratch(
            phobert_tokenizer_dir, {**TINY_ARCHITECTURE, **(architecture or {})}, device="cpu", **options
        )

    return make
