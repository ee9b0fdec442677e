"""The HTML report: spans painted over the exact text, the diff kinds, a page that needs nothing
from elsewhere, and the CLI. The page in a real browser is tests/test_report_html_browser.py."""

import html
import json
import re
import subprocess
import sys

import pytest

from plannlp.data import Document, Link, Span
from plannlp.io import write_documents
from plannlp.report.html import build_report, paint, write_report

TEXT = "Phấn đấu đến năm 2030 trên 95% dân số tham gia bảo hiểm y tế. Sở Y tế chủ trì, phối hợp với Công an tỉnh."


def _span(text: str, label: str, score: float | None = 0.9, role: str | None = None, nth: int = 0) -> Span:
    start = -1
    for _ in range(nth + 1):
        start = TEXT.index(text, start + 1)
    return Span(start, start + len(text), label, score, role)


def predicted_doc() -> Document:
    indicator = _span("dân số tham gia bảo hiểm y tế", "INDICATOR")
    lead = _span("Sở Y tế", "AGENCY", role="lead")
    spans = (
        _span("năm 2030", "YEAR", 0.81), _span("trên", "COMPARATOR"), _span("95%", "VALUE"), indicator, lead,
        _span("Công an", "AGENCY", 0.4, role="partner"),
    )  # fmt: skip
    return Document("plan-1", TEXT, spans, links=(Link(indicator.key, lead.key),), meta={"source": "fixture"})


def gold_doc() -> Document:
    # YEAR, COMPARATOR and VALUE as predicted; INDICATOR and "Sở Y tế chủ trì" with other
    # boundaries; "Công an" not in gold (spurious); "Phấn đấu" in gold only (missed)
    spans = (
        _span("năm 2030", "YEAR"), _span("trên", "COMPARATOR"), _span("95%", "VALUE"),
        _span("số tham gia bảo hiểm y tế", "INDICATOR"), _span("Sở Y tế chủ trì", "AGENCY"),
        _span("Phấn đấu", "INDICATOR"),
    )  # fmt: skip
    return Document("plan-1", TEXT, tuple(Span(s.start, s.end, s.label) for s in spans))


def strip_tags(fragment: str) -> str:
    fragment = re.sub(r'<span class="tag">.*?</span>', "", fragment)
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


@pytest.mark.parametrize("with_gold", [False, True])
def test_painting_keeps_the_text_and_marks_every_predicted_span_once(with_gold):
    doc = predicted_doc()
    gold = [Span(0, 8, "INDICATOR"), Span(TEXT.index("95%"), TEXT.index("95%") + 20, "VALUE")] if with_gold else []
    fragment = paint(doc.text, 0, doc.spans, gold, {(0, 8, "INDICATOR"): "missed"} if with_gold else None)
    assert strip_tags(fragment) == TEXT
    found = set(re.findall(r'data-span="0:(\d+):(\d+)"', fragment))
    assert found == {(str(s.start), str(s.end)) for s in doc.spans}
    assert len(re.findall(r'<mark id="s-0-', fragment)) == len(doc.spans)  # one anchor per span
    assert 'data-role="lead"' in fragment and 'data-score="0.8100"' in fragment


def test_report_has_index_records_agencies_and_roles():
    report = build_report([predicted_doc()], provenances=[{"model": "m", "system": "crf"}])
    page = report.html
    assert (report.documents, report.spans, report.records) == (1, 6, 1)
    assert 'id="index-table"' in page and 'id="records-table"' in page and 'id="agencies-table"' in page
    records = page[page.index('id="records-table"') : page.index('id="agencies-table"')]
    assert "dân số tham gia bảo hiểm y tế" in records and "Sở Y tế" in records and "(lead)" in records
    assert f'href="#s-0-{TEXT.index("dân số")}"' in records  # the record links into the text
    assert "<td>crf</td>" in page and "AGENCY·partner" in page


def test_records_table_shows_each_values_year_where_they_differ():
    text = "Tăng trưởng kinh tế năm 2025 đạt trên 8% và năm 2026 đạt từ 10%."
    at = lambda part: (text.index(part), text.index(part) + len(part))  # noqa: E731
    spans = tuple(
        Span(*at(part), label)
        for part, label in (("Tăng trưởng kinh tế", "INDICATOR"), ("năm 2025", "YEAR"), ("8%", "VALUE"),
                            ("năm 2026", "YEAR"), ("10%", "VALUE"))
    )  # fmt: skip
    page = build_report([Document("d", text, spans)]).html
    records = page[page.index('id="records-table"') : page.index('id="agencies-table"')]
    assert "năm 2025 | năm 2026" in records


def test_diff_view_names_each_kind():
    page = build_report([predicted_doc()], gold=[gold_doc()]).html
    text = page[page.index('<div class="text">') :]
    assert len(re.findall(r'class="p l-(?:YEAR|COMPARATOR|VALUE) k-correct', text)) == 3
    assert 'class="p l-INDICATOR k-boundary' in text  # wider than gold
    assert 'class="p l-AGENCY k-spurious' in text  # Công an
    assert 'class="p l-AGENCY k-boundary' in text  # Sở Y tế inside "Sở Y tế chủ trì"
    assert 'class="g missed"' in text and "INDICATOR missed" in text  # "Phấn đấu"
    assert "correct: 3" in page and "spurious: 1" in page and "boundary: 2" in page and "missed: 1" in page


def test_the_page_loads_nothing_from_elsewhere():
    page = build_report([predicted_doc()], gold=[gold_doc()]).html
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page)
    assert "@import" not in page and "url(" not in page
    assert "default-src 'none'" in page  # and the page says so to the browser


def test_cli_writes_the_report(tmp_path):
    tagged = tmp_path / "p.jsonl"
    line = {**predicted_doc().to_json(), "provenance": {"model": "mine", "system": "rules"}}
    tagged.write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
    gold = tmp_path / "gold.jsonl"
    write_documents(gold, [gold_doc()])
    out = tmp_path / "r.html"
    run = subprocess.run(
        [sys.executable, "-c", "from plannlp.cli import main; main()", "report", str(tagged), "--gold", str(gold), "-o", str(out)],
        capture_output=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr.decode()
    page = out.read_text(encoding="utf-8")
    assert "<td>mine</td>" in page and "Against gold" in page


def test_gold_of_other_documents_is_refused(tmp_path):
    from plannlp.data import DataError

    tagged = tmp_path / "p.jsonl"
    write_documents(tagged, [predicted_doc()])
    gold = tmp_path / "g.jsonl"
    write_documents(gold, [Document("other", "x")])
    with pytest.raises(DataError, match="no prediction"):
        write_report(tagged, tmp_path / "r.html", gold=gold)


def test_an_output_that_is_an_input_is_refused_and_the_input_kept(tmp_path):
    # `report p.jsonl -o p.jsonl` once wrote the page over the tagged file (and --gold g -o g over gold)
    from plannlp.data import DataError

    tagged, gold = tmp_path / "p.jsonl", tmp_path / "g.jsonl"
    write_documents(tagged, [predicted_doc()])
    write_documents(gold, [gold_doc()])
    for output in (tagged, gold):
        before = output.read_bytes()
        with pytest.raises(DataError, match="also an input"):
            write_report(tagged, output, gold=gold)
        assert output.read_bytes() == before


def test_a_hard_link_of_an_input_is_refused_as_the_page_by_the_cli(tmp_path):
    # the check compared resolved paths: `report p.jsonl -o q.jsonl` with q a hard link of p wrote the
    # page over the tagged file
    import os

    tagged = tmp_path / "p.jsonl"
    write_documents(tagged, [predicted_doc()])
    before = tagged.read_bytes()
    os.link(tagged, tmp_path / "q.jsonl")
    done = subprocess.run([sys.executable, "-m", "plannlp", "report", str(tagged), "-o", str(tmp_path / "q.jsonl")],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 2 and done.stderr.startswith("plannlp: error:") and "also an input" in done.stderr
    assert tagged.read_bytes() == before
