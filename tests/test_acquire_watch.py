"""Discovery, attachments, the doctype classifier and `plannlp watch` against a local server that
plays a provincial portal (pytest-httpserver): a sitemap index with a gzipped sitemap, an RSS
feed, paginated listings with relative links, a moved page, a page updated in place, a PDF
attachment and a broken page."""

from __future__ import annotations

import gzip
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Response

from plannlp.acquire.attachments import extract_text
from plannlp.acquire.discover import SourceSpec, discover, normalise_url, parse_feed, parse_listing, parse_sitemap
from plannlp.data import DataError

PLAN = (
    "KẾ HOẠCH Nâng cao chất lượng y tế cơ sở tỉnh {n} giai đoạn 2026-2030\n"
    "Phấn đấu đến năm 2030 trên 95% dân số tham gia bảo hiểm y tế. "
    "Sở Y tế chủ trì, phối hợp với Bảo hiểm xã hội tỉnh tổ chức thực hiện.\n"
    "Đến năm 2028, 100% trạm y tế xã có bác sĩ làm việc.\n"
)


def page(title: str, body: str, extra: str = "") -> str:
    paras = "".join(f"<p>{line}</p>" for line in body.splitlines() if line.strip())
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>" + title + "</title></head><body>"
        "<header><nav><a href='/lien-he.html'>Liên hệ</a> <a href='/'>Trang chủ</a></nav></header>"
        f"<main><article><h1>{title}</h1>{paras}{extra}</article></main>"
        "<footer><a href='/gioi-thieu.html'>Giới thiệu</a></footer></body></html>"
    )


def minimal_pdf(text: str) -> bytes:
    """A one-page PDF with ``text`` in Helvetica (ASCII), offsets computed so readers accept it."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")


class Portal:
    """The fake portal's pages, mutable between runs (a page updated in place, a new page)."""

    def __init__(self, server: HTTPServer):
        self.server = server
        self.base = server.url_for("/").rstrip("/")
        self.pages = {
            f"/bai-viet/ke-hoach-{n}.html": page(f"Kế hoạch y tế cơ sở {n}", PLAN.format(n=n)) for n in "abcdefgh"
        }
        self.pages["/bai-viet/ke-hoach-a.html"] = page(
            "Kế hoạch y tế cơ sở a", PLAN.format(n="a"), "<p><a href='../files/ke-hoach-a.pdf'>Tải về</a></p>"
        )
        self.lastmod = {p: "2026-01-05" for p in self.pages}
        self.pdf = minimal_pdf("Kê hoach tiêm chúng: phân dâu dat 98% tré em duoc tiêm chúng dây dú, tù nãm 2026 dên nãm 2030.")
        self.hits: Counter[str] = Counter()
        server.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n", content_type="text/plain")
        server.expect_request("").respond_with_handler(self.handle)

    def sitemap(self, paths) -> bytes:
        urls = "".join(
            f"<url><loc>{self.base}{p}</loc><lastmod>{self.lastmod[p]}</lastmod></url>" for p in paths
        )
        return ('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                + urls + "</urlset>").encode()

    def handle(self, request):
        path = request.path + (("?" + request.query_string.decode()) if request.query_string else "")
        self.hits[path] += 1
        html = "text/html; charset=utf-8"
        if path == "/sitemap.xml":  # an index: one plain sitemap, one gzipped
            body = ('<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                    f"<sitemap><loc>{self.base}/sitemap-1.xml</loc></sitemap>"
                    "<sitemap><loc>/sitemap-2.xml.gz</loc></sitemap></sitemapindex>")
            return Response(body, content_type="application/xml")
        if path == "/sitemap-1.xml":
            return Response(self.sitemap(["/bai-viet/ke-hoach-a.html", "/bai-viet/ke-hoach-b.html"]),
                            content_type="application/xml")
        if path == "/sitemap-2.xml.gz":
            extra = [p for p in self.pages if p.endswith(("-c.html", "-h.html", "-new.html"))]
            return Response(gzip.compress(self.sitemap(extra)), content_type="application/gzip")
        if path == "/rss.xml":
            items = "".join(
                f"<item><title>t</title><link>{self.base}{p}</link><pubDate>{self.lastmod[p]}</pubDate></item>"
                for p in ("/bai-viet/ke-hoach-b.html", "/bai-viet/ke-hoach-d.html")
            )
            return Response(f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>',
                            content_type="application/rss+xml")
        if path == "/tin-tuc":  # page 1: relative links, a moved page, "Xem tiếp"
            body = ("<html><body><main><ul>"
                    "<li><a href='bai-viet/ke-hoach-e.html'>e</a></li>"
                    "<li><a href='./bai-viet/ke-hoach-a.html#top'>a again</a></li>"
                    "<li><a href='/bai-viet/cu/ke-hoach-h.html'>h, old address</a></li>"
                    "</ul><a href='?page=2'>Xem tiếp</a></main></body></html>")
            return Response(body, content_type=html)
        if path == "/tin-tuc?page=2":  # numbered pages, a broken page
            body = ("<html><body><main><a href='/bai-viet/ke-hoach-f.html'>f</a>"
                    "<a href='/bai-viet/hong.html'>broken</a>"
                    "<div class='pager'><a href='/tin-tuc?page=1'>1</a> <a href='/tin-tuc?page=2'>2</a> "
                    "<a href='/tin-tuc?page=3'>3</a></div></main></body></html>")
            return Response(body, content_type=html)
        if path in ("/tin-tuc?page=3", "/tin-tuc?page=1"):
            body = ("<html><body><main><a href='../bai-viet/ke-hoach-g.html'>g</a>"
                    "<a href='/tin-tuc?page=2'>2</a></main></body></html>")
            return Response(body, content_type=html)
        if path == "/bai-viet/cu/ke-hoach-h.html":
            return Response("", status=301, headers={"Location": "/bai-viet/ke-hoach-h.html"})
        if path == "/bai-viet/hong.html":
            return Response("broken", status=500)
        if path == "/files/ke-hoach-a.pdf":
            return Response(self.pdf, content_type="application/pdf")
        if path in self.pages:
            return Response(self.pages[path], content_type=html)
        return Response("not found", status=404)


@pytest.fixture
def portal():
    srv = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    srv.start()
    yield Portal(srv)
    srv.clear()
    srv.stop()


def sources_file(tmp_path: Path, portal: Portal) -> Path:
    path = tmp_path / "SOURCES.yaml"
    path.write_text(
        "delay: 0\ntimeout: 5\nretries: 0\nsources:\n"
        "  - name: test-portal\n"
        f"    sitemaps: [{portal.base}/sitemap.xml]\n"
        f"    feeds: [{portal.base}/rss.xml]\n"
        f"    listings: [{portal.base}/tin-tuc]\n"
        "    include: ['/bai-viet/']\n",
        encoding="utf-8",
    )
    return path


def dataset(out: Path) -> list[dict]:
    path = out / "dataset.jsonl"
    return [json.loads(l) for l in path.read_text(encoding="utf-8").splitlines()] if path.is_file() else []


ALL = ("health-plan", "health-news", "other")  # tag every page: the test is about the loop, not the model


def run(tmp_path, portal, **kw):
    from plannlp.acquire.watch import run_watch

    return run_watch(sources_file(tmp_path, portal), tmp_path / "out", keep=ALL, n_jobs=1, retries=0, **kw)


# --------------------------------------------------------------------------- parsing


def test_sitemap_feed_and_listing_parsers():
    pages, nested = parse_sitemap(
        b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>http://x/s1.xml</loc>'
        b"</sitemap></sitemapindex>"
    )
    assert pages == [] and nested == ["http://x/s1.xml"]
    pages, _ = parse_sitemap(gzip.compress(b"<urlset><url><loc>http://x/a</loc><lastmod>2026-01-01</lastmod></url></urlset>"))
    assert pages == [("http://x/a", "2026-01-01")]
    atom = (b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><link href="/a.html"/><updated>2026-02-01</updated>'
            b'<link rel="enclosure" href="/a.pdf"/></entry></feed>')
    assert parse_feed(atom, "http://x/feed") == [("http://x/a.html", "2026-02-01", False), ("http://x/a.pdf", "2026-02-01", True)]
    docs, pages = parse_listing(
        "<nav><a href='/menu'>menu</a></nav><a href='doc.html'>d</a><a href='?page=2'>2</a>"
        "<a href='/list?page=3'>Trang sau</a><a rel='next' href='/list/page/4'>›</a>",
        "http://x/list",
    )
    assert docs == ["http://x/doc.html"]
    assert pages == ["http://x/list?page=2", "http://x/list?page=3", "http://x/list/page/4"]
    assert normalise_url("HTTP://X.org:80/a?utm_source=f&id=2#frag") == "http://x.org/a?id=2"


def test_source_spec_is_checked():
    with pytest.raises(DataError, match="unknown key"):
        SourceSpec.from_dict({"name": "a", "sitemap": "x"})
    with pytest.raises(DataError, match="give sitemaps"):
        SourceSpec.from_dict({"name": "a"})


def test_pdf_and_docx_text(tmp_path):
    text, why = extract_text(minimal_pdf("phan dau dat 95%"), ".pdf")
    assert why is None and "phan dau dat 95%" in text
    import docx

    d = docx.Document()
    d.add_paragraph("Phấn đấu đến năm 2030 đạt 95%")
    d.save(tmp_path / "a.docx")
    text, why = extract_text((tmp_path / "a.docx").read_bytes(), ".docx")
    assert why is None and "Phấn đấu đến năm 2030" in text
    assert extract_text(b"\xd0\xcf\x11\xe0old word", ".doc")[0] is None
    assert extract_text(b"%PDF-1.4 broken", ".pdf")[0] is None


# --------------------------------------------------------------------------- discovery on the portal


def test_discovery_finds_every_plan_page_once(portal):
    from plannlp.acquire.scrape import _Fetcher

    spec = SourceSpec.from_dict({"name": "p", "sitemaps": [f"{portal.base}/sitemap.xml"],
                                 "feeds": [f"{portal.base}/rss.xml"], "listings": [f"{portal.base}/tin-tuc"],
                                 "include": ["/bai-viet/"]})
    fetcher = _Fetcher(delay=0, timeout=5, retries=0, backoff=0, max_retry_after=1, max_redirects=5,
                       max_bytes=10**7, user_agent="test")
    found = discover(spec, fetcher)
    urls = [c.url for c in found.candidates]
    assert len(urls) == len(set(urls))
    plans = {f"{portal.base}/bai-viet/ke-hoach-{n}.html" for n in "abcdefgh"}
    assert plans <= set(urls)  # from the sitemap index (plain + gzip), the feed and all listing pages
    assert set(urls) - plans == {f"{portal.base}/bai-viet/cu/ke-hoach-h.html", f"{portal.base}/bai-viet/hong.html"}
    assert not any("lien-he" in u or "gioi-thieu" in u for u in urls)  # menus and footers are skipped
    assert portal.hits["/tin-tuc?page=2"] == 1 and portal.hits["/tin-tuc?page=3"] == 1  # each listing page once
    lastmod = {c.url: c.lastmod for c in found.candidates}
    assert lastmod[f"{portal.base}/bai-viet/ke-hoach-b.html"] == "2026-01-05"


# --------------------------------------------------------------------------- the watch loop


def test_watch_loop_new_only_updates_versions_and_reruns(tmp_path, portal):
    report = run(tmp_path, portal)
    rows = dataset(tmp_path / "out")
    urls = [r["url"] for r in rows]
    plans = {f"{portal.base}/bai-viet/ke-hoach-{n}.html" for n in "abcdefgh"}
    pdf = f"{portal.base}/files/ke-hoach-a.pdf"
    assert set(urls) == plans | {pdf} and len(urls) == len(set(urls))  # every plan once; the PDF kept as such
    assert (tmp_path / "out" / "files").is_dir() and any((tmp_path / "out" / "files").iterdir())
    pdf_row = next(r for r in rows if r["url"] == pdf)
    assert pdf_row["kind"] == "attachment" and "98%" in pdf_row["text"]
    assert pdf_row["parent"] == f"{portal.base}/bai-viet/ke-hoach-a.html"
    # the moved page is the document it now points at, not a second copy
    assert report.aliases == [(f"{portal.base}/bai-viet/cu/ke-hoach-h.html", f"{portal.base}/bai-viet/ke-hoach-h.html")]
    assert any(u.endswith("/hong.html") for u, _ in report.failed)
    row = next(r for r in rows if r["url"].endswith("ke-hoach-b.html"))
    for key in ("source", "url", "fetched_at", "doctype", "doctype_score", "doctype_model", "tagger_model", "sha256"):
        assert row[key] not in (None, "")
    assert row["records"], "the plan's targets should come out as records"
    assert any("Sở Y tế" in a["agency"] for a in row["agencies"])
    assert report.tagged == len(rows)
    assert "new document versions" in report.format()

    # a rerun with nothing new: the dataset is unchanged and no document page is fetched again
    before = Counter(portal.hits)
    report2 = run(tmp_path, portal)
    assert dataset(tmp_path / "out") == rows
    assert report2.new == [] and report2.tagged == 0
    again = {p for p in portal.hits if portal.hits[p] > before[p]}
    assert again == {"/sitemap.xml", "/sitemap-1.xml", "/sitemap-2.xml.gz", "/rss.xml", "/tin-tuc",
                     "/tin-tuc?page=2", "/tin-tuc?page=3", "/tin-tuc?page=1", "/bai-viet/hong.html"}

    # the portal updates a page in place and publishes a new one: only those two are fetched and tagged
    portal.pages["/bai-viet/ke-hoach-b.html"] = page("Kế hoạch y tế cơ sở b (sửa đổi)", PLAN.format(n="b2"))
    portal.lastmod["/bai-viet/ke-hoach-b.html"] = "2026-02-01"
    portal.pages["/bai-viet/ke-hoach-new.html"] = page("Kế hoạch mới", PLAN.format(n="new"))
    portal.lastmod["/bai-viet/ke-hoach-new.html"] = "2026-02-02"
    before = Counter(portal.hits)
    report3 = run(tmp_path, portal)
    rows3 = dataset(tmp_path / "out")
    assert rows3[: len(rows)] == rows  # old results kept
    added = rows3[len(rows):]
    assert sorted((r["url"].rsplit("/", 1)[1], r["version"]) for r in added) == [
        ("ke-hoach-b.html", 2), ("ke-hoach-new.html", 1)]
    assert report3.tagged == 2
    docs_fetched = {p for p in portal.hits if portal.hits[p] > before[p] and p.startswith("/bai-viet/")}
    assert docs_fetched == {"/bai-viet/ke-hoach-b.html", "/bai-viet/ke-hoach-new.html", "/bai-viet/hong.html"}


@pytest.mark.parametrize("kill_after", [1, 4])
def test_kill_and_resume_loses_nothing_and_tags_nothing_twice(tmp_path, portal, monkeypatch, kill_after):
    import plannlp.acquire.watch as watch

    real_append = watch._append
    calls = {"n": 0}

    class Killed(BaseException):  # not an Exception: nothing in the loop may swallow it, like a SIGKILL
        pass

    def dying_append(path, obj):
        if calls["n"] >= kill_after:
            raise Killed()
        calls["n"] += 1
        real_append(path, obj)

    monkeypatch.setattr(watch, "_append", dying_append)
    with pytest.raises(Killed):
        run(tmp_path, portal)
    killed_rows = dataset(tmp_path / "out")
    assert len(killed_rows) == kill_after
    monkeypatch.setattr(watch, "_append", real_append)
    report = run(tmp_path, portal)
    rows = dataset(tmp_path / "out")
    ids = [r["doc_id"] for r in rows]
    assert len(ids) == len(set(ids)) == 9  # eight plan pages and the PDF, each once
    assert rows[:kill_after] == killed_rows
    # the killed run tagged everything before it died; the resumed run tagged nothing again
    assert report.tagged == 0
    assert len(report.new) == 9 - kill_after


def test_ray_engine_without_ray_fails_clearly(tmp_path, portal, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # as if Ray were not installed
    with pytest.raises(DataError, match="needs Ray"):
        run(tmp_path, portal, engine="ray")
    assert portal.hits == Counter()  # before any request


def test_ray_engine_tags_what_the_local_engine_tags(tmp_path, portal):
    pytest.importorskip("ray.data")
    from plannlp.acquire.watch import run_watch

    found = {}
    for engine in ("local", "ray"):
        out = tmp_path / engine
        report = run_watch(sources_file(tmp_path, portal), out, keep=ALL, n_jobs=1, retries=0, engine=engine)
        rows = dataset(out)
        # (a record's doc_id is the tagged file's path, which names the output folder)
        found[engine] = {r["doc_id"]: (r["spans"], [{**x, "doc_id": None} for x in r["records"]]) for r in rows}
        assert report.tagged == len(rows) == 9
    assert found["ray"] == found["local"]


# --------------------------------------------------------------------------- the classifier


def test_json_model_scores_like_scikit_learn(tmp_path):
    """A model trained on a few documents gives, read back from JSON, scikit-learn's probabilities."""
    from plannlp.acquire import classify

    texts = {
        "p1": PLAN.format(n="x"), "p2": PLAN.format(n="y") + " dinh dưỡng", "p3": PLAN.format(n="z"),
        "n1": "Báo Dân trí đưa tin tỉnh vừa ban hành kế hoạch y tế, phấn đấu 95% dân số có bảo hiểm y tế.",
        "n2": "Theo phóng viên, Sở Y tế cho biết tỉnh phấn đấu 100% trạm y tế có bác sĩ; tin bài mới.",
        "n3": "Phóng viên đưa tin: ngành y tế đặt mục tiêu tiêm chủng 98%, theo báo điện tử.",
        "o1": "Quyết định công bố thủ tục hành chính lĩnh vực đất đai và thuế.",
        "o2": "Công văn về chính sách thuế giá trị gia tăng đối với hàng hóa nhập khẩu.",
        "o3": "Nghị quyết sắp xếp đơn vị hành chính cấp xã, thủ tục hành chính đất đai.",
    }
    corpus = _tiny_labelled_corpus(tmp_path, texts)
    grid = [{"tokenizer": "syllable", "ngram_max": 2, "C": 10.0}]
    run_record = classify.train(corpus / "doclabels.tsv", corpus, None, tmp_path / "m", folds=3, grid=grid)
    assert run_record["format"] == "plannlp-run/1" and run_record["files"] == {"model": "model.json"}
    assert run_record["metrics"]["counts"] == {"health-plan": 3, "health-news": 3, "other": 3}
    assert set(run_record["metrics"]["cv"]["per_class"]) == set(classify.CLASSES)
    assert run_record["data"]["documents"]["checksum"].startswith("sha256:")
    spec = json.loads((tmp_path / "m" / "model.json").read_text())
    assert not any(str(v).startswith("\x80") for v in spec)  # plain JSON, no pickle
    model = classify.DocTypeModel.load(tmp_path / "m")

    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    toks = [classify.tokens(t, "syllable") for t in texts.values()]
    y = [{"p": "health-plan", "n": "health-news", "o": "other"}[d[0]] for d in texts]
    vec = TfidfVectorizer(analyzer=lambda t: classify.ngrams(t, 2), sublinear_tf=True, min_df=2,
                          max_features=30000)
    clf = LogisticRegression(C=10.0, class_weight="balanced", max_iter=2000, random_state=13)
    clf.fit(vec.fit_transform(toks), y)
    probe = "Kế hoạch phấn đấu 90% dân số tham gia bảo hiểm y tế, Sở Y tế chủ trì"
    expected = clf.predict_proba(vec.transform([classify.tokens(probe, "syllable")]))[0]
    got = model.predict(probe)
    for cls, p in zip(clf.classes_, expected):
        assert got.scores[cls] == pytest.approx(p, abs=1e-4)
    assert got.label == clf.classes_[expected.argmax()]


def _tiny_labelled_corpus(tmp_path, texts):
    corpus = tmp_path / "corpus"
    (corpus / "clean").mkdir(parents=True)
    lines = ["doc\tshared_path\tlabel\tlabelled_by\tnote"]
    for doc, text in texts.items():
        (corpus / "clean" / f"{doc}.txt").write_text(text, encoding="utf-8")
        label = {"p": "health-plan", "n": "health-news", "o": "other"}[doc[0]]
        lines.append(f"{doc}\t\t{label}\ttest\t")
    (corpus / "doclabels.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return corpus


def test_document_features_score_like_the_fitted_pipeline(tmp_path):
    """With document features, the JSON model's probabilities equal the fitted scikit-learn model's."""
    from plannlp.acquire import classify

    texts = {
        "p1": PLAN.format(n="x"), "p2": PLAN.format(n="y") + " dinh dưỡng", "p3": PLAN.format(n="z") + " tiêm chủng",
        "n1": "Phóng viên cho biết tỉnh vừa ban hành kế hoạch y tế, phấn đấu 95% dân số có bảo hiểm y tế.",
        "n2": "Theo báo, Sở Y tế cho biết tỉnh phấn đấu 100% trạm y tế có bác sĩ; tin bài mới.",
        "n3": "Phóng viên đưa tin: ngành y tế đặt mục tiêu tiêm chủng 98%, theo báo điện tử.",
        "o1": "Quyết định công bố thủ tục hành chính lĩnh vực đất đai và thuế.",
        "o2": "Kế hoạch phát triển kinh tế số, phấn đấu 30% doanh nghiệp số đến năm 2030.",
        "o3": "Nghị quyết sắp xếp đơn vị hành chính cấp xã, thủ tục hành chính đất đai.",
    }
    corpus = _tiny_labelled_corpus(tmp_path, texts)
    setting = {"tokenizer": "syllable", "ngram_max": 1, "C": 10.0, "features": 0.5}
    classify.train(corpus / "doclabels.tsv", corpus, None, tmp_path / "m", folds=3, grid=[setting])
    model = classify.DocTypeModel.load(tmp_path / "m")
    assert model.features == list(classify.FEATURES) and model.feature_weight == 0.5
    toks = [classify.tokens(t, "syllable") for t in texts.values()]
    feats = np.vstack([classify.doc_features(t) for t in texts.values()])
    y = [{"p": "health-plan", "n": "health-news", "o": "other"}[d[0]] for d in texts]
    fitted = classify._Fitted(setting, 13).fit(toks, feats, y)
    probe = "Kế hoạch phấn đấu 90% dân số tham gia bảo hiểm y tế, Sở Y tế chủ trì"
    expected = fitted.clf.predict_proba(fitted._matrix([classify.tokens(probe, "syllable")],
                                                       classify.doc_features(probe)[None, :], False))[0]
    got = model.predict(probe)
    for cls, p in zip(fitted.clf.classes_, expected):
        assert got.scores[cls] == pytest.approx(p, abs=1e-4)


def test_document_features_see_targets_health_and_form():
    from plannlp.acquire.classify import FEATURES, doc_features

    plan = dict(zip(FEATURES, doc_features("KẾ HOẠCH\nSố: 12/KH-UBND\nCăn cứ ...\nPhấn đấu 95% trạm y tế có bác sĩ "
                                            "đến năm 2030; Sở Y tế chủ trì, phối hợp.")))
    other = dict(zip(FEATURES, doc_features("Giá vàng hôm nay tăng mạnh, nhà đầu tư cho biết thị trường sôi động.")))
    assert plan["target"] > 0 and plan["health"] > 0 and plan["official"] > 0 and plan["health_x_target"] > 0
    assert other["target"] == other["health"] == other["official"] == 0
    assert other["news"] > 0


def test_near_duplicates_share_a_group():
    from plannlp.acquire.classify import near_duplicate_groups

    a = "Kế hoạch thực hiện công tác dân số trong tình hình mới trên địa bàn thành phố, phấn đấu mức sinh thay thế " * 3
    groups = near_duplicate_groups([a, a + " Nơi nhận: như trên.", "Một bài báo hoàn toàn khác về giá xăng dầu hôm nay."])
    assert groups[0] == groups[1] != groups[2]


def test_committed_doctype_model_loads_and_scores():
    from plannlp.acquire.classify import CLASSES, DocTypeModel

    model = DocTypeModel.load()
    got = model.predict(PLAN.format(n="Lạng Sơn"))
    assert got.label in CLASSES and 0 < got.score <= 1
    assert sum(got.scores.values()) == pytest.approx(1.0)


def test_committed_labels_name_existing_documents():
    """Every row of corpus/doclabels.tsv outside shared/plans names a file that exists, with a known label."""
    from plannlp.acquire.classify import CLASSES, read_labels

    root = Path(__file__).resolve().parents[1]
    docs = read_labels(root / "corpus" / "doclabels.tsv", root / "corpus", None)  # raises on a missing file
    assert {d.label for d in docs} <= set(CLASSES)
    assert any(d.doc.startswith("doctype/") and d.label == "health-plan" for d in docs)


def test_doctype_train_refuses_a_labels_file_that_is_not_the_label_table(tmp_path):
    # a CSV (or any file without the doc and label columns) given as --labels ended in a KeyError traceback
    import subprocess

    labels = tmp_path / "labels.csv"
    labels.write_text("doc,label\ngov-a,health-plan\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "plannlp", "doctype", "train", "--labels", str(labels), "--corpus", str(tmp_path),
         "--shared", str(tmp_path), "--out", str(tmp_path / "model")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert f"plannlp: error: {labels}: not a document label table" in done.stderr
    assert not (tmp_path / "model").exists()
