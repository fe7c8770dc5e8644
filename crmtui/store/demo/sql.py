"""The demo generator's own SQL on each backend: the fragments its INSERT ... SELECTs are built of, for the tables
the database makes itself. A draw hashes a row's key and the seed into a pseudo-random integer; the rest turn
draws into text (literals, choices, characters), count rows (a numbers table), do time arithmetic in each
backend's terms, and keep PostgreSQL's rows in SQLite's order and SQLite's subqueries from being merged. They
build text only; none runs a statement."""

from crmtui.store.kernel.dialect import is_postgres

PRIME = 2147483647  # 2**31 - 1: a square of a residue still fits a signed 64-bit integer


def draw(key: str, salt: int) -> str:
    """SQL for a pseudo-random integer in [0, PRIME) that depends only on the integer SQL KEY and SALT: a
    multiplicative hash squared modulo a prime (the square keeps draws of one row with different salts apart)."""
    m = 48271 + (salt * 2654435761) % 2_000_000_000
    a = (salt * 40503 + 12345) % PRIME
    x = f"(CAST({key} AS BIGINT) * {m} + {a}) % {PRIME}"
    return f"(({x}) * ({x}) % {PRIME})"


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def pick(values, index: str, keys=None) -> str:
    """SQL choosing VALUES[INDEX] (or the value whose key in KEYS equals INDEX)."""
    keys = [literal(k) for k in keys] if keys is not None else range(len(values))
    return f"CASE {index} " + " ".join(f"WHEN {k} THEN {literal(v)}" for k, v in zip(keys, values)) + " END"


def substr(text: str, start: str, length: int) -> str:
    """substr(TEXT, START, LENGTH) with START an int (PostgreSQL has no substr taking a bigint)."""
    return f"substr({text}, CAST({start} AS INTEGER), {length})"


def char(chars: str, draw: str) -> str:
    return substr(literal(chars), f"1 + {draw} % {len(chars)}", 1)


def nums(top: int) -> str:
    """A WITH clause naming the numbers 0 .. TOP - 1 `nums(n)`."""
    return f"WITH RECURSIVE nums(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM nums WHERE n < {top - 1})"


# Ends a subquery in FROM so that it is not merged into the query around it: its columns are computed once a
# row, instead of once each time the outer expressions name them (SQLite computes no common subexpressions).
_FENCE_SQLITE, _FENCE_PG = " LIMIT -1 OFFSET 0", " OFFSET 0"


def pg_order(columns: str) -> str:
    """PostgreSQL: ORDER BY COLUMNS, so the ids a sequence hands out are the same run after run. SQLite makes the
    rows in that order already (the CROSS JOIN fixes the loops), and numbers them as they come."""
    return f" ORDER BY {columns}" if is_postgres() else ""


def fence() -> str:
    return _FENCE_PG if is_postgres() else _FENCE_SQLITE


def time_number(column: str) -> str:
    """SQL for the time in COLUMN in the form minus_minutes takes: SQLite's julian day number (a number is
    cheaper to subtract from than a text date parsed again for every row), PostgreSQL's timestamp itself."""
    return column if is_postgres() else f"julianday({column})"


def minus_minutes(time: str, minutes: str) -> str:
    """SQL for the time MINUTES before TIME (made by time_number)."""
    if is_postgres():
        return f"({time} - ({minutes}) * interval '1 minute')"
    return f"datetime({time} - ({minutes}) / 1440.0)"


def minutes_between(later: str, *earlier: str) -> str:
    """SQL for the minutes from the latest of EARLIER to LATER."""
    if is_postgres():
        return f"(extract(epoch FROM {later} - greatest({', '.join(earlier)})) / 60)"
    return f"((julianday({later}) - julianday(max({', '.join(earlier)}))) * 1440)"


def literal_time(text: str) -> str:
    return f"CAST({literal(text)} AS TIMESTAMP)" if is_postgres() else literal(text)


def as_date(text: str) -> str:
    return f"CAST({text} AS DATE)" if is_postgres() else text
