"""The API's per-account rate limit: generous, against a runaway script or a leaked token,
not against people working. Counts live in the default cache (Redis in production, shared by
every web process). Anonymous clients have DRF's AnonRateThrottle instead."""

from django.conf import settings
from rest_framework.throttling import UserRateThrottle


class SignedInRateThrottle(UserRateThrottle):
    """USER_THROTTLE_RATE requests per signed-in account; anonymous requests are not counted."""

    def get_rate(self) -> str:
        # Read at each request, not once at import as DRF's THROTTLE_RATES is.
        return settings.USER_THROTTLE_RATE

    def get_cache_key(self, request, view) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        return super().get_cache_key(request, view)
