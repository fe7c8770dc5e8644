"""The errors the store raises; each carries its exit code (0 done … 6 locked, see README's Configuration) so every
front end reports it the same way."""


class CrmError(Exception):
    """A failure the user can act on; the message is one sentence."""

    exit_code = 1


class BadInput(CrmError):
    exit_code = 2


class Invalid(BadInput):
    """A value that cannot be read (values.py): the sentence is for a person at a command line; REASON is the short
    form an import report puts after the cell ("phone 'abc' is not a phone number")."""

    def __init__(self, sentence: str, reason: str | None = None):
        super().__init__(sentence)
        self.reason = reason or sentence


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
