"""What happens to an owned customer besides reclamation: its owner releases it to the pool with a reason (退回), a
manager locks it (never reclaimed) or unlocks it, or transfers it to another rep of its territory within their cap."""

from __future__ import annotations

from crmtui.store.customers import ownership
from crmtui.store.customers.records import find_customer
from crmtui.store.kernel import audit
from crmtui.store.kernel.access import Actor, may_give_to, require_active, require_manager
from crmtui.store.kernel.clock import now
from crmtui.store.kernel.db import db
from crmtui.store.kernel.errors import BadInput, Refused
from crmtui.store.kernel.models import Customer, Territory
from crmtui.store.org.users import find_user, login_of
from crmtui.store.pool.claims import ClaimOutcome


def release(actor: Actor, refs, reason: str) -> list[int]:
    """Put owned customers back into the pool with REASON, all or none. Returns their ids."""
    reason = (reason or "").strip()
    if not reason:
        raise BadInput("Say why the customers go back to the pool: --reason TEXT.")
    if not refs:
        raise BadInput("Name at least one customer to release.")
    with db.atomic():
        moment = now()
        customers = list(dict.fromkeys(find_customer(actor, ref, write=True) for ref in refs))
        for c in customers:
            if c.owner_id is None:
                raise Refused(f"Customer #{c.id} {c.name} is in the pool already.")
        ids = [c.id for c in customers]
        Customer.update(ownership.to_pool(moment)).where(Customer.id.in_(ids)).execute()
        ownership.log(actor, "release", [(c.id, c.owner_id, None, reason) for c in customers], moment)
    return ids


def set_locked(actor: Actor, ref: str, locked: bool) -> bool:
    """Lock (never reclaimed) or unlock a customer; managers and admins. Returns False when it already was."""
    require_manager(actor, "lock or unlock customers")
    with db.atomic():
        customer = find_customer(actor, ref, write=True)
        if customer.locked == locked:
            return False
        Customer.update(locked=locked, updated_at=now()).where(Customer.id == customer.id).execute()
        audit.record(
            actor.login, "customer", customer.id, "lock" if locked else "unlock", {"locked": [not locked, locked]}
        )
    return True


def transfer(actor: Actor, ref: str, to: str, reason: str | None = None) -> ClaimOutcome:
    """Give a customer to another rep of its territory (managers and admins; the owned cap still holds)."""
    require_manager(actor, "transfer customers")
    with db.atomic():
        customer = find_customer(actor, ref, write=True)
        target = require_active(find_user(to))
        if target.territory_id != customer.territory_id:
            raise BadInput(f"{target.login} does not work in the territory of customer #{customer.id}.")
        may_give_to(actor, target)
        if customer.owner_id == target.id:
            raise Refused(f"{target.login} owns customer #{customer.id} already.")
        ownership.hold_owners([target.id])
        ownership.check_room(target, Territory.get_by_id(customer.territory_id))
        moment = now()
        Customer.update(ownership.to_owner(target.id, moment)).where(Customer.id == customer.id).execute()
        ownership.log(actor, "transfer", [(customer.id, customer.owner_id, target.id, reason)], moment)
    return ClaimOutcome(
        customer.id, customer.name, "transferred", f"from {login_of(customer.owner_id) or 'the pool'}", target.login
    )
