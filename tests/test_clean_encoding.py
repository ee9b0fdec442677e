"""Double-encoded UTF-8 (mojibake) is repaired, not taken for Vietnamese; good text is untouched."""

import pytest

from plannlp import clean
from plannlp.clean.encoding import decode_bytes, repair_mojibake

PLAN = "Phấn đấu đến năm 2030 trên 95% dân số tham gia bảo hiểm y tế.\nSở Y tế chủ trì, phối hợp với Bảo hiểm xã hội tỉnh.\n"


@pytest.mark.parametrize("wrong", ["cp1252", "latin-1"])
def test_double_encoded_utf8_is_repaired_by_clean(wrong):
    mojibake = PLAN.encode("utf-8").decode(wrong, errors="replace" if wrong == "cp1252" else "strict")
    assert "Ã" in mojibake or "Ä" in mojibake
    as_bytes = mojibake.encode("utf-8")  # a page saved after one wrong decode: valid UTF-8 of the wrong text
    assert clean(as_bytes, kind="text") == PLAN.strip()
    assert clean(mojibake, kind="text") == PLAN.strip()  # the same through the str API
    assert decode_bytes(as_bytes)[0] == PLAN


def test_good_text_is_left_as_it_is():
    good = "“CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM” – Ảnh: LÊ PHONG; 12°15′25″B; ﬁ x² …"
    assert repair_mojibake(good) == good
    assert repair_mojibake(PLAN) == PLAN
