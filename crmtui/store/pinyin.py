"""Pinyin search keys, so `zw`, `zhangwei` and `bjhn` find 张伟 and 北京华南….

A name's key holds the name itself (lower case), its full pinyin and its initials; a character with several
readings (长 → zhang/chang) adds, for each other reading, the full pinyin and initials with that one character
read so (linear, not every combination, so long names stay small). The readings are the modern standard ones
(《通用规范汉字字典》, pypinyin-dict's ktghz2013 list), not pypinyin's heteronyms, which carry archaic readings
(有 → wei, 限 → wen, 司 → ci...) that tripled the key of every "…有限公司" name. The first reading stays
pypinyin's usual one (长 → zhang). Readings are cached per character: pypinyin per name runs at ~19k names/s, the
cache several times faster (DESIGN.md).
"""

from __future__ import annotations

from functools import lru_cache

MAX_OTHER_READINGS = 2


@lru_cache(maxsize=None)
def _char_key(char: str) -> tuple[str, str, tuple[str, ...]]:
    """(full pinyin, initial, other readings) of one character; letters and digits stand for themselves."""
    if "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff":
        found = _readings(char)
        return found[0], found[0][:1], tuple(found[1 : 1 + MAX_OTHER_READINGS])
    return (char, char, ()) if char.isalnum() else ("", "", ())


def _readings(char: str) -> list[str]:
    """pypinyin's usual reading of CHAR first, then its other modern standard readings (toneless, ü as v)."""
    from pypinyin import Style, pinyin
    from pypinyin.contrib.tone_convert import to_normal
    from pypinyin_dict.pinyin_data.ktghz2013 import pinyin_dict as standard  # read, never loaded into pypinyin

    usual = pinyin(char, style=Style.NORMAL)[0][0]
    others = [to_normal(reading) for reading in standard.get(ord(char), "").split(",") if reading]
    return list(dict.fromkeys([usual, *others]))


def search_text(name: str) -> str:
    """The text the search index holds for NAME (space-separated variants)."""
    lowered = name.lower()
    if lowered.isascii():
        return lowered
    keys = [_char_key(c) for c in lowered]
    full = [k[0] for k in keys]
    initials = [k[1] for k in keys]
    variants = [lowered, "".join(full), "".join(initials)]
    for index, (_, _, others) in enumerate(keys):
        for other in others:
            variants.append("".join(full[:index]) + other + "".join(full[index + 1 :]))
            variants.append("".join(initials[:index]) + other[0] + "".join(initials[index + 1 :]))
    return " ".join(dict.fromkeys(variants))
