"""`crm import`: users, territories, customers, contacts, products, deals, follow-ups and contracts from CSV,
JSON or JSON lines. The pipeline is in engine.py, the entities in entities.py."""

from __future__ import annotations

from collections.abc import Callable

from crmtui.store.exchange.imports.engine import ImportRejected, Options, Problem, Report, run
from crmtui.store.exchange.imports.entities import ENTITIES, entity
from crmtui.store.kernel.access import Actor

__all__ = ["ENTITIES", "ImportRejected", "Options", "Problem", "Report", "import_data"]


def import_data(
    actor: Actor,
    entity_name: str,
    data: bytes,
    source: str = "-",
    options: Options | None = None,
    progress: Callable[[str], None] | None = None,
) -> Report:
    """Import DATA (the bytes of a file called SOURCE) as ENTITY rows; all or nothing unless options.skip_invalid.
    Raises ImportRejected (with the report) when bad rows stop the import."""
    return run(actor, entity(entity_name), data, source, options or Options(), progress)
