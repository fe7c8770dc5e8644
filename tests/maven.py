"""The Maven CRM sample export imported through examples/import-maven.sh, for any test that needs real data.

    from maven import import_maven
    result = import_maven(store)   # store: the db URL from the `store` fixture; acts as "root"

Runs the documented script with the installed `crm` and "now" pinned to 2018-01-01 (the day after the export's
last close date), so the 500 Prospecting deals, which have no engage date, get a fixed creation time.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAVEN_DIR = Path(os.environ.get("CRM_MAVEN_DIR", ROOT.parent / "shared" / "datasets" / "maven-crm"))
SCRIPT = ROOT / "examples" / "import-maven.sh"
PINNED_NOW = "2018-01-01T00:00:00"


def import_maven(db_url: str, user: str = "root", now: str = PINNED_NOW) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "CRM_DB": db_url,
        "CRM_USER": user,
        "CRM_NOW": now,
        "CRM": str(Path(sys.executable).with_name("crm")),
    }
    return subprocess.run(["bash", str(SCRIPT), str(MAVEN_DIR)], env=env, capture_output=True, text=True, timeout=300)
