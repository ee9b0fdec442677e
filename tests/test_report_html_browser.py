"""`plannlp report` in a real browser: Debian's Chromium, headless, driven by Playwright (which
uses the system Chromium; it downloads no browser). The page must load from a file with every
network request refused, render each span, sort and filter its tables, and link into the text.
A screenshot is kept under test-artefacts/ (git-ignored) for CI to keep.

.ci/run installs chromium with apt where it is missing; elsewhere the test is skipped without it,
but never under CI (CI=true), where a missing browser fails it.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from plannlp.data import Document, Span
from plannlp.io import read_documents, write_documents
from plannlp.report.html import write_report
from plannlp.tag.baselines.rules import RuleTagger
from plannlp.tag.batch import tag_files

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
ARTEFACTS = Path(os.environ.get("PLANNLP_TEST_ARTEFACTS", ROOT / "test-artefacts"))
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-default-apps",
]  # fmt: skip
PLANS = {
    "a.txt": "KẾ HOẠCH\nPhấn đấu đến năm 2030 trên 95% dân số tham gia bảo hiểm y tế.\n"
    "Sở Y tế chủ trì, phối hợp với Bảo hiểm xã hội tỉnh triển khai kế hoạch.\n",
    "b.txt": "KẾ HOẠCH\nĐến năm 2025, tỷ lệ tiêm chủng đầy đủ cho trẻ em dưới 1 tuổi đạt trên 95%.\n"
    "Ủy ban nhân dân các huyện chủ trì thực hiện; Sở Tài chính phối hợp.\n" * 3,
    "c.txt": "KẾ HOẠCH\nGiảm tỷ lệ suy dinh dưỡng thể thấp còi ở trẻ em dưới 5 tuổi xuống dưới 20% vào năm 2030.\n"
    "Sở Y tế chủ trì.\n" * 2,
}


def _unavailable(why: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{why}: CI must run the browser test (.ci/run installs chromium)")
    pytest.skip(why)


@pytest.fixture(scope="module")
def browser():
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        _unavailable("no chromium on PATH (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (the dev extra has it)")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """A tagged run of three small plans, its report, and a diff against a gold that differs."""
    tmp = tmp_path_factory.mktemp("report")
    model = tmp / "rules"
    RuleTagger().save(model)
    folder = tmp / "plans"
    folder.mkdir()
    for name, text in PLANS.items():
        (folder / name).write_text(text, encoding="utf-8")
    tagged = tmp / "tagged.jsonl"
    tag_files([str(folder)], tagged, model=model, n_jobs=1, progress=False)
    # the rule tagger gives no confidences: score its spans as a model would, keeping the rest
    lines = [json.loads(line) for line in tagged.read_text(encoding="utf-8").splitlines()]
    for line in lines:
        for k, span in enumerate(line["spans"]):
            span["score"] = round(0.5 + 0.07 * k, 3) % 1.0
    tagged.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
    predicted = list(read_documents(tagged))
    gold = []
    for doc in predicted:
        # gold: the first prediction is spurious, the last one a boundary error, and the title
        # (which nothing predicts) a missed span
        spans = list(doc.spans)
        assert len(spans) > 2 and spans[0].start > len("KẾ HOẠCH")
        last = spans[-1]
        wider = Span(last.start, min(len(doc.text), last.end + 2), last.label)
        gold.append(Document(doc.id, doc.text, (Span(0, len("KẾ HOẠCH"), "INDICATOR"), *spans[1:-1], wider)))
    gold_file = tmp / "gold.jsonl"
    write_documents(gold_file, gold)
    plain = write_report(tagged, tmp / "report.html")
    diff = write_report(tagged, tmp / "diff.html", gold=gold_file)
    return {"plain": (tmp / "report.html", plain, predicted), "diff": (tmp / "diff.html", diff, predicted)}


def _open(browser, path: Path):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []

    def refuse(route):
        if not route.request.url.startswith("file://"):
            requests.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    page.route("**/*", refuse)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-ready='1']", timeout=10_000)
    return page, requests, errors


def _column(page, table: str, index: int) -> list[str]:
    return page.eval_on_selector_all(
        f"#{table} tbody tr:not([hidden])", f"rows => rows.map(r => r.cells[{index}].textContent.trim())"
    )


def test_report_renders_spans_sorts_and_filters(browser, reports):
    path, report, predicted = reports["plain"]
    page, requests, errors = _open(browser, path)
    assert requests == [] and errors == []
    # every predicted span is drawn, once, in its label's colour, with its score on hover
    drawn = page.eval_on_selector_all("mark.p", "ms => [...new Set(ms.map(m => m.dataset.span))].length")
    assert drawn == report.spans == sum(len(d.spans) for d in predicted)
    colours = page.eval_on_selector_all(
        "mark.p", "ms => Object.fromEntries(ms.map(m => [m.dataset.label, getComputedStyle(m).backgroundColor]))"
    )
    assert len(set(colours.values())) == len(colours) >= 3  # one colour per label
    mark = page.locator("mark.p[data-score]").first
    mark.hover()
    tip = page.evaluate("m => getComputedStyle(m, '::after').content", mark.element_handle())
    assert "score" in tip and mark.get_attribute("data-label") in tip
    # the documents table sorts by a numeric column both ways
    header = page.locator("#index-table th", has_text="characters")
    header.click()
    sizes = [int(v) for v in _column(page, "index-table", 1)]
    assert sizes == sorted(sizes) and len(set(sizes)) > 1
    header.click()
    assert [int(v) for v in _column(page, "index-table", 1)] == sorted(sizes, reverse=True)
    # the records table filters, accents optional
    total = len(_column(page, "records-table", 1))
    assert total == report.records > 1
    page.fill("input[data-table='records-table']", "tiem chung")
    kept = _column(page, "records-table", 1)
    assert 0 < len(kept) < total and all("tiêm chủng" in k for k in kept)
    assert page.text_content(".shown[data-table='records-table']") == f"{len(kept)} of {total} rows"
    # a record's indicator links to its span in the text
    link = page.locator("#records-table tbody tr:not([hidden]) td:nth-child(2) a").first
    target = link.get_attribute("href")
    link.click()
    assert page.evaluate("location.hash") == target
    assert page.evaluate(f"document.getElementById('{target[1:]}').dataset.label") == "INDICATOR"
    page.fill("input[data-table='records-table']", "")
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.goto(path.as_uri())
    page.screenshot(path=str(ARTEFACTS / "report.png"), full_page=True)
    assert (ARTEFACTS / "report.png").stat().st_size > 10_000


def test_diff_view_shows_each_kind(browser, reports):
    path, _, _ = reports["diff"]
    page, requests, errors = _open(browser, path)
    assert requests == [] and errors == []
    kinds = page.eval_on_selector_all(
        "mark.p", "ms => [...new Set(ms.flatMap(m => [...m.classList].filter(c => c.startsWith('k-'))))].sort()"
    )
    assert kinds == ["k-boundary", "k-correct", "k-spurious"]
    assert page.locator(".text span.g.missed").count() == len(PLANS)  # each title
    assert page.locator(".text span.g:not(.missed)").count() == len(PLANS)  # the widened ends
    shadow = page.eval_on_selector("mark.k-spurious", "m => getComputedStyle(m).boxShadow")
    assert shadow != "none"  # the kind is drawn, not only named
    page.screenshot(path=str(ARTEFACTS / "report-diff.png"), full_page=True)
