"""A territory's pool rules (公海规则): claim limit, owned cap, cooldown, warnings, and the reclaim days per tier."""

from __future__ import annotations

from dataclasses import dataclass, field

from crmtui.store.kernel import audit, values
from crmtui.store.kernel.access import Actor
from crmtui.store.kernel.db import db
from crmtui.store.kernel.errors import BadInput
from crmtui.store.kernel.models import PoolRules, TierRule
from crmtui.store.org.territories import check_territory_access, find_territory, rules_for


@dataclass
class TierRow:
    tier: str
    no_followup_days: int | None  # None: this rule is off
    no_deal_days: int | None


@dataclass
class RulesView:
    territory: str
    claim_limit: int
    owned_cap: int
    cap_counts_won: bool
    cooldown_days: int
    warn_days: int
    keep_won: bool
    tiers: list[TierRow] = field(default_factory=list)


POOL_FIELDS = ("claim_limit", "owned_cap", "cap_counts_won", "cooldown_days", "warn_days", "keep_won")
TIER_FIELDS = ("no_followup_days", "no_deal_days")


def show_rules(actor: Actor, territory: str) -> RulesView:
    found = find_territory(territory)
    check_territory_access(actor, found, manage=False)
    rules = rules_for(found.id)
    tiers = TierRule.select().where(TierRule.territory == found.id).order_by(TierRule.tier)
    return RulesView(
        found.name,
        *(getattr(rules, name) for name in POOL_FIELDS),
        tiers=[TierRow(t.tier, t.no_followup_days, t.no_deal_days) for t in tiers],
    )


def _check_days(name: str, value: int | None) -> None:
    if value is not None and value < 0:
        raise BadInput(f"--{name.replace('_', '-')} takes a number, 0 or more.")


def set_rules(actor: Actor, territory: str, tier: str | None = None, **asked) -> dict:
    """Change the rules given (None leaves one). POOL_FIELDS apply to the territory; TIER_FIELDS need TIER and
    take a number of days, 0 meaning off. Returns the changes as {field: [old, new]}."""
    unknown = set(asked) - set(POOL_FIELDS) - set(TIER_FIELDS)
    if unknown:
        raise BadInput(f"Unknown rule {', '.join(sorted(unknown))}.")
    given = {k: v for k, v in asked.items() if v is not None}
    for name, value in given.items():
        if not isinstance(value, bool):
            _check_days(name, value)
    tier_values = {k: (given[k] or None) for k in TIER_FIELDS if k in given}  # 0 turns a tier rule off
    if tier_values and tier is None:
        raise BadInput("Say which tier the days are for: --tier A..E.")
    letter = values.tier(tier) if tier is not None else None
    found = find_territory(territory)
    check_territory_access(actor, found, manage=True)
    pool_values = {k: v for k, v in given.items() if k in POOL_FIELDS}
    diff: dict = {}
    with db.atomic():
        rules = rules_for(found.id)
        pool_diff = audit.changes({k: getattr(rules, k) for k in pool_values}, pool_values)
        if pool_diff:
            PoolRules.update(**{k: pool_values[k] for k in pool_diff}).where(PoolRules.id == rules.id).execute()
            diff.update(pool_diff)
        if tier_values:
            row = TierRule.get(TierRule.territory == found.id, TierRule.tier == letter)
            tier_diff = audit.changes({k: getattr(row, k) for k in tier_values}, tier_values)
            if tier_diff:
                TierRule.update(**{k: tier_values[k] for k in tier_diff}).where(TierRule.id == row.id).execute()
                diff.update({f"tier {letter} {k}": v for k, v in tier_diff.items()})
        if diff:
            audit.record(actor.login, "pool_rules", found.id, "edit", diff)
    return diff
