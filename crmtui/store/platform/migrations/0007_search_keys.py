"""Search keys of the modern standard readings (pinyin from pypinyin-dict's 《通用规范汉字字典》 list, no archaic
readings: a "…有限公司" name's key 505 -> 100 bytes; phone digits and email for imported customers too).
Superseded: 0009 makes every key afresh with the current recipe, in the key table it introduces."""


def up(migrator, db):
    pass


def down(migrator, db):
    pass
