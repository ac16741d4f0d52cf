"""Domain errors: raised by services, turned into one error shape by views and the API.

Messages are written for the person who caused them, in Chinese first with English after, so
the same text serves the pages, the API and the logs.
"""


class DomainError(Exception):
    """Something the user asked for cannot be done; nothing was changed."""

    code = "invalid"
    http_status = 400

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class InvalidInput(DomainError):
    code = "invalid_input"


class NotAllowed(DomainError):
    """The actor's role or unit may not do this (HTTP 403)."""

    code = "forbidden"
    http_status = 403


class NotFound(DomainError):
    """Missing, or not visible to this actor: the two are deliberately indistinguishable."""

    code = "not_found"
    http_status = 404


class Conflict(DomainError):
    """The ticket is not in a state that allows this, or someone else changed it first."""

    code = "conflict"
    http_status = 409


class TooManyAttempts(DomainError):
    """Too many failed guesses of a secret from this client; wait for the window to end."""

    code = "too_many_attempts"
    http_status = 429


class TooLarge(DomainError):
    """More data in one request than the platform stores at once (HTTP 413)."""

    code = "too_large"
    http_status = 413


class QuotaExceeded(DomainError):
    """This client stored as much as it may for now; wait for the window to end (HTTP 429)."""

    code = "upload_quota"
    http_status = 429
