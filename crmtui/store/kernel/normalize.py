"""Normal forms for matching what people type in different ways: company names (width, case, spacing,
punctuation, legal suffixes), phone numbers (+86, spaces, dashes) and e-mail addresses. Import uses them to
find duplicates and references, `customer dupes` to group likely duplicates."""

from __future__ import annotations

import re
import unicodedata

# Longest first, so 股份有限公司 is cut whole rather than leaving 股份.
_COMPANY_SUFFIXES = sorted(
    [
        "股份有限公司",
        "有限责任公司",
        "集团有限公司",
        "有限公司",
        "集团",
        "公司",
        "co ltd",
        "company limited",
        "co limited",
        "limited",
        "ltd",
        "inc",
        "incorporated",
        "llc",
        "corp",
        "corporation",
        "co",
        "gmbh",
        "plc",
        "sa",
        "ag",
    ],
    key=len,
    reverse=True,
)
_SUFFIX = re.compile(r"(?:\s*(?:" + "|".join(re.escape(s) for s in _COMPANY_SUFFIXES) + r"))+$")
_NOT_WORD = re.compile(r"[\W_]+")
_PHONE_NOISE = re.compile(r"[\s\-().·/]+")
_PHONE = re.compile(r"^\+?\d{5,20}$")
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;.]+$")


def loose(text: str) -> str:
    """Case, width, spacing and punctuation folded away: `GTXPro` and `GTX Pro` meet here."""
    return _NOT_WORD.sub("", _nfkc(text).casefold())


def _nfkc(text: str) -> str:
    return text if text.isascii() else unicodedata.normalize("NFKC", text)  # ASCII is its own NFKC form; cheap test


def exact(text: str) -> str:
    """Case and width folded, spaces collapsed: the key under which a name counts as the same name."""
    return " ".join(_nfkc(text).casefold().split())


def company_key(name: str) -> str:
    """A company's name without width, case, punctuation, spacing or legal-form suffix:
    `ＡＢＣ 科技有限公司` and `abc科技` share a key, as do `Acme Co., Ltd.` and `ACME`."""
    words = _NOT_WORD.sub(" ", _nfkc(name).casefold()).strip()
    stripped = _SUFFIX.sub("", words).strip() or words
    return stripped.replace(" ", "")


def phone(text: str) -> str | None:
    """A phone number as digits (a leading + kept for foreign numbers; China's +86/0086 dropped), or None when it
    is not one."""
    digits = _PHONE_NOISE.sub("", _nfkc(text))
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("+86"):
        digits = digits[3:]
    return digits if _PHONE.match(digits) else None


def email(text: str) -> str | None:
    value = _nfkc(text).strip().lower()
    return value if _EMAIL.match(value) else None
