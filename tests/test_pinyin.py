"""Pinyin keys: full spelling, initials, and every reading of a character with several."""

import pytest

from crmtui.store.customers.pinyin import _char_key, search_text


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


def _character_by_character(name: str) -> str:
    """The key as the module describes it, read one character at a time (what search_text computes faster)."""
    lowered = name.lower()
    if lowered.isascii():
        return lowered
    keys = [_char_key(c) for c in lowered]
    full, initials = [k[0] for k in keys], [k[1] for k in keys]
    variants = [lowered, "".join(full), "".join(initials)]
    for i, (_, _, others) in enumerate(keys):
        for other in others:
            variants.append("".join(full[:i]) + other + "".join(full[i + 1 :]))
            variants.append("".join(initials[:i]) + other[0] + "".join(initials[i + 1 :]))
    return " ".join(dict.fromkeys(variants))


@pytest.mark.parametrize(
    "name",
    [
        "重庆长城重工",
        "行长",
        "曾丽",
        "ＡＣＭＥ长沙（分）公司-2号",
        "北京 华南 Co., Ltd.",
        "长\x00城",
        "İstanbul长",
        "𠀀长",
        "ⅷ长",
        "张伟",
    ],
)
def test_the_key_is_the_character_by_character_recipe_on_first_sight_and_after(name):
    assert search_text(name) == _character_by_character(name)
    assert search_text(name) == _character_by_character(name)  # now from the filled tables
