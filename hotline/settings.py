"""Settings for every environment, driven by environment variables.

With no environment at all this is the embedded default: SQLite in WAL mode under ``var/`` and a
Celery broker kept in files under ``var/broker`` (kombu's filesystem transport), so ``make run``
needs nothing but Python. Production sets ``DATABASE_URL`` (PostgreSQL), ``CELERY_BROKER_URL``
(Redis), ``SECRET_KEY``, ``ALLOWED_HOSTS`` and ``HTTPS=1``; see README.md.
"""

import secrets
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from hotline.lib.env import env_bool, env_float, env_int, env_list, env_rate, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
EMBEDDED = env_str("DATABASE_URL") is None


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if key:
        return key
    if not EMBEDDED:
        raise ImproperlyConfigured("SECRET_KEY must be set when DATABASE_URL is set (production)")
    # The embedded default keeps a random key per checkout so sessions survive restarts without
    # shipping a known key in the repository.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "hotline",
    "workorders",
    "dispatch",
    "evaluation",
    "knowledge",
    "analysis",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outside the outage middleware: its 503 answers carry the headers too.
    "hotline.lib.security_headers.SecurityHeadersMiddleware",
    # A database outage answers 503 + Retry-After instead of the 500 page.
    "hotline.error_pages.DatabaseOutageMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "hotline.urls"
WSGI_APPLICATION = "hotline.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "hotline.context_processors.roles",
            ],
        },
    },
]


def _database() -> dict:
    url = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
    try:
        config = dj_database_url.parse(url, conn_max_age=env_int("CONN_MAX_AGE", 600, minimum=0))
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
    engine = config["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        # WAL lets the web server read while the worker writes; IMMEDIATE transactions take the
        # write lock up front so concurrent writers wait (busy timeout) instead of failing.
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    elif engine == "django.db.backends.postgresql":
        config["CONN_HEALTH_CHECKS"] = True
    else:
        raise ImproperlyConfigured(f"DATABASE_URL must be sqlite:// or postgres://, got {engine}")
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Django's ModelBackend, under the sign-in guessing limits (hotline/lib/auth.py).
AUTHENTICATION_BACKENDS = ["hotline.lib.auth.GuardedModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Attachments are served through an access-checked view, never directly from MEDIA_URL.
MEDIA_URL = "/media-not-public/"

# Uploads: citizens attach photos from phones; a few large photos per ticket at most.
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
ATTACHMENT_MAX_COUNT = env_int("ATTACHMENT_MAX_COUNT", 6, minimum=0)
# What one request may store in all (a few phone photos), and one client address in an hour
# (hotline/lib/upload_quota.py): intake is open to anyone, the disk is not endless.
ATTACHMENT_MAX_TOTAL_BYTES = env_int("ATTACHMENT_MAX_TOTAL_BYTES", 30 * 1024 * 1024, minimum=1024)
UPLOAD_MAX_BYTES_PER_HOUR = env_int("UPLOAD_MAX_BYTES_PER_HOUR", 200 * 1024 * 1024, minimum=1024)
# Pixels one image may have (all frames together): above, it is refused before it is decoded,
# since a tiny file may claim 30000×30000 pixels. 50 megapixels covers phones' largest photos.
IMAGE_MAX_PIXELS = env_int("IMAGE_MAX_PIXELS", 50_000_000, minimum=1_000_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- security -------------------------------------------------------------------------------
HTTPS = env_bool("HTTPS", False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if HTTPS:
    # TLS ends at the reverse proxy in front of gunicorn.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Links to other sites carry no path: ticket pages' URLs hold numbers and survey tokens.
SECURE_REFERRER_POLICY = "same-origin"
# Paths whose pages (not ours) need inline styles: hotline/lib/security_headers.py.
CSP_INLINE_STYLE_PATHS = ["/admin/", "/api/docs/", "/api/redoc/"]
SESSION_COOKIE_HTTPONLY = True
# Reverse proxies in front of gunicorn that append the client's address to X-Forwarded-For;
# 0 trusts no such header (see hotline/lib/attempts.py).
TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 0, minimum=0)
# Guessing limits: failed sign-ins per account and client, failed ticket look-ups per client,
# in a window of this many minutes.
GUESS_WINDOW_MINUTES = env_int("GUESS_WINDOW_MINUTES", 15, minimum=1)
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10, minimum=1)
TRACKING_FAILURE_LIMIT = env_int("TRACKING_FAILURE_LIMIT", 20, minimum=1)
# How long a form's submission token or an API Idempotency-Key answers the ticket it registered.
SUBMISSION_KEY_HOURS = env_int("SUBMISSION_KEY_HOURS", 24, minimum=0)

# --- REST API -------------------------------------------------------------------------------
# Requests per signed-in account (hotline/lib/throttling.py): "600/minute", "20/second"…
USER_THROTTLE_RATE = env_rate("USER_THROTTLE_RATE", "600/minute")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "hotline.lib.api_errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "hotline.lib.throttling.SignedInRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {"anon": env_rate("ANON_THROTTLE_RATE", "120/minute")},
    # 0, not None: with None DRF would believe any client's X-Forwarded-For.
    "NUM_PROXIES": TRUSTED_PROXIES,
}
SPECTACULAR_SETTINGS = {
    "TITLE": _("12345 热线工单平台 API"),
    "DESCRIPTION": "Intake, tracking and every ticket action. Errors: {code, message, fields}.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several serializers have a field named "status" (the ticket's, a hand-off's, a request's):
    # the ticket's keeps the plain component name clients already know.
    "ENUM_NAME_OVERRIDES": {"StatusEnum": "workorders.models.tickets.Status"},
}

# Per process by default. In production CACHE_URL points at Redis so that every web process
# shares the API throttle, the guessing limits and the live evaluation month.
CACHE_URL = env_str("CACHE_URL", "")
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            "BACKEND": "hotline.lib.cache.ResilientRedisCache",
            "LOCATION": CACHE_URL,
            # A Redis that does not answer costs a request at most this long (then a miss).
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
elif CACHE_URL:
    raise ImproperlyConfigured(f"CACHE_URL must be a redis:// URL, got {CACHE_URL!r}")
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery ---------------------------------------------------------------------------------
BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    (BROKER_DIR / "queue").mkdir(parents=True, exist_ok=True)
    (BROKER_DIR / "control").mkdir(parents=True, exist_ok=True)
    # One folder for both directions: producers (web) and consumers (worker) share it; kombu
    # locks each message file, so several processes can use it safely.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # A message a worker has taken but not acknowledged (reserved, waiting for its ETA, or an
    # acks_late task running) goes back to the queue only after this many seconds when the worker
    # dies without saying so (kill -9, lost host). Shorter would be faster after such a death,
    # but every countdown longer than it is handed out again each time it passes: it must stay
    # above the longest countdown a task uses (notification backoff ≤ 605 s, auto_dispatch's
    # retry_backoff ≤ 600 s, survey retry ≤ 480 s). Registered tickets and missing surveys do
    # not wait for it: a starting worker re-queues them (dispatch.tasks, evaluation.tasks).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("BROKER_VISIBILITY_TIMEOUT", 900, minimum=660)
    }
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
# Publishing happens in on_commit hooks of web requests: when the broker is down we give up fast
# (the ticket is already stored and the stale-ticket sweep re-queues it) instead of hanging.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 4
# Celery closes the DB connection around every task by default (≈85 tasks/s in DESIGN.md's
# measurements); reusing it for many tasks is what lets one worker keep up (≈200/s).
CELERY_DB_REUSE_MAX = env_int("CELERY_DB_REUSE_MAX", 100, minimum=0)
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# What tasks print (the console notification backend's messages) is ordinary output, not a
# warning: Celery's default level made every demo SMS a WARNING line.
CELERY_WORKER_REDIRECT_STDOUTS_LEVEL = "INFO"
# How often the short re-queue sweeps look for tasks the web could not send (seconds).
FAILED_ENQUEUE_SWEEP_SECONDS = env_int("FAILED_ENQUEUE_SWEEP_SECONDS", 10, minimum=1)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# The frequent housekeeping tasks whose INFO lines the log leaves out (hotline/lib/quiet_tasks.py).
QUIET_TASKS = ("dispatch.tasks.requeue_failed_enqueues", "evaluation.tasks.open_failed_surveys")
# Every periodic job of the platform, in one place (STYLE.md rule 8).
CELERY_BEAT_SCHEDULE = {
    "requeue-stale-registered": {
        "task": "dispatch.tasks.requeue_stale_registered",
        "schedule": 60.0,
    },
    # After a broker outage: re-send only what the web could not send (tickets marked when the
    # send failed), so they are dispatched seconds after the broker is back. One query on an
    # empty partial index otherwise. The minute sweep above stays the safety net.
    "requeue-failed-enqueues": {
        "task": "dispatch.tasks.requeue_failed_enqueues",
        "schedule": FAILED_ENQUEUE_SWEEP_SECONDS,
        "options": {"expires": FAILED_ENQUEUE_SWEEP_SECONDS},
    },
    "open-failed-surveys": {
        "task": "evaluation.tasks.open_failed_surveys",
        "schedule": FAILED_ENQUEUE_SWEEP_SECONDS,
        "options": {"expires": FAILED_ENQUEUE_SWEEP_SECONDS},
    },
    # Records each change of light once and queues the notifications (DESIGN.md: red light).
    # A run left in the queue past the next one is pointless: the next one does the same work.
    "sweep-deadlines": {
        "task": "workorders.tasks.sweep_deadlines",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Follow-up: opens what a lost survey task missed, closes tickets whose window ended.
    "sweep-follow-ups": {
        "task": "evaluation.tasks.sweep_follow_ups",
        "schedule": 300.0,
        "options": {"expires": 290},
    },
    # Freezes last month's rankings once EVALUATION_CLOSE_AFTER_DAYS have passed; a no-op when
    # the month is already closed, so running it hourly is cheap and survives a beat outage.
    "close-month": {
        "task": "evaluation.tasks.close_due_month",
        "schedule": 3600.0,
        "options": {"expires": 3500},
    },
    # Retrains the classifier from new dispatcher-confirmed labels (a no-op when there are fewer
    # than CLASSIFIER_RETRAIN_MIN_NEW_LABELS); promoted only if it beats the active version.
    # Sunday night: training takes a worker process for minutes.
    # The knowledge base's entries due for review: one inbox notice to the owning unit per entry
    # and review date (a re-run delivers nothing new).
    "knowledge-review-reminders": {
        "task": "knowledge.tasks.deliver_review_reminders",
        "schedule": crontab(minute=0, hour=7),
        "options": {"expires": 6 * 3600},
    },
    "retrain-classifier": {
        "task": "dispatch.tasks.retrain_classifier",
        "schedule": crontab(minute=30, hour=2, day_of_week="sun"),
        "options": {"expires": 6 * 3600},
    },
    # The cockpit's daily volume rollup: yesterday's counts are final by now, and the days
    # before are recomputed because categories and regions are corrected after registration.
    "refresh-volume-rollup": {
        "task": "analysis.tasks.refresh_volume_rollup",
        "schedule": crontab(minute=10, hour=1),
        "options": {"expires": 6 * 3600},
    },
    # Records yesterday's hotspots (analysis/hotspots): idempotent per day, so a retry or a
    # second beat replaces the day's rows. Half past midnight local time: the day is complete.
    "record-hotspots": {
        "task": "analysis.hotspots.tasks.record_hotspots",
        "schedule": crontab(minute=30, hour=0),
        "options": {"expires": 20 * 3600},
    },
}

# The task queued when a ticket is registered. workorders must not import dispatch, so it
# names the task instead (STYLE.md: imports point dispatch → workorders).
TICKET_REGISTERED_TASK = "dispatch.tasks.auto_dispatch"
# The task queued when a ticket is resolved (it enters follow-up at once): the survey SMS. Named
# for the same reason (imports point evaluation → workorders).
TICKET_RESOLVED_TASK = "evaluation.tasks.send_survey"
# A ticket still "registered" this long after submission is re-queued by the sweep.
STALE_REGISTERED_SECONDS = env_int("STALE_REGISTERED_SECONDS", 120, minimum=1)
# Auto-dispatch only above this confidence; below it the ticket goes to triage.
AUTO_DISPATCH_THRESHOLD = env_float("AUTO_DISPATCH_THRESHOLD", 0.6, minimum=0.0, maximum=1.0)
# The learned classifier (dispatch/learning.py): the weekly retrain runs when at least this many
# new confirmed labels exist; training reads at most the newest CLASSIFIER_MAX_TRAINING_TICKETS
# (50,000 train in minutes on one core: bench/classifier.py); each worker process checks this
# often (seconds) whether another version became active.
CLASSIFIER_RETRAIN_MIN_NEW_LABELS = env_int("CLASSIFIER_RETRAIN_MIN_NEW_LABELS", 200, minimum=1)
CLASSIFIER_MAX_TRAINING_TICKETS = env_int("CLASSIFIER_MAX_TRAINING_TICKETS", 50_000, minimum=100)
CLASSIFIER_CHECK_SECONDS = env_int("CLASSIFIER_CHECK_SECONDS", 60, minimum=0)
# Duplicate suggestions (dispatch/duplicates.py): open tickets registered in the last
# DUPLICATE_WINDOW_DAYS days are compared; a candidate is shown from a text similarity of
# DUPLICATE_MIN_TEXT and is "likely" the same request when it reaches DUPLICATE_LIKELY_TEXT and
# its address similarity DUPLICATE_LIKELY_PLACE. bench/similar.py: rephrased second callers score
# 0.45 or more for 95 % of them, other problems at the same place at most 0.10.
DUPLICATE_WINDOW_DAYS = env_int("DUPLICATE_WINDOW_DAYS", 7, minimum=1)
DUPLICATE_MIN_TEXT = env_float("DUPLICATE_MIN_TEXT", 0.12, minimum=0.0, maximum=1.0)
DUPLICATE_LIKELY_TEXT = env_float("DUPLICATE_LIKELY_TEXT", 0.3, minimum=0.0, maximum=1.0)
DUPLICATE_LIKELY_PLACE = env_float("DUPLICATE_LIKELY_PLACE", 0.6, minimum=0.0, maximum=1.0)
# A unit may ask to return a ticket within this many days of dispatch (DESIGN.md: 2 working days).
RETURN_WINDOW_DAYS = env_int("RETURN_WINDOW_DAYS", 2, minimum=0)
# The dispatch step's deadline (Ticket.dispatch_due_at): working hours for ordinary tickets,
# calendar minutes for emergencies.
DISPATCH_DUE_WORKING_HOURS = env_float(
    "DISPATCH_DUE_WORKING_HOURS", 2.0, minimum=0.1, maximum=100.0
)
DISPATCH_DUE_EMERGENCY_MINUTES = env_int("DISPATCH_DUE_EMERGENCY_MINUTES", 30, minimum=1)

# --- deadlines and notifications --------------------------------------------------------------


def _working_hours(value: str) -> list[tuple[str, str]]:
    """Parse "09:00-12:00,13:30-17:30" into [("09:00", "12:00"), ("13:30", "17:30")]."""
    periods = []
    for part in value.split(","):
        start, sep, end = part.strip().partition("-")
        if not sep or not all(len(t) == 5 and t[2] == ":" for t in (start, end)) or start >= end:
            raise ImproperlyConfigured(
                f"WORKING_HOURS must look like 09:00-12:00,13:30-17:30: {value!r}"
            )
        if periods and start < periods[-1][1]:
            raise ImproperlyConfigured(f"WORKING_HOURS periods must be in order: {value!r}")
        periods.append((start, end))
    return periods


# Office hours on working days: "working hours" deadlines count only inside them, and a
# "working days" deadline falls due when the last period of its last day ends. The default is
# the common 政府机关 schedule (9:00–12:00, 13:30–17:30: seven hours a day).
WORKING_HOURS = _working_hours(env_str("WORKING_HOURS", "09:00-12:00,13:30-17:30"))
# Yellow light when this share of the allowed time is used, unless a policy sets its own.
DEADLINE_YELLOW_SHARE = env_float("DEADLINE_YELLOW_SHARE", 0.8, minimum=0.01, maximum=1.0)

# Pluggable like Django's e-mail backends: NOTIFICATION_BACKENDS names the ones to use (each
# message goes through all of them). console (worker log) needs nothing; file writes one file per
# message; email uses Django's EMAIL_* settings; sms POSTs to a generic HTTP gateway.
NOTIFICATION_BACKEND_CLASSES = {
    "console": "hotline.notifications.backends.ConsoleBackend",
    "file": "hotline.notifications.backends.FileBackend",
    "email": "hotline.notifications.backends.EmailBackend",
    "sms": "hotline.notifications.backends.SmsGatewayBackend",
    "locmem": "hotline.notifications.backends.LocmemBackend",
}
NOTIFICATION_BACKENDS = env_list("NOTIFICATION_BACKENDS", ["console"])
for _alias in NOTIFICATION_BACKENDS:
    if _alias not in NOTIFICATION_BACKEND_CLASSES:
        raise ImproperlyConfigured(
            f"NOTIFICATION_BACKENDS: unknown backend {_alias!r} "
            f"(choose from {', '.join(NOTIFICATION_BACKEND_CLASSES)})"
        )
NOTIFICATION_FILE_PATH = Path(env_str("NOTIFICATION_FILE_PATH", str(VAR_DIR / "notifications")))
SMS_GATEWAY_URL = env_str("SMS_GATEWAY_URL", "")
SMS_GATEWAY_TOKEN = env_str("SMS_GATEWAY_TOKEN", "")
SMS_GATEWAY_TIMEOUT = env_float("SMS_GATEWAY_TIMEOUT", 5.0, minimum=0.1, maximum=60.0)
if "sms" in NOTIFICATION_BACKENDS and not SMS_GATEWAY_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured("SMS_GATEWAY_URL must be an http(s) URL when the sms backend is on")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "12345-hotline@localhost")
# A failing backend is retried this many times, with exponential backoff, then marked failed.
NOTIFICATION_MAX_RETRIES = env_int("NOTIFICATION_MAX_RETRIES", 6, minimum=0)
# The inbox's unread count (in every staff page's menu) looks back this many days: an older
# notice nobody opened counts as read, so the count's cost stays bounded (workorders.selectors).
INBOX_UNREAD_DAYS = env_int("INBOX_UNREAD_DAYS", 30, minimum=1)

# --- follow-up and evaluation (evaluation/) ------------------------------------------------------
# Scheme and host citizens open the survey link on (it is sent by SMS); no trailing slash.
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# A survey link works this long after it was sent, and only once.
SURVEY_LINK_MAX_AGE_DAYS = env_int("SURVEY_LINK_MAX_AGE_DAYS", 7, minimum=1)
# The agent calls when the SMS survey is still unanswered this long after it was sent.
FOLLOW_UP_CALL_AFTER_HOURS = env_int("FOLLOW_UP_CALL_AFTER_HOURS", 24, minimum=0)
# After this many unanswered calls the citizen counts as unreachable; the next call waits at
# least FOLLOW_UP_RETRY_HOURS after the last one.
FOLLOW_UP_MAX_ATTEMPTS = env_int("FOLLOW_UP_MAX_ATTEMPTS", 3, minimum=1)
FOLLOW_UP_RETRY_HOURS = env_int("FOLLOW_UP_RETRY_HOURS", 4, minimum=0)
# The beat task closes a month into its frozen snapshot this many days after the month ended.
EVALUATION_CLOSE_AFTER_DAYS = env_int("EVALUATION_CLOSE_AFTER_DAYS", 3, minimum=0)
# A month not yet closed is computed live (≈1 s at 2 M tickets): at most once this often per
# process (0: on every request). Published months are read from their snapshot.
EVALUATION_LIVE_CACHE_SECONDS = env_int("EVALUATION_LIVE_CACHE_SECONDS", 60, minimum=0)
# Past days whose cockpit counts the nightly task recomputes (analysis.rollup).
COCKPIT_ROLLUP_REFRESH_DAYS = env_int("COCKPIT_ROLLUP_REFRESH_DAYS", 7, minimum=1)
# The hotspots of a period (analysis/hotspots/selectors.py) are recomputed at most this often per
# period (0: every request); editing the rules shows at once.
HOTSPOT_CACHE_SECONDS = env_int("HOTSPOT_CACHE_SECONDS", 300, minimum=0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    # No phone number, query code or survey token in any log line (hotline/lib/redaction.py).
    "filters": {
        "redact": {"()": "hotline.lib.redaction.RedactFilter"},
        "quiet": {"()": "hotline.lib.quiet_tasks.QuietHousekeeping"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact", "quiet"],
        },
        # Django's own handler of the development server's request lines, with the filter.
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["redact"],
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "jieba": {"level": "WARNING"},
        # Django's default handlers of "django" print unfiltered when DEBUG: the root's instead.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        # gunicorn's access log (when it is on) prints the query string: through the filter too.
        "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
if CELERY_BROKER_URL.startswith("filesystem://"):
    # kombu warns at every connection that a filesystem:// URL names no host; it needs none.
    LOGGING["loggers"]["kombu.connection"] = {"level": "ERROR"}
