"""The transformer tagger as a Hugging Face pipeline that reads raw text.

A saved transformer tagger is a Hugging Face model folder (``config.json``, ``model.safetensors``,
the PhoBERT tokenizer) plus its run record, so ``transformers.pipeline("token-classification")``
loads it; but that pipeline expects text already cut into underthesea words, gives no character
offsets (the PhoBERT tokenizer is slow-only and has no offset mapping), and so fails with the
``first``/``average``/``max`` aggregation strategies. This pipeline does what ``plannlp tag`` does:
segment the raw text with underthesea, tag word windows, decode with the BIO constraints, and
return one entry per span with character offsets into the text given (plus each agency's role).

    from plannlp.tag.neural.hf import pipeline
    tagger = pipeline("models/transformer-cpu-small")
    tagger("Phấn đấu đến năm 2030 trên 95% dân số tham gia bảo hiểm y tế.")
    # [{"entity_group": "YEAR", "score": 0.93, "word": "năm 2030", "start": 13, "end": 21}, ...]

or, once :func:`register` has run (importing this module runs it),
``transformers.pipeline(TASK, model=folder)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from transformers import AutoModelForTokenClassification, Pipeline
from transformers.pipelines import PIPELINE_REGISTRY

from plannlp.bio import tag_names
from plannlp.data import Document
from plannlp.runrecord import RUN_RECORD, RunRecord
from plannlp.segment import segment
from plannlp.tag.neural.tagger import POOLINGS, TransformerTagger

TASK = "plannlp-token-classification"
# Hugging Face's aggregation names: "simple" and None group subwords by the first one, as training does
AGGREGATIONS = {None: "first", "none": "first", "simple": "first", **{p: p for p in POOLINGS}}


def _labels_of(model_config: Any) -> tuple[str, ...]:
    """The span labels a token classifier's ``id2label`` encodes (``B-X``/``I-X``/... -> ``X``)."""
    tags = [model_config.id2label[i] for i in range(len(model_config.id2label))]
    labels: list[str] = []
    for tag in tags:
        if tag != "O" and tag[2:] not in labels:
            labels.append(tag[2:])
    return tuple(labels)


class PlanTaggingPipeline(Pipeline):
    """Raw text in, spans with character offsets out (see the module docstring)."""

    _load_tokenizer = True
    _load_processor = False
    _load_image_processor = False
    _load_feature_extractor = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        folder = Path(str(getattr(self.model, "name_or_path", "") or ""))
        record = RunRecord.read(folder) if (folder / RUN_RECORD).is_file() else None
        options: dict[str, Any] = {}
        if record is not None:
            options = {k: record.settings[k] for k in ("scheme", "max_length", "stride", "batch_size") if k in record.settings}
        labels = (record.labels if record is not None and record.labels else None) or _labels_of(self.model.config)
        scheme = options.get("scheme", "BIO")
        if tuple(self.model.config.id2label[i] for i in range(len(self.model.config.id2label))) != tuple(
            tag_names(labels, scheme)
        ):
            scheme = "BIOES"  # a model saved without its run record: the only other scheme plannlp trains
        options["scheme"] = scheme
        self.tagger = TransformerTagger(self.model, self.tokenizer, device=str(self.device), labels=labels, **options)

    def _sanitize_parameters(self, aggregation_strategy: str | None = None, **kwargs: Any):
        forward: dict[str, Any] = {}
        if aggregation_strategy is not None or "aggregation_strategy" in kwargs:
            key = aggregation_strategy.lower() if isinstance(aggregation_strategy, str) else aggregation_strategy
            if key not in AGGREGATIONS:
                raise ValueError(
                    f"aggregation_strategy {aggregation_strategy!r}: expected one of "
                    f"{', '.join(str(k) for k in AGGREGATIONS if k is not None)}"
                )
            forward["pooling"] = AGGREGATIONS[key]
        return {}, forward, {}

    def preprocess(self, text: str) -> dict[str, Any]:
        if not isinstance(text, str):
            raise TypeError(f"{TASK} takes text, got {type(text).__name__}")
        return {"text": text, "sentences": segment(text)}

    def _forward(self, inputs: dict[str, Any], pooling: str = "first") -> dict[str, Any]:
        self.tagger.pooling = pooling
        (doc,) = self.tagger.predict([Document("text", inputs["text"])], [inputs["sentences"]])
        return {"document": doc}

    def postprocess(self, outputs: dict[str, Any]) -> list[dict[str, Any]]:
        doc: Document = outputs["document"]
        entities = []
        for span in doc.spans:
            entity: dict[str, Any] = {
                "entity_group": span.label,
                "score": span.score,
                "word": doc.span_text(span),
                "start": span.start,
                "end": span.end,
            }
            if span.role is not None:
                entity["role"] = span.role
            entities.append(entity)
        return entities


def register() -> None:
    """Make ``transformers.pipeline(TASK, model=folder)`` build :class:`PlanTaggingPipeline`."""
    if TASK not in PIPELINE_REGISTRY.get_supported_tasks():
        PIPELINE_REGISTRY.register_pipeline(
            TASK, pipeline_class=PlanTaggingPipeline, pt_model=AutoModelForTokenClassification, type="text"
        )


def pipeline(model: str | Path, device: Any = None, **kwargs: Any) -> PlanTaggingPipeline:
    """The raw-text pipeline for a saved transformer tagger folder."""
    from transformers import pipeline as hf_pipeline

    register()
    return hf_pipeline(TASK, model=str(model), device=device, **kwargs)


register()
