"""Naming things on the command line: an id, or a name that is unambiguous within what the actor may see."""

from __future__ import annotations

from peewee import Expression, Field, Model, fn

from crmtui.store.kernel.errors import BadInput, NotFound


def resolve(model: type[Model], ref: str | int, name_field: Field, scope: Expression, label: str) -> Model:
    """The one row named by REF: `12` or `#12` is an id; otherwise an exact name (any case), else a unique
    substring. No match is NotFound; several are BadInput listing the candidates."""
    text = str(ref).strip()
    base = model.select().where(scope)
    if text.lstrip("#").isdigit():
        row = base.where(model.id == int(text.lstrip("#"))).first()
        if row is None:
            raise NotFound(f"No {label} #{text.lstrip('#')}.")
        return row
    if not text:
        raise BadInput(f"Name a {label} by id or name.")
    for query in (
        base.where(fn.LOWER(name_field) == text.lower()),
        base.where(fn.LOWER(name_field).contains(text.lower())),
    ):
        rows = list(query.order_by(model.id).limit(11))
        if len(rows) == 1:
            return rows[0]
        if rows:
            shown = "; ".join(f"#{r.id} {getattr(r, name_field.name)}" for r in rows[:10])
            more = " and more" if len(rows) > 10 else ""
            raise BadInput(f"{label.capitalize()} {text!r} is ambiguous: {shown}{more}; use the id.")
    raise NotFound(f"No {label} named {text!r}.")
