"""plannlp.annotate.manifest: ingest, the manifest, load_clean_document, and the overwrite guard."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from typer.testing import CliRunner

from plannlp.clean import clean
from plannlp.annotate.manifest import (
    MANIFEST_COLUMNS,
    ingest,
    load_clean_document,
    read_manifest,
)
from plannlp.data import DataError, text_checksum

DATA = Path(__file__).parent / "data" / "clean"
NEWS = """# doc_id = news_health_999
# url = https://example.invalid/suc-khoe/bai-viet.htm
# date = 20201001
Bộ Y tế phấn đấu 95% dân số tham gia bảo hiểm y tế vào năm 2025
Dân trí Bộ Y tế vừa ban hành kế hoạch nâng cao chất lượng y tế cơ sở trong tình hình mới.
Theo kế hoạch, đến năm 2025 có trên 95% dân số tham gia bảo hiểm y tế; Sở Y tế các tỉnh chủ trì thực hiện.
"""


@pytest.fixture
def inputs(tmp_path: Path) -> list[Path]:
    src = tmp_path / "in"
    src.mkdir()
    news = src / "dantri-news_health_999.txt"
    news.write_text(NEWS, encoding="utf-8")
    gov = src / "005d8820eb95c1cb.md"
    gov.write_bytes((DATA / "gov-005d8820eb95c1cb.raw.md").read_bytes())
    return [news, gov]


def test_ingest_copies_cleans_and_records(tmp_path, inputs):
    corpus = tmp_path / "corpus"
    results = ingest([inputs[0]], source="github:undertheseanlp/resources", licence="GPL-3.0",
                     prefix="news", corpus_dir=corpus)
    assert [(r.id, r.status) for r in results] == [("news-dantri-news_health_999", "added")]
    assert (corpus / "raw" / "news" / inputs[0].name).read_bytes() == inputs[0].read_bytes()
    text = (corpus / "clean" / "news-dantri-news_health_999.txt").read_text(encoding="utf-8")
    assert text == clean(inputs[0].read_bytes())
    assert text.startswith("Bộ Y tế phấn đấu") and "# url" not in text and "Dân trí" not in text

    header = (corpus / "manifest.tsv").read_text(encoding="utf-8").split("\n")[0]
    assert header.split("\t") == list(MANIFEST_COLUMNS)
    rows = read_manifest(corpus)
    clean_row = rows[("news-dantri-news_health_999", "clean")]
    assert clean_row.checksum == text_checksum(text)
    assert clean_row.path == "clean/news-dantri-news_health_999.txt"
    assert clean_row.source == "github:undertheseanlp/resources" and clean_row.licence == "GPL-3.0"
    assert clean_row.url == "https://example.invalid/suc-khoe/bai-viet.htm" and clean_row.date == "2020-10-01"
    assert clean_row.title == "Bộ Y tế phấn đấu 95% dân số tham gia bảo hiểm y tế vào năm 2025"
    assert "plannlp" in clean_row.produced_by
    assert rows[("news-dantri-news_health_999", "raw")].path == "raw/news/dantri-news_health_999.txt"


def test_load_clean_document_checks_the_checksum(tmp_path, inputs):
    corpus = tmp_path / "corpus"
    ingest(inputs[1:], source="github:tnt305/tai_lieu_noi_bo", prefix="gov", corpus_dir=corpus)
    doc = load_clean_document("gov-005d8820eb95c1cb", corpus)
    assert doc.text == clean(inputs[1].read_bytes())
    assert doc.meta["checksum"] == doc.checksum and doc.meta["source"] == "github:tnt305/tai_lieu_noi_bo"
    assert doc.meta["title"].startswith("Công văn 5348/CT-CS")
    (corpus / "clean" / "gov-005d8820eb95c1cb.txt").write_text(doc.text + " ", encoding="utf-8")
    with pytest.raises(DataError, match="checksum"):
        load_clean_document("gov-005d8820eb95c1cb", corpus)
    with pytest.raises(DataError, match="not in"):
        load_clean_document("gov-missing", corpus)


def test_ingest_refuses_to_change_an_existing_clean_text_without_force(tmp_path, inputs):
    corpus = tmp_path / "corpus"
    ingest(inputs, source="test", prefix="gov", corpus_dir=corpus)
    clean_file = corpus / "clean" / "gov-005d8820eb95c1cb.txt"
    older = clean_file.read_text(encoding="utf-8").replace("Cục Thuế", "Cục  Thuế", 1)
    clean_file.write_text(older, encoding="utf-8")  # as an older cleaner would have left it
    before = read_manifest(corpus)

    again = {r.id: r.status for r in ingest(inputs, source="test", prefix="gov", corpus_dir=corpus)}
    assert again == {"gov-005d8820eb95c1cb": "kept", "gov-dantri-news_health_999": "unchanged"}
    assert clean_file.read_text(encoding="utf-8") == older
    assert read_manifest(corpus) == before

    forced = ingest(inputs[1:], source="test", prefix="gov", corpus_dir=corpus, force=True)
    assert [r.status for r in forced] == ["replaced"]
    text = clean_file.read_text(encoding="utf-8")
    assert text != older and read_manifest(corpus)[("gov-005d8820eb95c1cb", "clean")].checksum == text_checksum(text)


def test_nfd_input_gives_the_same_clean_text_and_checksum(tmp_path, inputs):
    nfd = tmp_path / "nfd" / inputs[0].name
    nfd.parent.mkdir()
    nfd.write_text(unicodedata.normalize("NFD", NEWS), encoding="utf-8")
    a = ingest([inputs[0]], source="t", prefix="news", corpus_dir=tmp_path / "a")
    b = ingest([nfd], source="t", prefix="news", corpus_dir=tmp_path / "b")
    assert a[0].clean_path.read_text(encoding="utf-8") == b[0].clean_path.read_text(encoding="utf-8")


def test_bad_input_leaves_the_corpus_untouched(tmp_path, inputs):
    corpus = tmp_path / "corpus"
    binary = tmp_path / "in" / "broken.txt"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    with pytest.raises(DataError, match="broken.txt.*binary"):
        ingest([inputs[0], binary], source="t", prefix="news", corpus_dir=corpus)
    assert not corpus.exists()
    with pytest.raises(DataError, match="prefix"):
        ingest(inputs, source="t", prefix="wiki", corpus_dir=corpus)


def test_cli_ingest(tmp_path, inputs):
    from plannlp.cli import _register
    from plannlp.cli.app import app

    _register()
    corpus = tmp_path / "corpus"
    args = ["corpus", "ingest", *map(str, inputs), "--source", "test", "--prefix", "news",
            "--licence", "none stated", "--corpus-dir", str(corpus)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "2 added" in result.output
    assert sorted(p.name for p in (corpus / "clean").iterdir()) == [
        "news-005d8820eb95c1cb.txt", "news-dantri-news_health_999.txt"]
    row = read_manifest(corpus)[("news-005d8820eb95c1cb", "clean")]
    assert row.produced_by.startswith("plannlp corpus ingest --source test --prefix news")
