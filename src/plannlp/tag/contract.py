"""The contract every tagging system meets: a :class:`Tagger` and a :class:`System` entry.

A tagger predicts spans; :meth:`Tagger.predict` does everything around that once, for every
system: it segments each document (unless given the segmentation, or the system reads raw text),
asks the system for spans only, and builds the output documents itself — same id, text and
metadata as the input, the predicted spans, and none of the input's spans, labelled regions or
links (those describe gold annotation, not the prediction).

A :class:`System` is the registry's value for one system: its name and the two callables that
load a saved folder and train from a config (see :mod:`plannlp.tag.systems`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from plannlp.data import Document, Span
from plannlp.labels import AGENCY
from plannlp.runrecord import RunRecord, code_revision
from plannlp.segment import Sentence, segment
from plannlp.tag.links import add_responsibility


class Tagger(ABC):
    """Base of every system's tagger; subclasses give :meth:`predict_spans` and their saved state."""

    system: ClassVar[str]
    # False for systems that read the text itself (the rule tagger): predict then skips segmenting.
    uses_sentences: ClassVar[bool] = True

    labels: tuple[str, ...]

    @property
    def tags(self) -> tuple[str, ...]:
        """Output classes in model order; empty for systems without tags."""
        return ()

    def predict(
        self, docs: Sequence[Document], sentences: Sequence[Sequence[Sentence]] | None = None
    ) -> list[Document]:
        """New documents with the predicted spans (scored where the system scores them).

        ``sentences`` optionally gives each document's segmentation, so callers can segment in
        other processes while the model works. The input documents' spans, regions and links are
        ignored and do not reach the output.
        """
        docs = list(docs)
        if sentences is None:
            sentences = [segment(doc.text) if self.uses_sentences else () for doc in docs]
        if len(sentences) != len(docs):
            raise ValueError(f"{len(sentences)} segmentations for {len(docs)} documents")
        found = self.predict_spans(docs, [tuple(s) for s in sentences])
        if len(found) != len(docs):
            raise ValueError(f"{type(self).__name__} gave spans for {len(found)} of {len(docs)} documents")
        out = [Document(doc.id, doc.text, tuple(spans), meta=doc.meta) for doc, spans in zip(docs, found)]
        if AGENCY in self.labels:
            # every system's AGENCY spans get roles, and targets their responsible bodies, here
            out = [add_responsibility(doc) for doc in out]
        return out

    @abstractmethod
    def predict_spans(
        self, docs: Sequence[Document], sentences: Sequence[tuple[Sentence, ...]]
    ) -> list[list[Span]]:
        """Each document's spans (offsets into its text); ``sentences`` is its segmentation
        (empty tuples when :attr:`uses_sentences` is false)."""

    @abstractmethod
    def settings_json(self) -> dict[str, Any]:
        """The settings the system's loader needs to rebuild this tagger (JSON values only)."""

    @abstractmethod
    def save_files(self, directory: Path) -> dict[str, str]:
        """Write the tagger's data files into ``directory``; return role -> file name."""

    def save(
        self,
        directory: str | Path,
        *,
        config: Mapping[str, Any] | None = None,
        metrics: Mapping[str, Any] | None = None,
        data: Mapping[str, Mapping[str, str]] | None = None,
    ) -> RunRecord:
        """Write the data files and the run record (with what the training run adds)."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        record = RunRecord(
            system=self.system,
            settings=self.settings_json(),
            labels=tuple(self.labels),
            tags=tuple(self.tags),
            files=self.save_files(directory),
            code_revision=code_revision(),
            data=data or {},
            config=config or {},
            metrics=metrics or {},
        )
        record.write(directory)
        return record


# (saved folder, its run record) -> the tagger
Loader = Callable[[Path, RunRecord], Tagger]
# (config mapping, config file path) -> the model folder written
Trainer = Callable[[dict[str, Any], Path], Path]


@dataclass(frozen=True)
class System:
    """One tagging system as the registry holds it."""

    name: str
    load: Loader
    train: Trainer
    summary: str = ""
