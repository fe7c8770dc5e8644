"""Part of `make schema`: playhouse.migrations writes every foreign key without its index=False, so each one got
an index the models leave out on purpose (each index holding customer.owner slows the reclaim UPDATE; events
pay one per foreign key on insert). Put index=False back on those fields of the generated migration."""

import re
import sys
from pathlib import Path

from crmtui.store.kernel.models import ALL_MODELS
from peewee import ForeignKeyField


def main(path: str) -> None:
    target = Path(path)
    text = target.read_text(encoding="utf-8")
    for model in ALL_MODELS:
        unindexed = [f.name for f in model._meta.sorted_fields if isinstance(f, ForeignKeyField) and not f.index and not f.unique]
        if not unindexed:
            continue
        start = text.index(f"\n    class {model.__name__}(Model):\n")
        end = text.find("\n    db.create_tables", start)
        block = text[start:end]
        for name in unindexed:
            block, count = re.subn(rf"^(        {name} = ForeignKeyField\(.*)\)$", r"\1, index=False)", block, flags=re.M)
            assert count == 1, (model.__name__, name)
        text = text[:start] + block + text[end:]
    target.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1])
