"""How many bytes of photos one client address may store per hour.

Intake is open to anonymous visitors, and each request may carry several large photos: without
a bound, one script fills the disk. The bytes stored are counted in the default cache under the
client's address (``attempts.client_address``) for a fixed window that starts at the first
upload, like the guessing limits of ``hotline.lib.attempts``; shared by every web process when
``CACHE_URL`` points at Redis, and off (never refusing) while the cache is unavailable.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from hotline.lib.errors import QuotaExceeded

WINDOW_SECONDS = 3600


def _key(client: str) -> str:
    # Hashed: addresses can hold characters a cache key may not.
    return f"upload-bytes:{hashlib.sha256(client.encode()).hexdigest()[:32]}"


def size_label(size: int) -> str:
    """A size as people read it: "200 MB", "1.5 MB", "300 KB"."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.3g} MB"
    return f"{max(1, size // 1024)} KB"


def upload_quota_check(*, client: str, incoming: int) -> None:
    """Refuse ``incoming`` more bytes if they would take the client past the hourly quota.
    An empty ``client`` (demo data, commands) is never counted."""
    if not client or incoming <= 0:
        return
    used = cache.get(_key(client)) or 0
    if used + incoming > settings.UPLOAD_MAX_BYTES_PER_HOUR:
        raise QuotaExceeded(
            _("一小时内上传的照片已达上限（%(size)s），请稍后再提交照片，或先不附照片提交诉求")
            % {"size": size_label(settings.UPLOAD_MAX_BYTES_PER_HOUR)},
            fields={"attachments": [_("一小时内上传的照片已达上限，请稍后再试")]},
        )


def upload_quota_record(*, client: str, stored: int) -> None:
    if not client or stored <= 0:
        return
    key = _key(client)
    # add() starts the window with the key's expiry; incr() keeps that expiry.
    cache.add(key, 0, timeout=WINDOW_SECONDS)
    try:
        cache.incr(key, stored)
    except ValueError:  # expired between the two calls: a new window
        cache.set(key, stored, timeout=WINDOW_SECONDS)
