import json
import unicodedata

from plannlp.annotate.validate import json_document_problems, validate_file
from plannlp.data import text_checksum

TEXT = "Phấn đấu đến năm 2030 trên 95% dân số tham gia bảo hiểm y tế; Sở Y tế chủ trì."


def doc(spans, text=TEXT, **meta):
    return {"id": "d1", "text": text, "spans": spans, "meta": meta}


def span(quote, label, text=TEXT):
    start = text.index(quote)
    return {"start": start, "end": start + len(quote), "label": label}


def test_clean_document_has_no_problems():
    spans = [span("năm 2030", "YEAR"), span("trên", "COMPARATOR"), span("95%", "VALUE"),
             span("dân số tham gia bảo hiểm y tế", "INDICATOR"), span("Sở Y tế", "AGENCY")]
    assert json_document_problems(doc(spans, checksum=text_checksum(TEXT))) == []


def test_each_kind_of_problem_is_reported():
    s = TEXT.index("Sở Y tế")
    spans = [
        {"start": s, "end": s + 3, "label": "AGENCY"},  # "Sở " trailing space
        {"start": s + 1, "end": s + 5, "label": "AGENCY"},  # overlaps, starts inside a word
        {"start": 0, "end": 5, "label": "TARGET"},  # unknown label
        {"start": 10, "end": 999, "label": "VALUE"},  # past the end
        span("bảo hiểm y tế;", "INDICATOR"),  # trailing punctuation
    ]
    problems = json_document_problems(doc(spans, checksum="sha256:feed"))
    text = "\n".join(problems)
    for needle in ("starts or ends with space or punctuation", "overlap", "starts inside a word",
                   "unknown label", "ends past the text", "meta.checksum"):
        assert needle in text, needle


def test_nfd_text_is_reported_and_manifest_checksum_compared(tmp_path):
    nfd = unicodedata.normalize("NFD", TEXT)
    problems = json_document_problems(doc([], text=nfd), {"d1": text_checksum(TEXT)})
    assert any("NFC" in p for p in problems)
    assert any("manifest" in p for p in problems)


def test_validate_file_gives_file_and_line(tmp_path):
    path = tmp_path / "x.jsonl"
    lines = [json.dumps(doc([span("năm 2030", "YEAR")])), "{not json", json.dumps(doc([span("ấn đấu", "YEAR")]))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    n, problems = validate_file(path)
    assert n == 3
    assert any(p.startswith(f"{path}:2: invalid JSON") for p in problems)
    assert any(p.startswith(f"{path}:3: d1:") and "starts inside a word" in p for p in problems)
    assert any("duplicate id" in p for p in problems)
    assert not any(p.startswith(f"{path}:1:") for p in problems)


def test_spans_outside_the_labelled_regions_are_problems():
    year, agency = span("năm 2030", "YEAR"), span("Sở Y tế", "AGENCY")
    obj = {**doc([year, agency]), "regions": [[0, TEXT.index(";")]]}
    problems = json_document_problems(obj)
    assert problems == [f"[{agency['start']}, {agency['end']}) AGENCY 'Sở Y tế': lies outside the labelled regions"]
    assert json_document_problems({**doc([year]), "regions": [[0, TEXT.index(";")]]}) == []
    bad = json_document_problems({**doc([year]), "regions": [[0, True], [5, 10**6], [0, 8], [4, 9]]})
    assert "region [0, True] is not a [start, end] pair of integers" in bad
    assert any("outside the text" in p for p in bad) and "regions [0, 8) and [4, 9) overlap" in bad


def test_a_boolean_offset_is_refused():
    problems = json_document_problems(doc([{"start": 0, "end": True, "label": "YEAR"}]))
    assert problems == ["span offsets must be integers, got 0, True"]


def test_a_line_that_is_not_utf8_is_a_problem_on_its_line(tmp_path):
    # a non-UTF-8 byte once stopped `corpus validate` with the codec's message, naming neither
    # the file nor the line, and no other line was checked
    path = tmp_path / "x.jsonl"
    good = json.dumps(doc([span("năm 2030", "YEAR")]), ensure_ascii=False).encode("utf-8")
    path.write_bytes(good + b'\n{"id": "d2", "text": "\xff\xfe"}\n' + good.replace(b'"d1"', b'"d3"') + b"\n")
    n, problems = validate_file(path)
    assert n == 3 and problems == [f"{path}:2: not UTF-8 text (column 23)"]
