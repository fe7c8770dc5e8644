"""Where the database is: --db, CRM_DB, the config file, or an SQLite file in the user data dir. Free of peewee, so
a command can settle which database it uses (and so which driver it needs) before the store is loaded."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

from crmtui.store.kernel.errors import BadInput


def config_path() -> Path:
    from platformdirs import user_config_dir

    return Path(os.environ.get("CRM_CONFIG") or Path(user_config_dir("crmtui")) / "config.toml")


def read_config() -> dict:
    """The optional config file (TOML: db, user, format); a broken one is bad input, not a traceback."""
    path = config_path()
    if not path.exists():
        return {}
    import tomllib  # only when there is a file to read

    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise BadInput(f"The config file {path} is not valid TOML: {exc}.") from None


def default_url() -> str:
    from platformdirs import user_data_dir

    return "sqlite:///" + str(Path(user_data_dir("crmtui")) / "crm.sqlite3")


def resolve_url(explicit: str | None = None) -> str:
    """--db, then CRM_DB, then the config file, then an SQLite file in the user data dir."""
    return explicit or os.environ.get("CRM_DB") or read_config().get("db") or default_url()


def sqlite_path(url: str) -> str | None:
    """The file behind an SQLite URL (or bare path); None for a server URL."""
    if url.startswith("sqlite:///"):  # sqlite:///relative.db, sqlite:////absolute.db
        return url[len("sqlite:///") :]
    if url.startswith("sqlite:"):
        return url[len("sqlite:") :]
    if "://" not in url:
        return url
    return None


def redact(url: str) -> str:
    """A URL fit for messages: the password replaced."""
    parsed = urlparse(url)
    if parsed.password:
        return url.replace(":" + parsed.password + "@", ":***@")
    return url
