"""Password sign-in under the guessing limits of hotline/lib/attempts.py, for every way in.

As the authentication backend it covers the sign-in page, the Django admin's own sign-in page
and the API token endpoint alike: each failed password counts, and past the limit the right
password is refused too. The pages call ``attempts.check`` first only to say why.
"""

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from hotline.lib.attempts import check, forget, login_guards, record_failure
from hotline.lib.errors import TooManyAttempts


class GuardedModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:  # not over HTTP (management commands, the test client's login())
            return super().authenticate(request, username, password, **kwargs)
        guarded = login_guards(request, str(username or ""))
        try:
            check(*guarded)
        except TooManyAttempts:
            # PermissionDenied, unlike None, stops django.contrib.auth.authenticate() from
            # asking any other backend.
            raise PermissionDenied from None
        user = super().authenticate(request, username, password, **kwargs)
        if user is None:
            record_failure(*guarded)
        else:
            forget(guarded[0])
        return user
