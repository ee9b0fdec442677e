"""Ids and the paths made from them are checked in one place (plannlp.annotate.ids)."""

import os

import pytest

from plannlp.annotate import gold
from plannlp.annotate.ids import check_id, corpus_file, id_path
from plannlp.annotate.manifest import ingest
from plannlp.data import DataError

TEXT = "Phấn đấu đến năm 2030 trên 95% dân số tham gia bảo hiểm y tế. Sở Y tế chủ trì.\n"


@pytest.mark.parametrize("bad", ["..", "../x", "a/../../x", "/etc/passwd", ".hidden", "a\\b", "", None, "a b"])
def test_unusable_ids_are_refused(bad):
    with pytest.raises(DataError, match="unusable document id"):
        check_id(bad)


def test_usable_ids_and_their_paths(tmp_path):
    assert check_id("gov-005d8820eb95c1cb") == "gov-005d8820eb95c1cb"
    assert check_id("pretrain-s3.l12") == "pretrain-s3.l12"
    assert id_path(tmp_path, "gov-a", ".tsv") == tmp_path / "gov-a.tsv"
    with pytest.raises(DataError, match="not a plain file name"):
        corpus_file(tmp_path, "../x.html")


def test_preannotate_refuses_an_id_that_leaves_out(tmp_path):
    clean_dir, out = tmp_path / "corpus" / "clean", tmp_path / "corpus" / "drafts"
    clean_dir.mkdir(parents=True)
    (clean_dir / "gov-a.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "corpus" / "evil.txt").write_text(TEXT, encoding="utf-8")
    with pytest.raises(DataError, match="unusable document id '../evil'"):
        gold.preannotate(["../evil"], clean_dir, out)
    assert not (tmp_path / "corpus" / "evil.tsv").exists() and not out.exists()
    [path] = gold.preannotate(["gov-a"], clean_dir, out)
    assert path == out / "gov-a.tsv"


def test_preannotate_does_not_write_through_a_symlink(tmp_path):
    clean_dir, out = tmp_path / "clean", tmp_path / "drafts"
    clean_dir.mkdir()
    out.mkdir()
    (clean_dir / "gov-a.txt").write_text(TEXT, encoding="utf-8")
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    os.symlink(victim, out / "gov-a.tsv")
    with pytest.raises(DataError, match="symbolic link"):
        gold.preannotate(["gov-a"], clean_dir, out, force=True)
    assert victim.read_text(encoding="utf-8") == "keep me"


def test_ingest_does_not_follow_a_symlink_in_raw(tmp_path):
    src = tmp_path / "in" / "plan.txt"
    src.parent.mkdir()
    src.write_text(TEXT, encoding="utf-8")
    corpus = tmp_path / "corpus"
    (corpus / "raw" / "gov").mkdir(parents=True)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    os.symlink(victim, corpus / "raw" / "gov" / "plan.txt")
    with pytest.raises(DataError, match="symbolic link; refusing to write through it"):
        ingest([src], source="test", prefix="gov", corpus_dir=corpus)
    assert victim.read_text(encoding="utf-8") == "keep me"
    os.unlink(corpus / "raw" / "gov" / "plan.txt")
    [result] = ingest([src], source="test", prefix="gov", corpus_dir=corpus)
    assert result.id == "gov-plan" and (corpus / "raw" / "gov" / "plan.txt").read_bytes() == src.read_bytes()


def test_ingest_refuses_a_file_name_that_is_no_id(tmp_path):
    src = tmp_path / "kế hoạch.txt"
    src.write_text(TEXT, encoding="utf-8")
    with pytest.raises(DataError, match="unusable document id"):
        ingest([src], source="test", prefix="gov", corpus_dir=tmp_path / "corpus")
