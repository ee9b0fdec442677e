"""The scraper against a real HTTP server on 127.0.0.1 (pytest-httpserver, threaded)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Response

from plannlp.clean.encoding import decode_bytes
from plannlp.data import DataError
from plannlp.acquire.scrape import (
    STATE_FILE,
    USER_AGENT,
    _extract_main_text,
    _parse_tree,
    read_records,
    read_url_list,
    scrape,
)

DATA = Path(__file__).parent / "data" / "scrape"
FIXTURES = ("portal_ubnd", "legacy_soyte", "news_plan")
# Page furniture of the fixtures that the main text must not carry ("Tin nổi bật" of the legacy
# page's sidebar still comes through trafilatura, so it is not listed).
FURNITURE = ("Trang chủ", "Bản quyền", "Đọc nhiều nhất", "Tin liên quan", "Lượt xem", "lượt truy cập")
# Settings that keep a test run short: no politeness pause, tiny timeouts and backoff.
FAST = dict(delay=0.0, timeout=2.0, retries=2, backoff=0.01, progress=False)
VI_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")


def html_of(name: str) -> str:
    return (DATA / f"{name}.html").read_text(encoding="utf-8")


def gold_lines(name: str) -> list[str]:
    return (DATA / f"{name}.gold.txt").read_text(encoding="utf-8").splitlines()


def to_cp1258(text: str) -> bytes:
    """Windows-1258 bytes: letters with a circumflex, breve or horn precomposed, tone marks combining."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in VI_TONES))
        out.append(base + "".join(c for c in parts if c in VI_TONES))
    return "".join(out).encode("cp1258")


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    # requests would send even 127.0.0.1 through a proxy named in the environment
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")


@pytest.fixture(scope="module")
def running_server():
    srv = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def server(running_server):
    yield running_server
    running_server.clear()  # handlers and request log start empty for every test


def serve_robots(srv: HTTPServer, text: str = "User-agent: *\nDisallow:\n") -> None:
    srv.expect_request("/robots.txt").respond_with_data(text, content_type="text/plain")


def hits(srv: HTTPServer, path: str) -> int:
    return sum(1 for request, _ in srv.log if request.path == path)


def records_in_file(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / STATE_FILE).read_text(encoding="utf-8").splitlines()]


def serve_fixture_pages(srv: HTTPServer) -> dict[str, str]:
    """The three fixture pages, one in UTF-8, one in NFD UTF-8, one in windows-1258."""
    srv.expect_request("/tin-tuc/ke-hoach-y-te-co-so").respond_with_data(
        html_of("portal_ubnd").encode("utf-8"), content_type="text/html; charset=utf-8"
    )
    srv.expect_request("/tin.asp").respond_with_data(
        to_cp1258(html_of("legacy_soyte")), content_type="text/html"
    )
    srv.expect_request("/thoi-su/hai-van-tuoi-tho.html").respond_with_data(
        unicodedata.normalize("NFD", html_of("news_plan")).encode("utf-8"),
        content_type="text/html; charset=UTF-8",
    )
    return {
        "portal_ubnd": srv.url_for("/tin-tuc/ke-hoach-y-te-co-so"),
        "legacy_soyte": srv.url_for("/tin.asp?id=245"),
        "news_plan": srv.url_for("/thoi-su/hai-van-tuoi-tho.html"),
    }


def test_fetches_pages_with_raw_bytes_metadata_and_main_text(server, tmp_path):
    serve_robots(server)
    urls = serve_fixture_pages(server)
    summary = scrape(list(urls.values()), tmp_path, **FAST)
    assert (summary.fetched, summary.failed, summary.cached) == (3, 0, 0)

    records = read_records(tmp_path)
    for name, url in urls.items():
        record = records[url]
        assert record.outcome == "fetched" and record.http_status == 200 and record.final_url == url
        raw = (tmp_path / record.html_path).read_bytes()
        served = next(resp.get_data() for req, resp in server.log if req.url == url)
        assert raw == served  # kept exactly as served, not re-encoded
        text = (tmp_path / record.text_path).read_text(encoding="utf-8")
        assert unicodedata.is_normalized("NFC", text)
        for line in gold_lines(name):
            assert line in text, (name, line)
        for furniture in FURNITURE:
            assert furniture not in text, (name, furniture)

    portal = records[urls["portal_ubnd"]]
    assert portal.title == "Kế hoạch nâng cao chất lượng y tế cơ sở giai đoạn 2024 - 2030"
    # the meta tag wins over the "today" widget in the top bar (20/06/2024)
    assert (portal.published, portal.published_source) == ("2024-05-14", "meta")
    news = records[urls["news_plan"]]
    assert (news.published, news.published_source) == ("2024-04-05", "header")
    assert unicodedata.is_normalized("NFC", news.title) and news.title.startswith("Thành phố Hải Vân")
    legacy = records[urls["legacy_soyte"]]
    assert (legacy.published, legacy.published_source) == ("2024-03-12", "text")
    assert (legacy.encoding, legacy.encoding_source) == ("cp1258", "meta")
    assert all(req.headers["User-Agent"] == USER_AGENT for req, _ in server.log)
    assert re.fullmatch(r"plannlp/\S+ \(\+research\)", USER_AGENT)


def test_windows_1258_page_decodes_back_to_the_nfc_text():
    text = html_of("legacy_soyte")
    body = to_cp1258(text)
    assert body.decode("cp1258") != text  # the bytes really carry combining tone marks
    decoded, encoding, source = decode_bytes(body, "text/html")
    assert (decoded, encoding, source) == (unicodedata.normalize("NFC", text), "cp1258", "meta")
    undeclared = to_cp1258(text.replace("charset=windows-1258", ""))
    decoded, encoding, source = decode_bytes(undeclared, "text/html")
    assert (encoding, source) == ("cp1258", "detected")
    assert "Kế hoạch đặt mục tiêu giảm tỷ lệ suy dinh dưỡng thể thấp còi" in decoded


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        ("<p>Sở Y tế</p>".encode("cp1258", "ignore"), "text/html; charset=windows-1258", ("cp1258", "http")),
        # a server default of iso-8859-1 in front of a UTF-8 page is not believed
        (
            '<meta charset="utf-8"><p>Bảo hiểm y tế</p>'.encode(),
            "text/html; charset=ISO-8859-1",
            ("utf-8", "meta"),
        ),
        (b"\xef\xbb\xbf<p>" + "Trạm y tế".encode(), "text/html; charset=windows-1258", ("utf-8", "bom")),
        ("<p>Trạm y tế</p>".encode(), "text/html", ("utf-8", "utf-8")),
        (b"<p>plain ascii</p>", "text/html; charset=latin1", ("cp1252", "http")),
    ],
)
def test_declared_encodings(body, content_type, expected):
    text, encoding, source = decode_bytes(body, content_type)
    assert (encoding, source) == expected
    assert unicodedata.is_normalized("NFC", text)


def test_404_fails_that_url_only_and_is_not_asked_again(server, tmp_path):
    serve_robots(server)
    server.expect_request("/mat-trang").respond_with_data("Không tìm thấy", status=404)
    server.expect_request("/ok").respond_with_data(html_of("news_plan"), content_type="text/html")
    urls = [server.url_for("/mat-trang"), server.url_for("/ok")]
    summary = scrape(urls, tmp_path, **FAST)
    assert (summary.fetched, summary.failed) == (1, 1)
    assert summary.failures == ((urls[0], "HTTP 404"),)
    assert hits(server, "/mat-trang") == 1  # a 404 is final: no retries
    again = scrape(urls, tmp_path, **FAST)
    assert (again.cached, again.fetched, again.failed) == (2, 0, 0)
    assert hits(server, "/mat-trang") == 1


def test_500_then_200_is_retried(server, tmp_path):
    serve_robots(server)
    answers = iter(
        [Response("lỗi máy chủ", status=500), Response(html_of("news_plan"), content_type="text/html")]
    )
    server.expect_request("/flaky").respond_with_handler(lambda request: next(answers))
    summary = scrape([server.url_for("/flaky")], tmp_path, **FAST)
    assert (summary.fetched, summary.failed) == (1, 0)
    assert hits(server, "/flaky") == 2


def test_500_for_good_is_a_retryable_failure_tried_again_next_run(server, tmp_path):
    serve_robots(server)
    server.expect_request("/down").respond_with_data("lỗi", status=503)
    url = server.url_for("/down")
    summary = scrape([url], tmp_path, **FAST)
    assert summary.failures == ((url, "HTTP 503 after 3 attempt(s)"),)
    assert hits(server, "/down") == 3
    assert read_records(tmp_path)[url].retryable
    scrape([url], tmp_path, **FAST)
    assert hits(server, "/down") == 6


def test_429_waits_for_retry_after(server, tmp_path):
    serve_robots(server)
    seen: list[float] = []

    def handler(request):
        seen.append(time.monotonic())
        if len(seen) == 1:
            return Response("chậm lại", status=429, headers={"Retry-After": "1"})
        return Response(html_of("news_plan"), content_type="text/html")

    server.expect_request("/busy").respond_with_handler(handler)
    summary = scrape([server.url_for("/busy")], tmp_path, **FAST)
    assert summary.fetched == 1
    assert len(seen) == 2 and seen[1] - seen[0] >= 0.95


def test_retry_after_beyond_the_limit_gives_up_on_that_url(server, tmp_path):
    serve_robots(server)
    server.expect_request("/busy").respond_with_data("", status=429, headers={"Retry-After": "3600"})
    server.expect_request("/other").respond_with_data(html_of("news_plan"), content_type="text/html")
    urls = [server.url_for("/busy"), server.url_for("/other")]
    started = time.monotonic()
    summary = scrape(urls, tmp_path, **{**FAST, "max_retry_after": 5})
    assert time.monotonic() - started < 3
    assert summary.failed == 2 and "Retry-After 3600" in summary.failures[0][1]
    assert hits(server, "/other") == 0  # the host asked for an hour's pause, so it gets it
    assert all(r.retryable for r in read_records(tmp_path).values())


def test_retry_after_as_an_http_date():
    import email.utils
    from datetime import datetime, timedelta, timezone

    import requests

    from plannlp.acquire.scrape import _retry_after

    resp = requests.Response()
    resp.headers["Retry-After"] = email.utils.format_datetime(
        datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True
    )
    assert 28 <= _retry_after(resp) <= 30
    resp.headers["Retry-After"] = "not a date"
    assert _retry_after(resp) is None


def test_robots_txt_errors(server, tmp_path):
    server.expect_request("/robots.txt").respond_with_data("", status=503)
    server.expect_request("/a").respond_with_data(html_of("news_plan"), content_type="text/html")
    urls = [server.url_for("/a"), server.url_for("/a?page=2")]
    summary = scrape(urls, tmp_path, **FAST)
    # "unknown rules" means no crawling now, and the host is not asked for robots.txt again this run
    assert summary.failed == 2 and hits(server, "/a") == 0 and hits(server, "/robots.txt") == 3
    assert summary.failures[0][1] == "robots.txt unavailable: HTTP 503 after 3 attempt(s)"
    server.clear()
    server.expect_request("/robots.txt").respond_with_data("", status=403)
    assert scrape(urls, tmp_path, **FAST).skipped_robots == 2  # the failures were retryable


def test_slow_page_times_out_and_the_run_goes_on(server, tmp_path):
    serve_robots(server)

    def slow(request):
        time.sleep(0.6)
        return Response(html_of("news_plan"), content_type="text/html")

    server.expect_request("/slow").respond_with_handler(slow)
    server.expect_request("/fast").respond_with_data(html_of("news_plan"), content_type="text/html")
    urls = [server.url_for("/slow"), server.url_for("/fast")]
    summary = scrape(urls, tmp_path, **{**FAST, "timeout": 0.15, "retries": 1})
    assert (summary.fetched, summary.failed) == (1, 1)
    assert summary.failures == ((urls[0], "timed out after 2 attempt(s)"),)
    assert read_records(tmp_path)[urls[0]].retryable


def test_a_slow_drip_body_is_bounded_by_the_timeout(server, tmp_path):
    """Each byte arrives well within the read timeout, but the whole page would take 8 s."""
    serve_robots(server)
    page = html_of("news_plan").encode("utf-8")
    stop = threading.Event()

    def drip():
        for i in range(0, len(page), max(1, len(page) // 80)):
            if stop.wait(0.1):
                return
            yield page[i : i + max(1, len(page) // 80)]

    server.expect_request("/drip").respond_with_handler(lambda request: Response(drip(), content_type="text/html"))
    start = time.monotonic()
    summary = scrape([server.url_for("/drip")], tmp_path, **{**FAST, "timeout": 0.8, "retries": 0})
    took = time.monotonic() - start
    stop.set()
    assert summary.failures == ((server.url_for("/drip"), "the response took longer than the 0.8 s timeout"),)
    assert took < 4.0  # the drip alone lasts 8 s; the bound is the timeout, not each read
    assert read_records(tmp_path)[server.url_for("/drip")].retryable


def test_redirects_are_followed_and_a_loop_is_an_error(server, tmp_path):
    serve_robots(server)
    server.expect_request("/old").respond_with_data("", status=301, headers={"Location": "/new"})
    server.expect_request("/new").respond_with_data(html_of("news_plan"), content_type="text/html")
    server.expect_request("/a").respond_with_data("", status=302, headers={"Location": "/b"})
    server.expect_request("/b").respond_with_data("", status=302, headers={"Location": "/a"})
    server.expect_request("/far").respond_with_data("", status=302, headers={"Location": "/old"})
    urls = [server.url_for(p) for p in ("/old", "/a", "/far")]
    summary = scrape(urls, tmp_path, **{**FAST, "max_redirects": 1})
    records = read_records(tmp_path)
    assert records[urls[0]].final_url == server.url_for("/new")
    assert records[urls[1]].outcome == "failed"
    assert records[urls[1]].reason.startswith("redirect loop: ")
    assert records[urls[2]].reason == "more than 1 redirects"
    assert (summary.fetched, summary.failed) == (1, 2)


def test_robots_txt_disallow_is_respected(server, tmp_path):
    serve_robots(server, "User-agent: plannlp\nDisallow: /noi-bo/\n\nUser-agent: *\nDisallow: /\n")
    server.expect_request("/noi-bo/ke-hoach").respond_with_data("bí mật", content_type="text/html")
    server.expect_request("/cong-khai").respond_with_data(html_of("news_plan"), content_type="text/html")
    server.expect_request("/chuyen").respond_with_data("", status=302, headers={"Location": "/noi-bo/x"})
    urls = [server.url_for(p) for p in ("/noi-bo/ke-hoach", "/cong-khai", "/chuyen")]
    summary = scrape(urls, tmp_path, **FAST)
    assert (summary.fetched, summary.skipped_robots) == (1, 2)
    assert hits(server, "/noi-bo/ke-hoach") == 0 and hits(server, "/noi-bo/x") == 0
    assert hits(server, "/robots.txt") == 1
    assert read_records(tmp_path)[urls[2]].outcome == "skipped_robots"


def test_non_html_files_are_skipped_with_a_reason(server, tmp_path):
    serve_robots(server)
    server.expect_request("/kh.pdf").respond_with_data(b"%PDF-1.4\n%\xe2\xe3", content_type="application/pdf")
    server.expect_request("/anh.png").respond_with_data(b"\x89PNG\r\n\x1a\n", content_type="image/png")
    server.expect_request("/x").respond_with_data(b"\x00\x01binary", content_type="")
    urls = [server.url_for(p) for p in ("/kh.pdf", "/anh.png", "/x")]
    summary = scrape(urls, tmp_path, **FAST)
    assert summary.skipped_non_html == 3 and summary.failed == 0
    records = read_records(tmp_path)
    assert records[urls[0]].reason == "not HTML: application/pdf"
    assert records[urls[1]].reason == "not HTML: image/png"
    assert not (tmp_path / "html").exists()


def test_per_host_delay_spaces_requests(server, tmp_path):
    seen: list[float] = []

    def handler(request):
        seen.append(time.monotonic())
        if request.path == "/robots.txt":
            return Response("", status=404)
        return Response(html_of("news_plan"), content_type="text/html")

    for path in ("/robots.txt", "/1", "/2"):
        server.expect_request(path).respond_with_handler(handler)
    scrape([server.url_for("/1"), server.url_for("/2")], tmp_path, **{**FAST, "delay": 0.25})
    assert len(seen) == 3
    assert min(b - a for a, b in zip(seen, seen[1:])) >= 0.24


def test_rerun_fetches_nothing(server, tmp_path):
    serve_robots(server)
    urls = list(serve_fixture_pages(server).values())
    server.expect_request("/kh.pdf").respond_with_data(b"%PDF", content_type="application/pdf")
    urls.append(server.url_for("/kh.pdf"))
    first = scrape(urls + urls[:1], tmp_path, **FAST)  # a repeated URL is fetched once
    assert (first.fetched, first.skipped_non_html) == (3, 1)
    requests_before = len(server.log)
    second = scrape(urls, tmp_path, **FAST)
    assert len(server.log) == requests_before  # not even robots.txt
    assert (second.cached, second.fetched, second.total) == (4, 0, 4)
    assert len(records_in_file(tmp_path)) == 4


def test_resumes_after_a_killed_run(server, tmp_path):
    serve_robots(server)
    reached, release = threading.Event(), threading.Event()

    def blocking(request):
        reached.set()
        release.wait(10)
        return Response(html_of("news_plan"), content_type="text/html")

    paths = [f"/bai-{i}" for i in range(5)]
    for path in paths:
        if path == "/bai-2":
            server.expect_request(path).respond_with_handler(blocking)
        else:
            server.expect_request(path).respond_with_data(html_of("portal_ubnd"), content_type="text/html")
    urls = [server.url_for(p) for p in paths]
    code = (
        "import sys; from plannlp.acquire.scrape import scrape; "
        "scrape(sys.argv[2:], sys.argv[1], delay=0, timeout=20, retries=0, progress=False)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(tmp_path), *urls], env=os.environ.copy())
    try:
        assert reached.wait(30), "the first run never reached the third page"
    finally:
        proc.kill()  # SIGKILL: no cleanup code runs
        proc.wait()
        release.set()
    assert len(records_in_file(tmp_path)) == 2

    summary = scrape(urls, tmp_path, **FAST)
    assert (summary.cached, summary.fetched) == (2, 3)
    assert [hits(server, p) for p in paths] == [1, 1, 2, 1, 1]
    records = records_in_file(tmp_path)
    assert sorted(r["url"] for r in records) == sorted(urls)
    assert all(r["outcome"] == "fetched" for r in records)
    assert sorted(p.name for p in (tmp_path / "html").iterdir()) == sorted(
        Path(r["html_path"]).name for r in records
    )


def test_a_truncated_last_line_is_dropped_and_the_url_fetched_again(server, tmp_path):
    serve_robots(server)
    urls = list(serve_fixture_pages(server).values())
    scrape(urls[:2], tmp_path, **FAST)
    state = tmp_path / STATE_FILE
    lines = state.read_text(encoding="utf-8").splitlines(keepends=True)
    state.write_text(lines[0] + lines[1][: len(lines[1]) // 2], encoding="utf-8")  # killed mid-write
    half_written = tmp_path / "html" / ".0123456789abcdef.html.k2j4h5.tmp"
    half_written.write_bytes(b"<html><body>Ke hoa")
    assert list(read_records(tmp_path)) == urls[:1]

    summary = scrape(urls, tmp_path, **FAST)
    assert (summary.cached, summary.fetched) == (1, 2)
    assert [r["url"] for r in records_in_file(tmp_path)] == [urls[0], urls[1], urls[2]]
    assert not half_written.exists()

    state.write_text(lines[0] + "{not json\n" + lines[0], encoding="utf-8")
    with pytest.raises(DataError, match=rf"{STATE_FILE}:2: invalid JSON"):
        read_records(tmp_path)


def test_main_text_beats_a_plain_text_baseline():
    """Bag-of-words precision and recall against the plan text of each fixture."""
    import trafilatura

    def overlap(out: str, gold: str) -> tuple[int, int, int]:
        o, g = Counter(re.findall(r"\w+", out.lower())), Counter(re.findall(r"\w+", gold.lower()))
        tp = sum((o & g).values())
        return tp, sum(o.values()) - tp, sum(g.values()) - tp

    totals = {"trafilatura": [0, 0, 0], "plain": [0, 0, 0]}
    for name in FIXTURES:
        html = html_of(name)
        gold = "\n".join(gold_lines(name))
        outputs = {
            "trafilatura": _extract_main_text(_parse_tree(html), html, "http://127.0.0.1/"),
            "plain": trafilatura.html2txt(html),
        }
        for system, out in outputs.items():
            totals[system] = [a + b for a, b in zip(totals[system], overlap(out, gold))]
    scores = {}
    for system, (tp, fp, fn) in totals.items():
        scores[system] = (tp / (tp + fp), tp / (tp + fn))
        precision, recall = scores[system]
        print(f"{system}: tp={tp} fp={fp} fn={fn} precision={precision:.3f} recall={recall:.3f}")
    assert scores["trafilatura"][0] > scores["plain"][0] + 0.1
    assert scores["trafilatura"][1] >= 0.98


def test_url_list_and_bad_input(tmp_path):
    listing = tmp_path / "urls.txt"
    listing.write_text("# trang thử\nhttp://127.0.0.1:9/a\n\n  https://127.0.0.1:9/b  \n", encoding="utf-8")
    assert read_url_list(listing) == ["http://127.0.0.1:9/a", "https://127.0.0.1:9/b"]
    listing.write_text("http://127.0.0.1:9/a\nftp://127.0.0.1/x\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"urls.txt:2: not an http\(s\) URL"):
        read_url_list(listing)
    # a list that is not UTF-8 once gave the codec's message alone (`plannlp: error: 'utf-8' codec can't decode ...`)
    listing.write_bytes(b"http://127.0.0.1:9/a\nhttp://127.0.0.1:9/caf\xe9\n")
    with pytest.raises(DataError, match=r"urls\.txt:2: not UTF-8 text"):
        read_url_list(listing)
    with pytest.raises(ValueError, match="not an http"):
        scrape(["127.0.0.1/plan"], tmp_path, **FAST)


def test_cli_scrape(server, tmp_path):
    from typer.testing import CliRunner

    import plannlp.cli.scrape  # noqa: F401  registers the command
    from plannlp.cli.app import app

    serve_robots(server)
    urls = serve_fixture_pages(server)
    listing = tmp_path / "urls.txt"
    listing.write_text("\n".join(urls.values()) + "\n", encoding="utf-8")
    out = tmp_path / "web"
    args = ["scrape", "--urls", str(listing), "--out", str(out), "--delay", "0", "--no-progress"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "3 URLs: 3 fetched, 0 cached, 0 failed" in result.output
    result = CliRunner().invoke(app, args)
    assert "3 URLs: 0 fetched, 3 cached" in result.output
