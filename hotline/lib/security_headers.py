"""Content-Security-Policy and Permissions-Policy on every answer, pages and API alike.

Django 5.2 has no CSP support of its own (6.0 has); this is the whole of what we need, so no
extra dependency. Our pages load scripts, styles and images only from this server and carry no
inline script, handler or style attribute (tests/test_security_headers.py checks the templates),
so the policy allows nothing else. A view may send its own policy; it is left as it is.
"""

from django.conf import settings

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # data: for the small icons stylesheets embed (Swagger UI's, the admin's).
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# Pages we do not write, whose styles are inline: the Django admin's change list, Swagger UI and
# Redoc (which builds its styles at run time and searches in a blob: worker). Scripts stay 'self'
# there too; only styles are relaxed, and only on those paths (CSP_INLINE_STYLE_PATHS).
INLINE_STYLE_POLICY = (
    CONTENT_SECURITY_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
    + "; worker-src 'self' blob:"
)
# No page uses the camera or the microphone (photos are chosen through a file input); the intake
# form may ask for the position of the problem (static/js/hotline.js), on this site only.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(self), payment=(), usb=()"


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        relaxed = request.path.startswith(tuple(settings.CSP_INLINE_STYLE_PATHS))
        policy = INLINE_STYLE_POLICY if relaxed else CONTENT_SECURITY_POLICY
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
