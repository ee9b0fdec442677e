"""Layout features: heading paths, list items, table columns, inline column headers, cue words."""

from __future__ import annotations

from plannlp.segment import segment
from plannlp.tag.baselines.structure import analyse_lines, layout_features

PLAN = """KẾ HOẠCH
I. TÌNH HÌNH
Năm qua đã có 90% trạm y tế có bác sĩ.
II. MỤC TIÊU
2. Mục tiêu cụ thể
b) Đến năm 2030
- 100% trạm y tế xã có bác sĩ.
III. TỔ CHỨC THỰC HIỆN
Đơn vị chủ trì: Sở Y tế.
STT
Nội dung
Đơn vị chủ trì
Đơn vị phối hợp
Thời gian
1
Tiêm chủng mở rộng
Sở Y tế
Sở Tài chính
Năm 2026
Kết thúc bảng bằng một câu dài hơn các ô để bảng dừng lại ở đây.
"""


def _line(lines, text, needle):
    return next(ln for ln in lines if text[ln.start : ln.end].startswith(needle))


def test_heading_path_list_items_and_tables() -> None:
    lines = analyse_lines(PLAN)
    item = _line(lines, PLAN, "- 100%")
    path = [PLAN[lines[i].start : lines[i].end] for i in item.path]
    assert path == ["II. MỤC TIÊU", "2. Mục tiêu cụ thể", "b) Đến năm 2030"]
    assert item.kind == "bullet" and not item.heading
    assert _line(lines, PLAN, "III.").path == ()  # a new top-level heading closes the old path
    assert _line(lines, PLAN, "Sở Y tế").column == "lead"
    assert _line(lines, PLAN, "Sở Tài chính").column == "coord"
    assert _line(lines, PLAN, "Năm 2026").column == "time"
    assert _line(lines, PLAN, "Đơn vị chủ trì:").inline_column[1] == "lead"
    assert _line(lines, PLAN, "Kết thúc").column is None  # more cells than columns: out of the table


def test_layout_features_per_word() -> None:
    sentences = segment(PLAN)
    rows = layout_features(PLAN, sentences)
    by_text = {}
    for sentence, feats in zip(sentences, rows):
        for token, f in zip(sentence.tokens, feats):
            by_text.setdefault(token.text, f)
    hundred = next(f for s, fs in zip(sentences, rows) for t, f in zip(s.tokens, fs) if t.text.startswith("100"))
    assert hundred["H.target"] and hundred["H.specific"] and hundred["H0.year"] and hundred["L.first"]
    assert hundred["L.kind"] == "bullet"
    past = next(fs[0] for s, fs in zip(sentences, rows) if s.tokens[0].text == "Năm")
    assert past["H.past"] and past["S.past"] and "H.target" not in past
    inline = next(fs for s, fs in zip(sentences, rows) if PLAN[s.start : s.end].startswith("Đơn vị chủ trì:"))
    assert inline[-2]["T.col"] == "lead" and "T.col" not in inline[0]


TARGET_TABLE = """TT
Chỉ tiêu
Chủ trì
I. Kinh tế số
1
Kinh tế số chiếm 45% GRDP tỉnh.
Sở Tài chính
II. Xã hội số
1
Tỷ lệ phủ sóng 5G đạt 100%.
Sở Khoa học và Công nghệ
III. TỔ CHỨC THỰC HIỆN
1. Sở Y tế chủ trì triển khai kế hoạch.
"""


def test_group_rows_keep_a_table_only_when_asked() -> None:
    old = analyse_lines(TARGET_TABLE)
    assert _line(old, TARGET_TABLE, "I. Kinh tế số").column is None  # without group rows the table ends here
    assert _line(old, TARGET_TABLE, "Tỷ lệ phủ sóng").column is None
    lines = analyse_lines(TARGET_TABLE, group_rows=True)
    group = _line(lines, TARGET_TABLE, "II. Xã hội số")
    assert group.column == "group" and group.kind == "group" and not group.heading
    assert _line(lines, TARGET_TABLE, "Tỷ lệ phủ sóng").column == "target"
    assert _line(lines, TARGET_TABLE, "Sở Khoa học").column == "lead"
    # a marked line not followed by a row number is the end of the table, not a group row
    end = _line(lines, TARGET_TABLE, "III. TỔ CHỨC")
    assert end.column is None and end.heading


def test_a_group_row_may_take_two_lines() -> None:
    text = "STT\nNhiệm vụ\nĐơn vị thực hiện\nThời gian thực hiện\nA\nPHÁT TRIỂN NỀN MÓNG\n1.1\nRà soát quy định\nSở Tư pháp\n2026 - 2030\n"
    lines = analyse_lines(text, group_rows=True)
    assert _line(lines, text, "A").column == "group" and _line(lines, text, "PHÁT").column == "group"
    assert _line(lines, text, "Sở Tư pháp").column == "lead" and _line(lines, text, "2026").column == "time"
    assert _line(analyse_lines(text), text, "2026").column is None  # the old reading lost the table at "A"
