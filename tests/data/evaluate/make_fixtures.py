"""Writes the evaluation fixtures (gold, two systems' predictions) beside this file.

Run ``python tests/data/evaluate/make_fixtures.py`` after editing; spans are given as
(substring, label) in text order and located left to right, so offsets are never typed by hand.
"""

from __future__ import annotations

from pathlib import Path

from plannlp.data import Document, Span
from plannlp.io import write_documents

HERE = Path(__file__).parent


def marked(text: str, items: list[tuple[str, str]]) -> tuple[Span, ...]:
    spans, cursor = [], 0
    for substring, label in items:
        start = text.index(substring, cursor)
        spans.append(Span(start, start + len(substring), label))
        cursor = start + len(substring)
    return tuple(spans)


TEXTS = {
    "d1": "phấn đấu đến năm 2030 mỗi trạm y tế xã, phường, thị trấn có ít nhất một bác sĩ cơ hữu",
    "d2": (
        "a) Đến năm 2025\n- Trên 95% dân số tham gia bảo hiểm y tế;\n- Tuổi thọ bình quân đạt 75 tuổi.\n"
        "b) Đến năm 2030\n- Tỷ lệ tham gia bảo hiểm y tế đạt trên 95% dân số."
    ),
    "d3": (
        "Chiều cao trung bình người dân 18 tuổi đạt 167cm đối với nam, đạt 156cm đối với nữ. "
        "Tổng tỷ suất sinh đạt 2,1 con/phụ nữ."
    ),
    "d4": (
        "Sở Y tế chủ trì, phối hợp với Sở Tài chính và UBND các quận, huyện, thị xã tổ chức thực hiện "
        "kế hoạch năm 2022."
    ),
    "d5": (
        "Trang chủ | Tin tức\nngười có nguy cơ cao mắc bệnh được kiểm tra sức khoẻ ít nhất mỗi năm một lần, "
        "hướng tới kiểm tra sức khỏe định kỳ cho toàn dân\nXem thêm: hiện nay đã có trên 92% dân số tham gia."
    ),
    "d6": "Đến năm 2025, tỷ suất tử vong trẻ em: Dưới 5 tuổi ≤1,5‰; dưới 1 tuổi ≤1‰",
}

GOLD = {
    "d1": [("năm 2030", "YEAR"), ("ít nhất", "COMPARATOR"), ("một", "VALUE"), ("bác sĩ cơ hữu", "INDICATOR")],
    "d2": [
        ("năm 2025", "YEAR"), ("Trên", "COMPARATOR"), ("95%", "VALUE"),
        ("dân số tham gia bảo hiểm y tế", "INDICATOR"), ("Tuổi thọ bình quân", "INDICATOR"), ("75 tuổi", "VALUE"),
        ("năm 2030", "YEAR"), ("Tỷ lệ tham gia bảo hiểm y tế", "INDICATOR"), ("trên", "COMPARATOR"), ("95%", "VALUE"),
    ],
    "d3": [
        ("Chiều cao trung bình người dân 18 tuổi", "INDICATOR"), ("167cm", "VALUE"), ("156cm", "VALUE"),
        ("Tổng tỷ suất sinh", "INDICATOR"), ("2,1 con/phụ nữ", "VALUE"),
    ],
    "d4": [("Sở Y tế", "AGENCY"), ("Sở Tài chính", "AGENCY"), ("UBND các quận, huyện, thị xã", "AGENCY"),
           ("năm 2022", "YEAR")],
    "d5": [("người có nguy cơ cao mắc bệnh được kiểm tra sức khoẻ", "INDICATOR"), ("ít nhất", "COMPARATOR"),
           ("mỗi năm một lần", "VALUE")],
    "d6": [("năm 2025", "YEAR"), ("tỷ suất tử vong trẻ em", "INDICATOR"), ("≤", "COMPARATOR"), ("1,5‰", "VALUE"),
           ("≤", "COMPARATOR"), ("1‰", "VALUE")],
}  # fmt: skip

# System A: close to gold, with one error of each kind.
SYSTEM_A = {
    **GOLD,
    # boundary: indicator cut short
    "d2": [
        ("năm 2025", "YEAR"), ("Trên", "COMPARATOR"), ("95%", "VALUE"),
        ("dân số tham gia bảo hiểm", "INDICATOR"), ("Tuổi thọ bình quân", "INDICATOR"), ("75 tuổi", "VALUE"),
        ("năm 2030", "YEAR"), ("Tỷ lệ tham gia bảo hiểm y tế", "INDICATOR"), ("trên", "COMPARATOR"), ("95%", "VALUE"),
    ],
    # spurious VALUE "18 tuổi" inside the indicator, which is cut before it (boundary)
    "d3": [
        ("Chiều cao trung bình người dân", "INDICATOR"), ("18 tuổi", "VALUE"), ("167cm", "VALUE"),
        ("156cm", "VALUE"), ("Tổng tỷ suất sinh", "INDICATOR"), ("2,1 con/phụ nữ", "VALUE"),
    ],
    # missed AGENCY "Sở Tài chính"; label error: the year tagged VALUE
    "d4": [("Sở Y tế", "AGENCY"), ("UBND các quận, huyện, thị xã", "AGENCY"), ("năm 2022", "VALUE")],
    # a false alarm outside the labelled region (ignored)
    "d5": [("người có nguy cơ cao mắc bệnh được kiểm tra sức khoẻ", "INDICATOR"), ("ít nhất", "COMPARATOR"),
           ("mỗi năm một lần", "VALUE"), ("trên", "COMPARATOR"), ("92%", "VALUE")],
}  # fmt: skip

# System B: weaker; misses comparators and mislabels the agencies' boundaries.
SYSTEM_B = {
    "d1": [("năm 2030", "YEAR"), ("ít nhất một", "VALUE"), ("bác sĩ cơ hữu", "INDICATOR")],
    "d2": [("năm 2025", "YEAR"), ("95%", "VALUE"), ("dân số tham gia bảo hiểm y tế", "INDICATOR"),
           ("75 tuổi", "VALUE"), ("năm 2030", "YEAR"), ("Tỷ lệ tham gia bảo hiểm y tế", "INDICATOR"),
           ("95% dân số", "VALUE")],
    "d3": [("Chiều cao trung bình người dân 18 tuổi", "INDICATOR"), ("167cm", "VALUE"),
           ("Tổng tỷ suất sinh đạt", "INDICATOR"), ("2,1 con", "VALUE")],
    "d4": [("Sở Y tế chủ trì", "AGENCY"), ("Sở Tài chính", "INDICATOR"), ("UBND các quận", "AGENCY")],
    "d5": [("người có nguy cơ cao mắc bệnh", "INDICATOR"), ("mỗi năm một lần", "VALUE")],
    "d6": [("năm 2025", "YEAR"), ("tỷ suất tử vong trẻ em", "INDICATOR"), ("1,5‰", "VALUE"), ("1‰", "VALUE")],
}  # fmt: skip


def regions(doc_id: str) -> tuple[tuple[int, int], ...] | None:
    if doc_id != "d5":
        return None
    text = TEXTS["d5"]
    start = text.index("\n") + 1
    return ((start, text.index("\n", start)),)


def build(spans: dict[str, list[tuple[str, str]]], gold: bool) -> list[Document]:
    return [
        Document(
            doc_id,
            text,
            marked(text, spans[doc_id]),
            meta={"source": "fixture"},
            regions=regions(doc_id) if gold else None,
        )
        for doc_id, text in TEXTS.items()
    ]


def write_results() -> None:
    """Synthetic result files for experiments/make_results.py: "crf" (system A) on dev and test,
    "rules" (system B) on dev only; fixed revision, time and config so the files are stable."""
    from plannlp.evaluate import evaluate
    from plannlp.evaluate.report import result_record, save_result

    gold = build(GOLD, gold=True)
    runs = [("crf", "dev", SYSTEM_A, 11), ("crf", "test", SYSTEM_A, 12), ("rules", "dev", SYSTEM_B, 13)]
    for system, split, spans, seed in runs:
        record = result_record(
            evaluate(gold, build(spans, gold=False), bootstrap=200, seed=seed),
            system=system, split=split, gold=f"corpus/gold/{split}.jsonl",
            predictions=f"experiments/predictions/{system}.{split}.jsonl", revision="abc1234",
        )  # fmt: skip
        record["created"] = "2026-11-23T00:00:00Z"
        if system == "crf":
            record["model"], record["config"] = "models/crf", {"system": "crf", "c1": 0.1, "c2": 0.01}
            record["config_file"], record["model_revision"] = "models/crf/plannlp.json", "0ff1ce5"
        save_result(HERE / "results" / f"{system}.{split}.json", record)


if __name__ == "__main__":
    write_documents(HERE / "gold.jsonl", build(GOLD, gold=True))
    write_documents(HERE / "pred_a.jsonl", build(SYSTEM_A, gold=False))
    write_documents(HERE / "pred_b.jsonl", build(SYSTEM_B, gold=False))
    write_results()
