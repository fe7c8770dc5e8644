"""Pinyin search keys, so `zw`, `zhangwei` and `bjhn` find 张伟 and 北京华南….

A name's key holds the name itself (lower case), its full pinyin and its initials; a character with several
readings (长 → zhang/chang) adds, for each other reading, the full pinyin and initials with that one character
read so (linear, not every combination, so long names stay small). The readings are the modern standard ones
(《通用规范汉字字典》, pypinyin-dict's ktghz2013 list), not pypinyin's heteronyms, which carry archaic readings
(有 → wei, 限 → wen, 司 → ci...) that bloated the key of every "…有限公司" name. The first reading stays
pypinyin's usual one (长 → zhang). Readings are cached per character, much faster than pypinyin per name, and
str.translate over tables of the cached readings faster still (docs/PERFORMANCE.md).
"""

from __future__ import annotations

import os
from functools import cache

MAX_OTHER_READINGS = 2


@cache
def _char_key(char: str) -> tuple[str, str, tuple[str, ...]]:
    """(full pinyin, initial, other readings) of one character; letters and digits stand for themselves."""
    if "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff":
        found = _readings(char)
        return found[0], found[0][:1], tuple(found[1 : 1 + MAX_OTHER_READINGS])
    return (char, char, ()) if char.isalnum() else ("", "", ())


def _readings(char: str) -> list[str]:
    """pypinyin's usual reading of CHAR first, then its other modern standard readings (toneless, ü as v)."""
    # Characters are read one at a time, never as words: pypinyin's phrase dictionary, most of its import time
    # (paid on the first key of every process), changes the reading of no character alone (checked for all
    # of U+3400-U+9FFF and U+F900-U+FAFF), so it is not loaded.
    os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")
    from pypinyin import Style, pinyin
    from pypinyin.contrib.tone_convert import to_normal
    from pypinyin_dict.pinyin_data.ktghz2013 import pinyin_dict as standard  # read, never loaded into pypinyin

    usual = pinyin(char, style=Style.NORMAL)[0][0]
    others = [to_normal(reading) for reading in standard.get(ord(char), "").split(",") if reading]
    return list(dict.fromkeys([usual, *others]))


_MARK = "\x00"  # never in a translated name otherwise: a control character reads as nothing


class _Readings(dict):
    """ord(character) -> one part (0: full pinyin, 1: initial) of its _char_key, filled on first sight, so that
    str.translate reads a whole name in C (a Python loop over its characters costs much more). A character
    with other readings comes out as itself between two MARKs, for search_text to read it every way."""

    def __init__(self, part: int):
        super().__init__()
        self.part = part

    def __missing__(self, code: int) -> str:
        key = _char_key(chr(code))
        found = self[code] = f"{_MARK}{chr(code)}{_MARK}" if key[2] else key[self.part]
        return found


_FULL, _INITIALS = _Readings(0), _Readings(1)


def search_text(name: str) -> str:
    """The text the search index holds for NAME (space-separated variants)."""
    lowered = name.lower()
    if lowered.isascii():
        return lowered
    full = lowered.translate(_FULL)
    if _MARK not in full:
        return " ".join(dict.fromkeys([lowered, full, lowered.translate(_INITIALS)]))
    # [pinyin, a character with other readings, pinyin, …]: each such character read its usual way, then each other
    full_parts, initial_parts = full.split(_MARK), lowered.translate(_INITIALS).split(_MARK)
    several = [(index, _char_key(full_parts[index])) for index in range(1, len(full_parts), 2)]
    for index, (usual, initial, _) in several:
        full_parts[index], initial_parts[index] = usual, initial
    variants = [lowered, "".join(full_parts), "".join(initial_parts)]
    for index, (_, _, others) in several:
        for other in others:
            variants.append("".join(full_parts[:index]) + other + "".join(full_parts[index + 1 :]))
            variants.append("".join(initial_parts[:index]) + other[0] + "".join(initial_parts[index + 1 :]))
    return " ".join(dict.fromkeys(variants))
