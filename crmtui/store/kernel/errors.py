"""The errors the store raises; each carries the exit code of DESIGN.md so every front end reports it the same way."""


class CrmError(Exception):
    """A failure the user can act on; the message is one sentence."""

    exit_code = 1


class BadInput(CrmError):
    exit_code = 2


class NotFound(CrmError):
    exit_code = 3


class NotPermitted(CrmError):
    exit_code = 4


class Refused(CrmError):
    """Refused by a business rule: a cap, a limit, a cooldown, already owned."""

    exit_code = 5


class Busy(CrmError):
    """Another run holds the lock."""

    exit_code = 6
