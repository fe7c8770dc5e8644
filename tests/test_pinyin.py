"""Pinyin keys: full spelling, initials, and every reading of a character with several."""

from crmtui.store.pinyin import search_text


def test_person_name_has_full_pinyin_and_initials():
    assert search_text("张伟").split() == ["张伟", "zhangwei", "zw"]


def test_company_initials_start_with_the_city():
    assert "bjhn" in search_text("北京华南科技有限公司")


def test_each_reading_of_a_polyphonic_character_is_indexed():
    key = search_text("长城重工")
    assert "zhangchengzhonggong" in key and "changchengzhonggong" in key
    assert "zczg" in key and "cczg" in key


def test_latin_names_are_lowered_only():
    assert search_text("Acme Corp") == "acme corp"


def test_mixed_names_keep_letters_and_digits():
    assert "wangxiaomingvip" in search_text("王 小明 (VIP)")


def test_archaic_readings_are_not_indexed():
    # pypinyin's heteronyms read 有 wei, 限 wen, 司 ci, 技 qi, 份 bin, 宁 zhu: the standard list has none of them
    assert search_text("宁波永泰环保科技股份有限公司") == (
        "宁波永泰环保科技股份有限公司 ningboyongtaihuanbaokejigufenyouxiangongsi nbythbkjgfyxgs"
    )


def test_modern_polyphones_keep_every_reading_and_the_usual_one_first():
    assert search_text("行长").split()[:3] == ["行长", "xingzhang", "xz"]
    assert {"hangzhang", "xingchang"} <= set(search_text("行长").split())
    assert {"zengli", "zl"} <= set(search_text("曾丽").split())
