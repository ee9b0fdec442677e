"""A rule tagger for the five labels: patterns and word lists, no training needed.

``RuleTagger().predict(docs)`` tags documents with the built-in patterns, e.g. to pre-annotate
text for labellers::

    from plannlp.tag.baselines.rules import RuleTagger
    from plannlp.data import Document
    [doc] = RuleTagger().predict([Document("d1", "Phấn đấu đến năm 2030 trên 95% dân số ...")])

How it reads a document, line by line (a line is a paragraph of cleaned text):

* a *piece* is a sentence or a ``;``-separated item; a figure (comparators + VALUE) in a piece is a
  target when the piece has a target cue (``phấn đấu``, ``đạt``, ``đến năm`` ...) or lies under a
  target heading (``Mục tiêu cụ thể``), and no past cue (``đã đạt``, ``hiện nay`` ...) says it
  describes the past;
* a figure followed by a level verb and another figure belongs to an indicator
  (``trẻ dưới 1 tuổi đạt 95%``: only ``95%`` is a level), and so does a bound inside what a share
  counts (``100% trạm y tế có ít nhất một bác sĩ``: only ``100%``);
* the INDICATOR is the clause before the level (up to ``đạt``, ``xuống`` ...) or, when that is
  empty or ends in ``có``, the clause after it, up to a purpose clause (``hướng tới``, ``nhằm``);
* YEARs are labelled in target pieces, in headings (``a) Đến năm 2025:``), in task sentences
  (``hoàn thành trước năm 2025``) and in time cells of implementation tables;
* AGENCYs come from the gazetteer (``plannlp/resources/agencies.txt``) with administrative tails
  and qualifiers, where the sentence gives them a role or the line is a table cell.

:func:`train_from_config` makes it a tuned baseline: it adds the agency names, comparators and
units of the training gold to the lists, learns which words mark a target piece, and picks the
settings on dev strict micro F1 (``plannlp train experiments/rules.yaml``; the tuned tagger is
then ``plannlp.tag.systems.load_tagger("models/rules")``). Spans carry no score.

Three rule taggers are named for what they do: :func:`tuned_rules` (that tuned baseline),
:func:`stacked_rules` (the built-in rules whose tags the CRF reads) and
:func:`preannotation_rules` (the built-in rules that draft annotation files). The word lists and
patterns are resource files (``plannlp/resources/rule_words.jsonl``, ``rule_patterns.jsonl``).
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from plannlp.data import DataError, Document, Span
from plannlp.io import read_json, write_json
from plannlp.labels import AGENCY, COMPARATOR, INDICATOR, LABELS, VALUE, YEAR
from plannlp.numbers import NUMBER_IN_TEXT, NUMBER_OR_RANGE
from plannlp.runrecord import RunRecord, data_checksums
from plannlp.segment import Sentence
from plannlp.tag.baselines import SELECTION_METRIC, Scorer, check_keys, read_split, training_setup
from plannlp.tag.baselines import features as fx
from plannlp.tag.contract import Tagger
from plannlp.text import line_offsets, nfc_view, text_key, trim

SYSTEM = "rules"
LEXICON_FILE = "lexicon.json"
# which span wins where two overlap: levels first, the broad phrases last
_PRIORITY = {VALUE: 0, COMPARATOR: 1, YEAR: 2, INDICATOR: 3, AGENCY: 4}


@dataclass(frozen=True)
class RuleSettings:
    """The tunable choices of the tagger (picked on dev by :func:`train_from_config`)."""

    # what, short of a strong cue (phấn đấu, chỉ tiêu, đến năm ...), makes a figure a target:
    # "all": a weak cue word (đạt, duy trì ...) or a comparator; "verbs": a weak cue word; "none"
    weak_cues: str = "all"
    target_sections: bool = True  # figures under a target heading are targets without a cue
    learned_cue_precision: float | None = None  # use learned cue words at least this precise
    indicators: bool = True
    indicator_comma_stop: bool = True  # a comma ends the indicator after a level
    indicator_left_comma_stop: bool = True  # a comma starts the indicator before a level
    indicator_max_words: int = 30
    task_years: bool = True  # years of assigned tasks ("hoàn thành trước năm 2025")
    year_cells: bool = True  # lines holding only years: time cells of implementation tables
    agency_role: str = "sentence"  # where a role cue must be: "sentence", "line" or "none"
    agency_after_cua: bool = False  # keep agencies right after "của" (authors, mostly)

    def __post_init__(self) -> None:
        if self.weak_cues not in ("all", "verbs", "none"):
            raise ValueError(f"weak_cues must be all, verbs or none, got {self.weak_cues!r}")
        if self.agency_role not in ("sentence", "line", "none"):
            raise ValueError(f"agency_role must be sentence, line or none, got {self.agency_role!r}")


@dataclass(frozen=True)
class RuleLexicon:
    """Words learned from training gold, added to the built-in lists."""

    agencies: tuple[str, ...] = ()
    comparators: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    denominators: tuple[str, ...] = ()
    target_cues: dict[str, float] = dataclasses.field(default_factory=dict)  # word -> precision

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> RuleLexicon:
        return cls(
            agencies=tuple(obj.get("agencies", ())),
            comparators=tuple(obj.get("comparators", ())),
            units=tuple(obj.get("units", ())),
            denominators=tuple(obj.get("denominators", ())),
            target_cues=dict(obj.get("target_cues", {})),
        )


# ---------------------------------------------------------------------------------------------
# Patterns

# a number or a range of numbers ("34-35"), not inside a date (5-4-2024) or a decree number (281/QĐ)
_NUM = NUMBER_IN_TEXT
# the patterns are knowledge of how plans are written: they live in resources/rule_patterns.jsonl
# (each with a note) and are matched against key text (plannlp.text.text_key), which is the
# text's own spelling for cleaned text, so they are written as Vietnamese is written
_YEAR_NUM = fx.rule_pattern_source("year_number")
_YEAR = fx.rule_pattern_source("year")
_MARKER = fx.rule_pattern_source("marker")
_LEVEL_VERB = fx.rule_pattern_source("level_verb")
_DATE_BEFORE = fx.rule_pattern("date_before")
_DOC_REF = fx.rule_pattern("document_reference")
_VISION_HEADING = fx.rule_pattern("vision_heading")
_TIME_PREPOSITION = fx.rule_pattern("time_preposition")
_HEADING_MARKER = fx.rule_pattern("heading_marker")
_TARGET_HEADING = fx.rule_pattern("target_heading")
_TARGET_LEAD = fx.rule_pattern("target_lead")
_PAST_HEADING = fx.rule_pattern("past_heading")
_OTHER_HEADING = fx.rule_pattern("other_heading")
_RECIPIENTS = fx.rule_pattern("recipients")
_APPENDIX = fx.rule_pattern("appendix")
_PIECE_END = re.compile(r";|[.!?](?=\s|$)")
_YEAR_ONLY_LINE = fx.rule_pattern("year_only_line")
_PAST_AFTER = fx.rule_pattern("past_after")
_PER_UNIT_HAS = fx.rule_pattern("per_unit_has")
_DATED_EVENT = fx.rule_pattern("dated_event")
_LEFT_TAIL = fx.rule_pattern("left_tail")
_CELL_REACH = 3  # lines around a year-only line searched for an agency cell
_COORDINATION_END = fx.rule_pattern("coordination_end")
_DURATION = fx.rule_pattern("duration")
_LEVEL_VERB_BEFORE = re.compile(_LEVEL_VERB + r"\s*$", re.I)
_LEVEL_VERB_ANYWHERE = re.compile(_LEVEL_VERB, re.I)
_MEASURE_HEAD = fx.rule_pattern("measure_head")
_LEVEL_RIGHT_LEAD = fx.rule_pattern("level_right_lead")
_NOT_A_BODY_AFTER = fx.rule_pattern("not_a_body_after")
_CELL_FILLER = fx.rule_pattern("cell_filler")
_TASK_CUES = fx.rule_words()["task_cues"]


def _words_pattern(phrases: Iterable[str]) -> re.Pattern[str]:
    return re.compile(fx.alternation(phrases), re.I)


class _Patterns:
    """The compiled patterns of one lexicon (built-in lists plus learned words)."""

    def __init__(self, lexicon: RuleLexicon) -> None:
        comparators = (*fx.COMPARATORS, *lexicon.comparators)
        cmp_alt = fx.alternation((*comparators, *fx.CHANGE_COMPARATORS))
        units = fx.alternation((u for u in (*fx.UNITS, *lexicon.units) if u not in ("%", "‰")), left_bound=False)
        denominators = fx.alternation((*fx.DENOMINATORS, *lexicon.denominators))
        number_words = fx.alternation(fx.NUMBER_WORDS)
        ratio = fx.rule_pattern_source("ratio", denominators=denominators)
        value = fx.rule_pattern_source("value", number=_NUM, number_words=number_words, units=units, ratio=ratio)
        # comparators written before a level (two in a row are two spans: "tăng ít nhất 10%")
        self.figure = re.compile(rf"(?P<cmps>(?:{cmp_alt}\s*)*){value}", re.I)
        self.comparator = re.compile(cmp_alt, re.I)
        self.year = re.compile(_YEAR, re.I)
        strong = fx.rule_words()["strong_target_cues"]
        self.strong_cue = _words_pattern(strong)
        comparator_words = {*comparators, *fx.CHANGE_COMPARATORS, "trở lên"}
        self.weak_cue = _words_pattern(c for c in fx.TARGET_CUES if c not in strong and c not in comparator_words)
        # a past cue, or a piece that opens with a bare year ("Năm 2023 đạt 85%")
        opening_year = fx.rule_pattern_source("opening_year")
        self.past_cue = re.compile(fx.alternation((*fx.PAST_CUES, *fx.DEFINITION_CUES)) + "|" + opening_year, re.I)
        self.level_verb_end = re.compile(fx.alternation(fx.LEVEL_VERBS) + r"\s*$", re.I)
        self.has_end = fx.rule_pattern("has_end")
        # what opens a clause before its indicator: list markers, verbs ("tăng trưởng" is a
        # measure, not "tăng"), a year phrase
        year_phrase = fx.rule_pattern_source("year_phrase")
        leading_verb = fx.rule_pattern_source("leading_verb", leading_verbs=fx.alternation(fx.LEADING_VERBS))
        self.leading = re.compile(rf"^(?:\s|{_MARKER}|{leading_verb}|{year_phrase}|[,:])+", re.I)
        self.indicator_after = _words_pattern(fx.rule_words()["indicator_leads"])
        self.indicator_stop = re.compile(
            fx.alternation(fx.INDICATOR_STOPS) + "|" + fx.rule_pattern_source("indicator_year_stop"), re.I
        )
        self.role = _words_pattern(fx.ROLE_CUES)
        self.task = _words_pattern(_TASK_CUES)
        self.title_before = re.compile(fx.alternation(fx.TITLE_WORDS) + r"\s*$", re.I)
        self.owner_or_place_before = fx.rule_pattern("owner_or_place_before")
        self.agency = self._agency_pattern(lexicon.agencies)
        # where an agency can start: the first words of the names (the full pattern is tried only
        # there, which is much faster than scanning the text with it)
        first_words = {e.name.split()[0] for e in fx.builtin_gazetteer()} | {n.split()[0] for n in lexicon.agencies}
        self.agency_start = re.compile(
            r"(?<![\w\-/])" + fx.alternation((*first_words, *fx.rule_words()["agency_start_words"]), left_bound=False), re.I
        )

    @staticmethod
    def _agency_pattern(learned: Sequence[str]) -> re.Pattern[str]:
        entries = list(fx.builtin_gazetteer())
        known = {e.name for e in entries}
        entries += [fx.GazetteerEntry(name, False) for name in learned if name not in known]
        by_length = sorted(entries, key=lambda e: -len(e.name))
        with_tail = "|".join(fx.gazetteer_entry_pattern(e.name) for e in by_length if e.takes_tail)
        plain = "|".join(fx.gazetteer_entry_pattern(e.name) for e in by_length if not e.takes_tail)
        level = fx.rule_pattern_source("agency_level", admin_levels=fx.alternation(fx.ADMIN_LEVELS))
        name = rf"{fx.CAPITALISED_WORD}(?:\.?\s*{fx.CAPITALISED_WORD}){{0,3}}"
        tail = fx.rule_pattern_source("agency_tail", level=level, name=name)
        stop = fx.alternation((*fx.ROLE_CUES, *fx.rule_words()["agency_stops"]))
        steering = fx.rule_pattern_source("steering_committee", stop=stop)
        qualifier = fx.rule_pattern_source("agency_qualifier", level=level, name=name, with_tail=with_tail, plain=plain)
        group = fx.rule_pattern_source("agency_group", group_word=fx.alternation(fx.GROUP_WORDS))
        pattern = rf"(?:(?:{with_tail}){tail}?|{plain}|{steering}|{group}){qualifier}?"
        return re.compile(pattern, re.I)


# ---------------------------------------------------------------------------------------------
# The tagger


@dataclass(frozen=True)
class _Figure:
    """Comparators and a level found in a piece (NFC offsets)."""

    comparators: tuple[tuple[int, int], ...]
    value: tuple[int, int]
    bare: bool  # a number without unit: a level only after a comparator or level verb

    @property
    def start(self) -> int:
        return self.comparators[0][0] if self.comparators else self.value[0]

    @property
    def end(self) -> int:
        return self.value[1]


_trim = trim  # spec: no edge space or punctuation (plannlp.text.SPAN_EDGE)


def _pieces(key: str, start: int, end: int) -> list[tuple[int, int, int]]:
    """``(start, end, sentence_start)`` of each ``;``-separated item or sentence of a line; items
    of one sentence share its start (a cue before the first item governs the list)."""
    out, cursor, sentence_start = [], start, start
    for m in _PIECE_END.finditer(key, start, end):
        if m.start() > cursor:
            out.append((cursor, m.start(), sentence_start))
        cursor = m.end()
        if m.group() != ";":
            sentence_start = cursor
    if cursor < end:
        out.append((cursor, end, sentence_start))
    return out


def _is_upper_line(line: str) -> bool:
    """At least four letters, all upper case. (One pass that stops at the first lower-case
    letter: most lines have one among their first characters.)"""
    letters = 0
    for c in line:
        if c.isalpha():
            if not c.isupper():
                return False
            letters += 1
    return letters >= 4


class RuleTagger(Tagger):
    """Pattern rules for VALUE, COMPARATOR, YEAR, INDICATOR and AGENCY (see the module doc);
    ``labels`` keeps the spans of a subset of the five."""

    system = SYSTEM
    uses_sentences = False

    def __init__(
        self,
        settings: RuleSettings | None = None,
        lexicon: RuleLexicon | None = None,
        labels: Sequence[str] = LABELS,
    ) -> None:
        unknown = sorted(set(labels) - set(LABELS))
        if unknown:
            raise DataError(f"the rule tagger finds only {', '.join(LABELS)}; it has no rules for {', '.join(unknown)}")
        self.labels = tuple(labels)
        self.settings = settings or RuleSettings()
        self.lexicon = lexicon or RuleLexicon()
        self._p = _Patterns(self.lexicon)
        self._cues = self._learned_cues()
        self._last: tuple[str, tuple[Span, ...]] | None = None  # tag_text's last (text, spans)

    def with_settings(self, settings: RuleSettings) -> RuleTagger:
        """The same lexicon under other settings (patterns are shared, not recompiled)."""
        other = object.__new__(RuleTagger)
        other.settings, other.lexicon, other._p, other.labels = settings, self.lexicon, self._p, self.labels
        other._cues = other._learned_cues()
        other._last = None
        return other

    def _learned_cues(self) -> re.Pattern[str] | None:
        threshold = self.settings.learned_cue_precision
        if threshold is None:
            return None
        cues = [w for w, p in self.lexicon.target_cues.items() if p >= threshold]
        return _words_pattern(cues) if cues else None

    # -- public interface -------------------------------------------------------------------

    def predict_spans(
        self, docs: Sequence[Document], sentences: Sequence[tuple[Sentence, ...]]
    ) -> list[list[Span]]:
        """The rules' spans of each document (the rules split lines themselves: no segmentation)."""
        return [self.tag_text(doc.text) for doc in docs]

    def tag_text(self, text: str) -> list[Span]:
        """Spans over ``text`` (any normal form: offsets are into ``text`` as given).

        The last text's spans are kept: the CRF reads the built-in rules' tags as features and,
        with ``record_years``, their YEARs again after tagging the same document, so the rules
        ran twice per document. Exact: the spans are a function of the text alone (for this
        tagger's settings and lexicon, which do not change), and spans are immutable."""
        last = self._last
        if last is not None and (last[0] is text or last[0] == text):
            return list(last[1])
        view = nfc_view(text)
        spans = self._tag_key(text_key(view.text))
        found = tuple(Span(view.start(s.start), view.end(s.end), s.label) for s in spans if s.label in self.labels)
        self._last = (text, found)
        return list(found)

    def settings_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self.settings)

    def save_files(self, directory: Path) -> dict[str, str]:
        write_json(directory / LEXICON_FILE, self.lexicon.to_json(), indent=1)
        return {"lexicon": LEXICON_FILE}

    @classmethod
    def from_record(cls, directory: Path, record: RunRecord) -> RuleTagger:
        record.expect(SYSTEM, directory)
        try:
            settings = RuleSettings(**record.settings)
        except (TypeError, ValueError) as exc:
            raise DataError(f"{directory}: bad rule settings: {exc}") from None
        lexicon = RuleLexicon.from_json(read_json(record.file(directory, "lexicon")))
        return cls(settings, lexicon, labels=record.labels or LABELS)

    @classmethod
    def load(cls, directory: str | Path) -> RuleTagger:
        return cls.from_record(Path(directory), RunRecord.read(directory))

    # -- the rules ------------------------------------------------------------------------------

    def _tag_key(self, key: str) -> list[Span]:
        found: list[tuple[int, int, str]] = []
        section: str | None = None
        recipients = False
        lines = list(line_offsets(key))
        # a year-only line near a line naming an agency is a time cell of a task table (a year-only
        # line among figures is a statistics table)
        line_agencies = [self._agencies(key, s, e) for s, e in lines]
        for i, (line_start, line_end) in enumerate(lines):
            line = key[line_start:line_end]
            if not line.strip():
                continue
            if _RECIPIENTS.match(line):
                recipients = True
            elif recipients and (len(line.split()) > 15 or _APPENDIX.search(line)):
                recipients = False  # the list is over: an appendix or body text follows
            section = self._section(line, section)
            upper = _is_upper_line(line)
            year_cell = (
                self.settings.year_cells
                and bool(_YEAR_ONLY_LINE.match(line))
                and any(line_agencies[max(0, i - _CELL_REACH) : i + _CELL_REACH + 1])
            )
            agencies_in_line = [] if recipients or upper else line_agencies[i]
            agency_cell = self._is_agency_cell(key, line_start, line_end, agencies_in_line)
            line_has_role: bool | None = None  # searched for only when a piece holds an agency
            for start, end, sentence_start in _pieces(key, line_start, line_end):
                piece = key[start:end]
                target_piece = self._figures_to_spans(key, start, end, section, sentence_start, found)
                for m in self._p.year.finditer(key, start, end):
                    if self._year_is_labelled(key, start, m, target_piece, year_cell):
                        found.append((*_trim(key, m.start(), m.end()), YEAR))
                if _DATED_EVENT.match(piece):
                    continue  # "Ngày 12 tháng 6 năm 2025, Quốc hội ...": an event of the past
                here = [(a, b) for a, b in agencies_in_line if start <= a < end]
                if not here:
                    continue  # (most pieces: no role cue is looked for, a scan of the piece saved)
                if not agency_cell:
                    if self.settings.agency_role == "sentence":
                        role_here = bool(self._p.role.search(piece))
                    elif self.settings.agency_role == "line":
                        if line_has_role is None:
                            line_has_role = bool(self._p.role.search(line))
                        role_here = line_has_role
                    else:
                        role_here = True
                    if not role_here:
                        continue
                found.extend((a_start, a_end, AGENCY) for a_start, a_end in here)
        return _resolve(found, key)

    def _section(self, line: str, section: str | None) -> str | None:
        """The kind of section a line is in: ``target`` under a target heading, ``past`` under a
        results heading, else None; only headings change it."""
        if _TARGET_LEAD.match(line):
            return "target"  # "(1) Mục tiêu cụ thể đến năm 2030: ..." opens targets, however long
        if not self._is_heading(line):
            return section
        if _TARGET_HEADING.search(line):
            return "target"
        if _PAST_HEADING.search(line):
            return "past"
        if _OTHER_HEADING.search(line) or re.match(r"^\s*(?:[IVX]{1,5}|\d{1,2})[.)]", line):
            return None
        return section

    @staticmethod
    def _is_heading(line: str) -> bool:
        words = line.split()
        if not words or len(words) > 16:
            return False
        return bool(_HEADING_MARKER.match(line)) or line.rstrip().endswith(":") or _is_upper_line(line)

    # figures ---------------------------------------------------------------------------------

    def _figures(self, key: str, start: int, end: int) -> list[_Figure]:
        figures = []
        for m in self._p.figure.finditer(key, start, end):
            value = m.span("value")
            if value[0] == value[1]:
                continue
            cmps = []
            pos, cmp_end = m.start("cmps"), m.end("cmps")
            for c in self._p.comparator.finditer(key, pos, cmp_end):
                cmps.append(c.span())
            bare = m.group("bare") is not None
            text = m.group("value")
            if bare and re.fullmatch(rf"{_YEAR_NUM}(?:\s*[-–]\s*{_YEAR_NUM})?", text):
                continue  # a year, not a level
            figures.append(_Figure(tuple(cmps), value, bare))
        return figures

    def _starts_with_figure(self, text: str) -> bool:
        m = self._p.figure.match(text)
        return bool(m and re.search(r"\d", m.group("value")) and (m.group("cmps") or m.group("bare") is None))

    def _is_level(self, key: str, fig: _Figure, piece_start: int) -> bool:
        """A number alone, or a duration (``5 năm``), is a level only after a comparator or a
        level verb (``đạt 75``, ``trên 5 năm``); a number with a unit or symbol always is."""
        value = key[fig.value[0] : fig.value[1]]
        if not (fig.bare or _DURATION.search(value)) or fig.comparators:
            return True
        before = key[piece_start : fig.start]
        if _PER_UNIT_HAS.search(before) and fig.bare:
            return True
        return bool(_LEVEL_VERB_BEFORE.search(before)) and value[:1].isdigit()

    def _is_target(
        self, key: str, start: int, end: int, fig: _Figure, section: str | None, list_cue: bool = False
    ) -> bool:
        """Whether a figure of the piece ``[start, end)`` is a target's level: the nearest cue
        before it decides (``đã đạt 79% và sẽ phấn đấu đến năm 2020 đạt trên 90%``), then cues
        anywhere in the piece, then the section."""
        s = self.settings
        before, piece = key[start : fig.start], key[start:end]
        clause_end = re.search(r"[,;]", key[fig.end : end])
        after = key[fig.end : fig.end + clause_end.start() if clause_end else end]
        if _PAST_AFTER.search(after):
            return False
        last_strong = max(
            (m.end() for pattern in (self._p.strong_cue, self._cues) if pattern for m in pattern.finditer(before)),
            default=-1,
        )
        last_past = max((m.end() for m in self._p.past_cue.finditer(before)), default=-1)
        if last_strong > last_past:
            return True
        if last_past >= 0 or section == "past":
            return False
        if self._p.strong_cue.search(piece) or (self._cues and self._cues.search(piece)) or list_cue:
            return True
        if s.target_sections and section == "target":
            return True
        if s.weak_cues == "none":
            return False
        if self._p.weak_cue.search(piece):  # a verb of reaching or keeping: đạt, duy trì ...
            return True
        return s.weak_cues == "all" and bool(fig.comparators or self._p.comparator.search(piece))

    def _list_cue(self, earlier: str) -> bool:
        """Whether the items of a sentence before this one carry a target cue not undone by a past cue
        ("phấn đấu đến năm 2030 ...; 100% xã ...; Trên 95% dân số ...")."""
        last_strong = max((m.end() for m in self._p.strong_cue.finditer(earlier)), default=-1)
        last_past = max((m.end() for m in self._p.past_cue.finditer(earlier)), default=-1)
        return last_strong > last_past

    def _figures_to_spans(
        self,
        key: str,
        start: int,
        end: int,
        section: str | None,
        sentence_start: int,
        found: list[tuple[int, int, str]],
    ) -> bool:
        """Add the target figures of a piece (with their indicators) to ``found``; whether the piece is a target.
        ``sentence_start``: where the piece's sentence begins (its earlier items may carry a list cue)."""
        levels = [f for f in self._figures(key, start, end) if self._is_level(key, f, start)]
        if not levels:
            return False  # (most pieces: the list cue, a scan of the sentence so far, is not needed)
        list_cue = self._list_cue(key[sentence_start:start])
        inner: set[int] = set()  # figures that belong to an indicator
        for i, (fig, nxt) in enumerate(zip(levels, levels[1:])):
            between = key[fig.end : nxt.start]
            if re.search(r"[,;]", between):
                continue
            if not between.strip(" :") or _LEVEL_VERB_ANYWHERE.search(between):
                inner.add(i)  # "trẻ dưới 1 tuổi đạt 95%": the first is in the indicator
            elif (
                i not in inner
                and nxt.comparators
                and len(between.split()) >= 2
                and not _COORDINATION_END.search(between)
            ):
                inner.add(i + 1)  # "100% trạm y tế có ít nhất một bác sĩ": the second is
        levels = [f for i, f in enumerate(levels) if i not in inner]
        targets = {i for i, f in enumerate(levels) if self._is_target(key, start, end, f, section, list_cue)}
        for i in sorted(targets):
            fig = levels[i]
            for c_start, c_end in fig.comparators:
                found.append((*_trim(key, c_start, c_end), COMPARATOR))
            found.append((*_trim(key, *fig.value, keep_end="%‰"), VALUE))
            if self.settings.indicators:
                # an indicator lies between this level and its neighbours, targets or not
                prev_end = levels[i - 1].end if i > 0 else start
                next_start = levels[i + 1].start if i + 1 < len(levels) else end
                indicator = self._indicator(key, fig, prev_end, next_start)
                if indicator:
                    found.append((*indicator, INDICATOR))
        return bool(targets)

    def _indicator(self, key: str, fig: _Figure, left_limit: int, right_limit: int) -> tuple[int, int] | None:
        s = self.settings
        # left: from the last clause break before the figure
        left_text = key[left_limit : fig.start]
        cut = max(left_text.rfind(":"), left_text.rfind("("))
        if s.indicator_left_comma_stop:
            cut = max(cut, left_text.rfind(","))
        left_start = left_limit + cut + 1
        left = key[left_start : fig.start]
        sub_group = self._starts_with_figure(left.strip())
        if sub_group and cut >= 0 and left_text[cut] == ":":
            # a sub-group before the level ("tỷ suất tử vong trẻ em: Dưới 5 tuổi ≤1,5‰"): the
            # indicator is the shared head before the colon (spec rule 2)
            colon = left_start - 1
            head_text = key[left_limit:colon]
            left_start = left_limit + max(head_text.rfind(","), head_text.rfind(":"), head_text.rfind("(")) + 1
            left, sub_group = key[left_start:colon], False
        level_verb = self._p.level_verb_end.search(left)
        ends_with_has = bool(self._p.has_end.search(left))
        if level_verb:
            left = left[: level_verb.start()]
        # a change's starting point and verbs left before the level are not the indicator
        # ("khối đảng giảm từ 81 phòng xuống", "số năm sống khỏe mạnh tăng thêm")
        left = _LEFT_TAIL.sub("", left)
        # the indicator follows the last cue of the clause ("quyết tâm đạt chỉ tiêu tăng trưởng GDP")
        cue_end = max((m.end() for m in self._p.indicator_after.finditer(left)), default=0)
        left_start, left = left_start + cue_end, left[cue_end:]
        lead = self._p.leading.match(left)
        offset = left_start + (lead.end() if lead else 0)
        left_span = _trim(key, offset, left_start + len(left))
        # right: after the level, to a clause end or a purpose clause
        right_end = right_limit
        if s.indicator_comma_stop:
            comma = key.find(",", fig.end, right_limit)
            if comma >= 0:
                right_end = comma
        stop = self._p.indicator_stop.search(key, fig.end, right_end)
        right_start = fig.end
        lead_right = _LEVEL_RIGHT_LEAD.match(key[right_start:right_end])
        right_start += lead_right.end() if lead_right else 0
        right_span = _trim(key, right_start, stop.start() if stop else right_end)
        and_end = _COORDINATION_END.search(key, right_span[0], right_span[1])
        if and_end:
            right_span = _trim(key, right_span[0], and_end.start())

        def usable(span: tuple[int, int]) -> bool:
            text = key[span[0] : span[1]]
            return 0 < len(text.split()) <= s.indicator_max_words and any(c.isalpha() for c in text)

        left_ok, right_ok = usable(left_span) and not sub_group, usable(right_span)
        if ends_with_has:  # "mỗi trạm y tế có ít nhất một bác sĩ cơ hữu": what is counted follows
            return right_span if right_ok else None
        if left_ok and (level_verb or not right_ok or _MEASURE_HEAD.match(key, left_span[0])):
            return left_span
        return right_span if right_ok else None

    # years -------------------------------------------------------------------------------------

    def _year_is_labelled(
        self, key: str, piece_start: int, m: re.Match[str], target_piece: bool, year_cell: bool
    ) -> bool:
        before = key[max(0, m.start() - 100) : m.start()]
        piece_before = key[piece_start : m.start()]
        if _DATE_BEFORE.search(before):
            return False
        if _DOC_REF.search(piece_before):
            # "Tầm nhìn đến năm 2045" as a heading of its own is a target year
            if not _VISION_HEADING.match(piece_before):
                return False
        up_to_year = key[piece_start : m.end()]
        if _is_upper_line(up_to_year) and not _TARGET_HEADING.search(up_to_year):
            return False  # a title
        if target_piece or year_cell:
            return True
        timed = bool(_TIME_PREPOSITION.search(piece_before)) or m.group().lower().startswith(("năm", "giai"))
        if timed and (_TARGET_HEADING.search(up_to_year) or key[m.end() : m.end() + 2].lstrip().startswith(":")):
            return True  # a heading or a heading-like lead: "Mục tiêu cụ thể đến năm 2030:"
        if self.settings.task_years and timed:
            line_end = key.find("\n", m.end())
            piece = key[piece_start : line_end if line_end >= 0 else len(key)]
            return bool(self._p.task.search(piece) or self._p.role.search(piece))
        return False

    # agencies --------------------------------------------------------------------------------

    def _agencies(self, key: str, start: int, end: int) -> list[tuple[int, int]]:
        out = []
        for m in _agency_matches(self._p, key, start, end):
            a_start, a_end = _trim(key, m.start(), m.end())
            if a_start >= a_end:
                continue
            before = key[max(start, a_start - 30) : a_start]
            if self._p.title_before.search(before):
                continue
            if not self.settings.agency_after_cua and self._p.owner_or_place_before.search(before):
                continue
            if _NOT_A_BODY_AFTER.match(key[a_end : a_end + 12]):
                continue  # the past tense; "Chính phủ số" (digital government) is no body
            out.append((a_start, a_end))
        return out

    @staticmethod
    def _is_agency_cell(key: str, line_start: int, line_end: int, agencies: Sequence[tuple[int, int]]) -> bool:
        """Whether the line holds only agencies (a cell of a flattened implementation table)."""
        rest, cursor = [], line_start
        for a_start, a_end in agencies:
            rest.append(key[cursor:a_start])
            cursor = a_end
        rest.append(key[cursor:line_end])
        leftover = _CELL_FILLER.sub("", "".join(rest))
        return bool(agencies) and not leftover


def _agency_matches(patterns: _Patterns, key: str, start: int, end: int) -> Iterable[re.Match[str]]:
    """Non-overlapping gazetteer matches in ``key[start:end]``, leftmost first (as finditer gives)."""
    cursor = start
    for candidate in patterns.agency_start.finditer(key, start, end):
        if candidate.start() < cursor:
            continue
        m = patterns.agency.match(key, candidate.start(), end)
        if m and m.end() > m.start():
            yield m
            cursor = m.end()


@lru_cache(maxsize=1)
def builtin_rules() -> RuleTagger:
    """The rule tagger with its built-in lists and default settings, nothing learned from gold
    (shared, compiled once)."""
    return RuleTagger()


def builtin_spans(doc: Document, label: str) -> list[Span]:
    """The built-in rule tagger's ``label`` spans of ``doc`` (it reads the text, not a
    segmentation; the last text's spans are kept, so the steps after a CRF that ask again for the
    same document cost nothing)."""
    [spans] = builtin_rules().predict_spans([doc], [()])
    return [s for s in spans if s.label == label]


def stacked_rules() -> RuleTagger:
    """The rules whose tags the CRF reads as features (and whose gazetteer gives its ``gaz``
    feature): the built-in rules, fixed, because a CRF model was trained on exactly their tags."""
    return builtin_rules()


def preannotation_rules() -> RuleTagger:
    """The rules that draft annotation files (``plannlp corpus preannotate``): the built-in rules,
    so that no word learned from gold leaks into a labeller's draft."""
    return builtin_rules()


def tuned_rules(directory: str | Path = "models/rules") -> RuleTagger:
    """The rule tagger tuned on train/dev (:func:`train_from_config`), as saved in ``directory``."""
    return RuleTagger.load(directory)


default_tagger = builtin_rules  # the name before the three roles were named


def agency_mentions(text: str) -> list[tuple[int, int]]:
    """Character ranges of ``text`` that the built-in agency gazetteer matches, role or not
    (a CRF feature: the gazetteer seen from the words)."""
    view = nfc_view(text)
    key = text_key(view.text)
    out = []
    for m in _agency_matches(stacked_rules()._p, key, 0, len(key)):
        start, end = _trim(key, m.start(), m.end())
        if start < end:
            out.append((view.start(start), view.end(end)))
    return out


def _resolve(found: Iterable[tuple[int, int, str]], key: str) -> list[Span]:
    """Spans without overlaps: higher-priority labels first, then longer spans; an INDICATOR that
    overlaps a kept span is cut back to the part before it."""
    kept: list[tuple[int, int, str]] = []
    for start, end, label in sorted(set(found), key=lambda f: (_PRIORITY[f[2]], -(f[1] - f[0]), f[0])):
        if start >= end:
            continue
        clashes = [k for k in kept if k[0] < end and start < k[1]]
        if clashes and label == INDICATOR:
            first = min(k[0] for k in clashes)
            if first > start:
                start, end = _trim(key, start, first)
                clashes = [k for k in kept if k[0] < end and start < k[1]]
        if not clashes:
            kept.append((start, end, label))
    return [Span(s, e, label) for s, e, label in sorted(kept)]


# ---------------------------------------------------------------------------------------------
# Training: learn words from gold, pick settings on dev

# the settings tried by default (a config's ``grid`` replaces entries)
DEFAULT_GRID: dict[str, list[Any]] = {
    "weak_cues": ["all", "verbs", "none"],
    "target_sections": [True, False],
    "learned_cue_precision": [None, 0.6, 0.75, 0.9],
    "indicators": [True, False],
    "indicator_comma_stop": [True, False],
    "indicator_left_comma_stop": [True, False],
    "indicator_max_words": [12, 20, 30],
    "task_years": [True, False],
    "year_cells": [True, False],
    "agency_role": ["sentence", "line", "none"],
    "agency_after_cua": [False, True],
}
_LEADING_NUMBER = re.compile(rf"^{NUMBER_OR_RANGE}\s*")
_CUE_MIN_PIECES = 3  # a word must occur in this many figure pieces to become a learned cue


def _normalised(text: str) -> str:
    return " ".join(text_key(text).split())


def _spans_in_regions(doc: Document) -> list[Span]:
    return [s for s in doc.spans if doc.in_regions(s.start, s.end)]  # what was labelled


def learn_lexicon(docs: Sequence[Document], min_count: int = 1, cue_floor: float = 0.6) -> RuleLexicon:
    """Agency names, comparators, units and target cue words seen in gold documents.

    A cue word is a syllable or pair of syllables of a piece that holds a candidate figure; its
    value is the (add-one smoothed) share of such pieces in which a gold VALUE overlaps a figure;
    words below ``cue_floor`` are not kept.
    """
    agencies: Counter[str] = Counter()
    comparators: Counter[str] = Counter()
    units: Counter[str] = Counter()
    denominators: Counter[str] = Counter()
    builtin_comparators = {c.lower() for c in (*fx.COMPARATORS, *fx.CHANGE_COMPARATORS)}
    builtin_units = {u.lower() for u in fx.UNITS}
    for doc in docs:
        for span in _spans_in_regions(doc):
            text = _normalised(doc.span_text(span))
            if span.label == AGENCY and len(text) >= 3:
                agencies[text] += 1
            elif span.label == COMPARATOR and text.lower() not in builtin_comparators:
                comparators[text.lower()] += 1
            elif span.label == VALUE:
                number = _LEADING_NUMBER.match(text)
                if not number:
                    continue
                unit, _, denominator = text[number.end() :].partition("/")
                unit, denominator = unit.strip(), re.sub(r"^[\d.,\s]+", "", denominator).strip()
                if unit and unit.lower() not in builtin_units and len(unit.split()) <= 4 and not any(
                    c.isdigit() for c in unit
                ):
                    units[unit] += 1
                if denominator and len(denominator.split()) <= 4:
                    denominators[denominator] += 1

    def frequent(counter: Counter[str]) -> tuple[str, ...]:
        return tuple(sorted(w for w, n in counter.items() if n >= min_count))

    lexicon = RuleLexicon(frequent(agencies), frequent(comparators), frequent(units), frequent(denominators))
    return dataclasses.replace(lexicon, target_cues=_learn_cues(docs, RuleTagger(lexicon=lexicon), cue_floor))


def _learn_cues(docs: Sequence[Document], tagger: RuleTagger, floor: float) -> dict[str, float]:
    seen: Counter[str] = Counter()
    positive: Counter[str] = Counter()
    for doc in docs:
        key = text_key(doc.text)  # gold text is NFC, so key offsets are the gold offsets
        values = [s for s in _spans_in_regions(doc) if s.label == VALUE]
        for line_start, line_end in line_offsets(key):
            for start, end, _ in _pieces(key, line_start, line_end):
                if not doc.in_regions(start, end):
                    continue
                figures = tagger._figures(key, start, end)
                if not figures:
                    continue
                hit = any(v.start < f.end and f.value[0] < v.end for f in figures for v in values)
                syllables = re.findall(r"[^\W\d_]+", key[start:end].lower())
                words = set(syllables) | {f"{a} {b}" for a, b in zip(syllables, syllables[1:])}
                seen.update(words)
                if hit:
                    positive.update(words)
    precision = {w: (positive[w] + 1) / (n + 2) for w, n in seen.items() if n >= _CUE_MIN_PIECES}
    return {w: round(p, 4) for w, p in precision.items() if p >= floor}


def tune_settings(
    tagger: RuleTagger,
    dev: Sequence[Document],
    grid: dict[str, list[Any]],
    scorer: Scorer,
    rounds: int = 2,
) -> tuple[RuleSettings, float, list[dict[str, Any]]]:
    """Coordinate ascent over ``grid``: each setting in turn takes its best value on dev, the
    others held; ``rounds`` passes. Returns the settings, their dev score and the trial log."""
    settings = tagger.settings
    best = scorer(dev, tagger.predict(dev))
    trials = [{"settings": dataclasses.asdict(settings), "score": best}]
    for _ in range(rounds):
        changed = False
        for name, values in grid.items():
            for value in values:
                if getattr(settings, name) == value:
                    continue
                candidate = dataclasses.replace(settings, **{name: value})
                score = scorer(dev, tagger.with_settings(candidate).predict(dev))
                trials.append({"settings": dataclasses.asdict(candidate), "score": score})
                if score > best + 1e-9:
                    settings, best, changed = candidate, score, True
        if not changed:
            break
    return settings, best, trials


# The keys of a ``system: rules`` config: train_from_config reads the first line and ``rounds``,
# ``grid``; cross-validation (folds.RuleFolds) and a combination's fixed part (combine._fixed_rules)
# read ``settings`` (fixed RuleSettings, see fixed_settings), ``lexicon_min_count``, ``learn`` and
# ``cue_floor``. Both refuse any other key through check_config.
CONFIG_KEYS = (
    "train_file", "dev_file", "output_dir", "seed", "lexicon_min_count", "learn", "grid", "rounds",
    "selection_metric", "labels", "settings", "cue_floor",
)  # fmt: skip
SETTING_KEYS = tuple(f.name for f in dataclasses.fields(RuleSettings))


def check_config(config: dict[str, Any], config_path: Path | None) -> None:
    """Refuse the keys of a ``system: rules`` config, or of its ``settings``, that no reader knows."""
    check_keys(config, CONFIG_KEYS, config_path)
    check_keys(config.get("settings") or {}, SETTING_KEYS, config_path, "settings")


def fixed_settings(config: dict[str, Any], config_path: Path | None) -> RuleSettings:
    """The RuleSettings a config fixes (``settings``; the defaults for those it leaves out)."""
    check_config(config, config_path)
    try:
        return RuleSettings(**(config.get("settings") or {}))
    except ValueError as exc:
        raise DataError(f"{config_path or 'config'}: settings: {exc}") from None


def train_from_config(
    config: dict[str, Any],
    config_path: Path,
    scorer: Scorer | None = None,
) -> Path:
    """Learn words from the training gold, pick settings on dev, save to ``output_dir``."""
    scorer, labels = training_setup(config, check_config, config_path, scorer)
    out_dir = Path(config.get("output_dir") or "models/rules")
    train = read_split(config.get("train_file"), "train")
    dev = read_split(config.get("dev_file"), "dev")
    grid = {**DEFAULT_GRID, **(config.get("grid") or {})}
    unknown = sorted(set(grid) - {f.name for f in dataclasses.fields(RuleSettings)})
    if unknown:
        raise DataError(f"{config_path}: grid names unknown settings {', '.join(unknown)}")

    builtin = RuleTagger(labels=labels)
    builtin_dev = scorer(dev, builtin.predict(dev))
    cue_floor = min((p for p in grid["learned_cue_precision"] if p is not None), default=1.0)
    lexicon = (
        learn_lexicon(train, int(config.get("lexicon_min_count", 1)), cue_floor)
        if config.get("learn", True)
        else RuleLexicon()
    )
    rounds = int(config.get("rounds", 2))
    settings, dev_score, trials = tune_settings(RuleTagger(lexicon=lexicon, labels=labels), dev, grid, scorer, rounds)
    tagger = RuleTagger(settings, lexicon, labels)
    summary = {
        "dev_strict_micro_f1": dev_score,
        "dev_strict_micro_f1_builtin": builtin_dev,
        "train_documents": len(train),
        "dev_documents": len(dev),
        "learned": {k: len(v) for k, v in lexicon.to_json().items()},
        "trials": len(trials),
    }
    resolved = {
        "system": SYSTEM,
        **{k: v for k, v in config.items() if k != "system"},
        "output_dir": str(out_dir),
        "labels": list(labels),
        "selection_metric": SELECTION_METRIC,
    }
    tagger.save(
        out_dir,
        config=resolved,
        metrics={**summary, "selected_settings": dataclasses.asdict(settings), "trial_log": trials},
        data=data_checksums(train=config.get("train_file"), dev=config.get("dev_file")),
    )
    return out_dir
