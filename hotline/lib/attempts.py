"""Limits on guessing secrets: failed sign-ins and failed ticket look-ups, per client.

A ticket's query code and a staff password are the only secrets an anonymous visitor can try
over and over. Each failure is counted in the default cache under the client's address (and,
for sign-in, the account name), for a fixed window that starts at the first failure; past the
limit the client gets a 429 with a Chinese message until the window ends, right answers
included, so that a script cannot tell a hit from a miss. With the embedded default the counts
live in each web process; in production ``CACHE_URL`` points the cache at Redis and every web
process shares them.

Sign-in is limited twice: per account and client (the people of one call center share one
office address, and one of them mistyping must not lock out the others) and, more loosely, per
client alone (trying many account names from one address).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext as _

from hotline.lib.errors import NotFound, TooManyAttempts


@dataclass(frozen=True)
class GuessLimit:
    scope: str
    failures: int  # allowed failures in one window; the next attempt is refused
    window_minutes: int


def client_address(request: HttpRequest) -> str:
    """The client's IP address. Behind ``TRUSTED_PROXIES`` reverse proxies it is the address
    the outermost trusted proxy saw (X-Forwarded-For counted from the right); the header is
    ignored otherwise, since any client can send it."""
    proxies = settings.TRUSTED_PROXIES
    if proxies:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        ]
        forwarded = [part for part in forwarded if part]
        if forwarded:
            return forwarded[-min(proxies, len(forwarded))]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def login_guards(request: HttpRequest, username: str) -> list[tuple[GuessLimit, str]]:
    """The sign-in limits of one attempt: the account on this client first (reset by a
    successful sign-in), then the client alone."""
    address, window = client_address(request), settings.GUESS_WINDOW_MINUTES
    per_account = GuessLimit("login", settings.LOGIN_FAILURE_LIMIT, window)
    # Four accounts' worth of failures from one address before it is refused outright.
    per_client = GuessLimit("login-client", settings.LOGIN_FAILURE_LIMIT * 4, window)
    return [(per_account, f"{address}\n{username.strip().lower()}"), (per_client, address)]


def _key(limit: GuessLimit, subject: str) -> str:
    # Hashed: account names and addresses can hold characters a cache key may not.
    digest = hashlib.sha256(subject.encode()).hexdigest()[:32]
    return f"guess:{limit.scope}:{digest}"


def check(*guarded: tuple[GuessLimit, str]) -> None:
    """Refuse the attempt if any (limit, subject) pair has used up its failures."""
    for limit, subject in guarded:
        if (cache.get(_key(limit, subject)) or 0) >= limit.failures:
            minutes = limit.window_minutes
            raise TooManyAttempts(
                _("失败次数过多，请 %(minutes)s 分钟后再试") % {"minutes": minutes}
            )


def record_failure(*guarded: tuple[GuessLimit, str]) -> None:
    for limit, subject in guarded:
        key = _key(limit, subject)
        # add() starts the window with the key's expiry; incr() keeps that expiry.
        cache.add(key, 0, timeout=limit.window_minutes * 60)
        try:
            cache.incr(key)
        except ValueError:  # expired between the two calls: a new window
            cache.set(key, 1, timeout=limit.window_minutes * 60)


def forget(*guarded: tuple[GuessLimit, str]) -> None:
    cache.delete_many([_key(limit, subject) for limit, subject in guarded])


@contextmanager
def tracking_limited(request: HttpRequest) -> Iterator[None]:
    """A look-up by ticket number and query code: refused once this client has used up its
    failures; a wrong number or code (NotFound) raised inside counts as one."""
    limit = GuessLimit("tracking", settings.TRACKING_FAILURE_LIMIT, settings.GUESS_WINDOW_MINUTES)
    guarded = (limit, client_address(request))
    check(guarded)
    try:
        yield
    except NotFound:
        record_failure(guarded)
        raise
