"""Database-wide settings (the Setting table): each key has a type, a default and a check, in one place.

`get_setting(key)` is what other modules call (the currency money is shown in, the repurchase and churn days);
it answers the default until an admin sets a value with `set_setting`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from crmtui.store.kernel import audit
from crmtui.store.kernel.access import Actor, require_admin
from crmtui.store.kernel.db import db
from crmtui.store.kernel.errors import BadInput, Refused
from crmtui.store.kernel.models import Contract, Deal, Invoice, Payment, Product, Quote, Setting

# Active ISO 4217 currency codes (the current list; funds and precious metals left out).
ISO_4217 = frozenset(
    """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF
    CHF CLP CNY COP CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD
    HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD
    MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR
    RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD
    TZS UAH UGX USD UYU UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG ZWL""".split()
)


def _currency(value: Any) -> str:
    code = str(value).strip().upper()
    if code not in ISO_4217:
        raise BadInput(f"{value!r} is not an ISO 4217 currency code such as CNY, USD or EUR.")
    return code


def _days(value: Any) -> int:
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit() or not 1 <= int(text) <= 3650:
        raise BadInput(f"{value!r} is not a number of days from 1 to 3650.")
    return int(text)


@dataclass(frozen=True)
class Spec:
    default: Any
    check: Callable[[Any], Any]
    help: str


SPECS: dict[str, Spec] = {
    "currency": Spec("CNY", _currency, "The ISO 4217 currency of every amount in this database."),
    "repurchase_days": Spec(365, _days, "A customer whose last contract is this many days old is due to buy again."),
    "risk_days": Spec(90, _days, "A customer with no follow-up and no contract for this many days is at risk."),
}


@dataclass
class SettingRow:
    key: str
    value: Any
    default: Any
    is_set: bool
    help: str


def _spec(key: str) -> Spec:
    spec = SPECS.get(str(key).strip().lower())
    if spec is None:
        raise BadInput(f"Unknown setting {key!r}: use one of {', '.join(SPECS)}.")
    return spec


def get_setting(key: str) -> Any:
    """The value of KEY (typed: str or int), or its default when nobody has set it. Unknown keys are BadInput."""
    spec = _spec(key)
    stored = Setting.select(Setting.value).where(Setting.key == key.strip().lower()).scalar()
    return spec.default if stored is None else spec.check(stored)


def currency() -> str:
    """The ISO 4217 currency every amount of this database is in."""
    return get_setting("currency")


def settings() -> list[SettingRow]:
    """Every setting with its value, its default and whether it was set, in SPECS order (one query)."""
    stored = dict(Setting.select(Setting.key, Setting.value).where(Setting.key.in_(list(SPECS))).tuples())
    return [
        SettingRow(
            key, spec.check(stored[key]) if key in stored else spec.default, spec.default, key in stored, spec.help
        )
        for key, spec in SPECS.items()
    ]


def _money_recorded() -> str | None:
    """What already holds amounts in the current currency, if anything (then the currency may not change)."""
    for label, query in (
        ("products", Product.select()),
        ("deals", Deal.select().where(Deal.amount != 0)),
        ("quotes", Quote.select()),
        ("contracts", Contract.select()),
        ("payments", Payment.select()),
        ("invoices", Invoice.select()),
    ):
        if query.exists():
            return label
    return None


def set_setting(actor: Actor, key: str, value: Any) -> dict:
    """Set KEY to VALUE (admins only; checked; audited). The currency cannot change once amounts are recorded in
    it. Returns the change as {key: [old, new]} (empty when the value was already that)."""
    require_admin(actor, "change the database settings")
    spec = _spec(key)
    name = key.strip().lower()
    new = spec.check(value)
    with db.atomic():
        old = get_setting(name)
        was_set = Setting.select().where(Setting.key == name).exists()
        if old == new and was_set:
            return {}
        if name == "currency" and old != new:
            holding = _money_recorded()
            if holding:
                raise Refused(f"The currency stays {old}: {holding} already hold amounts in it.")
        if was_set:
            Setting.update(value=str(new)).where(Setting.key == name).execute()
        else:
            Setting.insert(key=name, value=str(new)).execute()
        diff = {name: [old if was_set else None, new]}
        audit.record(actor.login, "setting", None, "set", diff)
    return diff
