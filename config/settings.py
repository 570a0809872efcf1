"""Backchannel settings: one module, read from the environment, safe by default.

DEBUG is off unless DJANGO_DEBUG=1; with DEBUG off, DJANGO_SECRET_KEY and
DJANGO_ALLOWED_HOSTS are required. `make run` sets the development values.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    """A boolean from the environment; anything but 1/0/true/false/yes/no/on/off is an error."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_required(name):
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(
            f"{name} must be set when DEBUG is off (set DJANGO_DEBUG=1 for development)."
        )
    return value


DEBUG = env_bool("DJANGO_DEBUG")

if DEBUG:
    SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or "insecure-development-key-do-not-deploy"
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
else:
    SECRET_KEY = env_required("DJANGO_SECRET_KEY")
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        env_required("DJANGO_ALLOWED_HOSTS")

CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "corsheaders",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "archive",
    "annotations",
]

MIDDLEWARE = [
    # First: every response, redirects and errors included, carries the request's id.
    "ops.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "ops.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before CommonMiddleware, so a preflight is answered before any redirect (see CORS_*).
    "corsheaders.middleware.CorsMiddleware",
    # Before anything reads: anonymous page views read from a replica (when there are any).
    "ops.replicas.ReplicaReadsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After auth and messages: marks pages made for one reader Cache-Control: private.
    "annotations.middleware.PrivateCacheMiddleware",
    # A unique rule broken by two saves at once is a 409 page, never a 500.
    "ops.middleware.IntegrityErrorMiddleware",
    # A write with no room left (disk or database full) is a 503 "try again", never a 500.
    "ops.middleware.StorageFullMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into a 429 page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Declared when a TLS proxy (load balancer) in front of us sets X-Forwarded-Proto and appends
# the client's address to X-Forwarded-For; only then are those headers believed.
BEHIND_TLS_PROXY = env_bool("DJANGO_BEHIND_TLS_PROXY")

# Login throttling (annotations/accounts/throttling.py): five failures for one username from one
# client lock that pair for an hour; twenty from one client, across any usernames, lock the client;
# and thirty for one username from any number of clients lock that username for an hour (an
# attacker with many addresses). A client is its address, or an IPv6 address's /64.
AXES_HANDLER = "annotations.accounts.throttling.AxesHandler"
AXES_FAILURE_LIMIT = 5
AXES_ADDRESS_FAILURE_LIMIT = 20
AXES_ACCOUNT_FAILURE_LIMIT = 30
AXES_USERNAME_CALLABLE = "annotations.accounts.throttling.attempted_username"
AXES_CLIENT_IP_CALLABLE = "lib.rate_limits.client_network"
AXES_COOLOFF_TIME = 1
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address", "username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# Content-Security-Policy: our own scripts, styles and images only; no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "archive.context_processors.archive",
            ],
        },
    },
]

# Databases: the embedded default is a SQLite file under var/; any DATABASE_URL works.
DEFAULT_SQLITE_PATH = BASE_DIR / "var" / "backchannel.sqlite3"
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE_PATH}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    sqlite_name = DATABASES["default"]["NAME"]
    if sqlite_name and sqlite_name != ":memory:":
        Path(sqlite_name).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers proceed while one writer writes; IMMEDIATE takes the write lock at
        # BEGIN so concurrent writers wait (busy timeout) instead of failing mid-transaction.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT: the public pages run short indexed queries, for which PostgreSQL's cost model
    # still chooses to JIT-compile (0.8 s of a deep list page at a million rows, for nothing).
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = " ".join(filter(None, [options.get("options"), "-c jit=off"]))

# Read replicas (PostgreSQL hot standbys), comma-separated: anonymous page views read from them,
# everything else reads and writes on the primary (ops/replicas.py). Each becomes an alias
# replica_1, replica_2, … with the primary's options; tests mirror them onto the primary.
DATABASE_REPLICAS = []
for _number, _url in enumerate(
    filter(None, (part.strip() for part in os.environ.get("DATABASE_REPLICA_URLS", "").split(","))),
    start=1,
):
    _replica = dj_database_url.parse(_url, conn_max_age=60, conn_health_checks=True)
    if _replica["ENGINE"] != DATABASES["default"]["ENGINE"]:
        raise ImproperlyConfigured("DATABASE_REPLICA_URLS must use the primary's database engine")
    if "OPTIONS" in DATABASES["default"]:
        _replica["OPTIONS"] = {**DATABASES["default"]["OPTIONS"], **_replica.get("OPTIONS", {})}
    if _replica["ENGINE"] == "django.db.backends.postgresql":
        # A replica that accepts the connection and then says nothing must not hold a page:
        # give up after a few seconds and read from the primary (ops/replicas.py).
        _replica.setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES[f"replica_{_number}"] = _replica
    DATABASE_REPLICAS.append(f"replica_{_number}")
if DATABASE_REPLICAS:
    DATABASE_ROUTERS = ["ops.replicas.ReplicaRouter"]
# After a write, the same browser reads from the primary for this long (read-your-writes).
READ_YOUR_WRITES_SECONDS = int(os.environ.get("BACKCHANNEL_READ_YOUR_WRITES_SECONDS", "10"))
# A replica that fails to connect is left alone this long (its readers go to the primary).
REPLICA_RETRY_SECONDS = int(os.environ.get("BACKCHANNEL_REPLICA_RETRY_SECONDS", "30"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The archive's public address, for permalinks written where no request is at hand (exports and
# releases made by manage.py, note IRIs in W3C JSON-LD). Pages and the API use the request's host.
SITE_URL = os.environ.get("BACKCHANNEL_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

REDIS_URL = os.environ.get("REDIS_URL", "")
# The cache holds only figures that can be computed again: with REDIS_URL every app server shares
# them, and a Redis that is down or frozen is a miss after at most CACHE_TIMEOUT_SECONDS, then
# left alone for CACHE_RETRY_SECONDS (ops/cache_backends.py). Sessions, rate-limit counters
# and the figures' generation live in the database, so they hold with either cache.
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "ops.cache_backends.ResilientRedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CACHE_TIMEOUT_SECONDS = float(os.environ.get("BACKCHANNEL_CACHE_TIMEOUT_SECONDS", "0.5"))
CACHE_RETRY_SECONDS = int(os.environ.get("BACKCHANNEL_CACHE_RETRY_SECONDS", "30"))

# A list counts its matches up to this many and then says "more than" (lib/counting.py):
# counting a million rows on every request is what made deep lists slow.
LIST_COUNT_BOUND = 10_000

# Abuse limits, (actions, seconds), counted in the database (lib/rate_limits.py).
RATE_LIMITS = {
    # Password-reset mails: per e-mail address asked for, and per client address.
    "password_reset_email": (3, 3600),
    "password_reset_client": (10, 3600),
    # New notes and reports to the curators, per signed-in user.
    "note_create": (30, 600),
    "flag_create": (20, 3600),
    # Readers' takedown and correction requests, per client network (no account needed).
    "reader_request": (5, 3600),
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Imported attachments (archive.Attachment) live in the default storage: these folders on
# disk unless STORAGES["default"] names another backend (S3 and the like, for scale-out).
# Nothing under MEDIA_ROOT is served publicly: curators download through the admin.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", "") or BASE_DIR / "var" / "media")
MEDIA_URL = "media/"

# Imports (archive/importing/): the largest file `manage.py import_messages` accepts, and the
# largest the admin's upload page accepts (bigger files: the command).
IMPORT_MAX_FILE_BYTES = int(os.environ.get("IMPORT_MAX_FILE_BYTES", "") or 1024**3)
IMPORT_UPLOAD_MAX_BYTES = int(os.environ.get("IMPORT_UPLOAD_MAX_BYTES", "") or 25 * 1024**2)
# Where admin uploads wait for the background worker (empty: a folder in the system's temporary
# directory); the web server and `manage.py db_worker` must both see the same folder.
IMPORT_PENDING_DIR = os.environ.get("IMPORT_PENDING_DIR", "")

# Background work (the admin's imports, archive/importing/tasks.py): tasks are rows in this
# database, run by `manage.py db_worker` (make run and make serve start one beside the server).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Bounds a hostile file meets (archive/importing/limits.py): how far a zip's members may expand
# (counted as read) and how much more than their compressed size; the largest single message
# (an e-mail, a chat message, a CSV line); how deep MIME parts and JSON may nest.
IMPORT_MAX_UNCOMPRESSED_BYTES = int(os.environ.get("IMPORT_MAX_UNCOMPRESSED_BYTES", "") or 1024**3)
IMPORT_MAX_COMPRESSION_RATIO = int(os.environ.get("IMPORT_MAX_COMPRESSION_RATIO", "") or 100)
# DKIM (archive/models/authenticity.py): keys come from curators (Admin → DKIM keys); a lookup
# in today's DNS is made only when this is on, since keys are rotated and today's key says
# nothing of a 2016 signature. A signed mail that could not be checked keeps its exact bytes (up
# to this size) so that it can be checked once a key is supplied (manage.py verify_dkim).
DKIM_DNS_LOOKUPS = os.environ.get("DKIM_DNS_LOOKUPS", "") == "1"
DKIM_KEEP_RAW_BYTES = int(os.environ.get("DKIM_KEEP_RAW_BYTES", "") or 1024**2)
IMPORT_MAX_MESSAGE_BYTES = int(os.environ.get("IMPORT_MAX_MESSAGE_BYTES", "") or 50 * 1024**2)
IMPORT_MAX_NESTING_DEPTH = int(os.environ.get("IMPORT_MAX_NESTING_DEPTH", "") or 50)

# `manage.py check_links` (lib/linkcheck.py) does not ask addresses on loopback, private or
# link-local networks: a researcher's link must not make the server probe its own network.
# Turn on for an archive whose sources live on an intranet.
LINK_CHECK_PRIVATE_ADDRESSES = env_bool("BACKCHANNEL_LINK_CHECK_PRIVATE_ADDRESSES")

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# E-mail (password reset): the console in development, SMTP from the environment in production.
EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "backchannel@localhost")

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# HTTPS by default when DEBUG is off: a plain-HTTP request is redirected, and browsers are told
# (HSTS, one year, subdomains too) to use HTTPS only. DJANGO_ALLOW_PLAIN_HTTP=1 is the explicit
# opt-out, for a trusted network or a local benchmark. HSTS preloading is a commitment browsers
# keep for months, so it is on only when asked (DJANGO_HSTS_PRELOAD=1).
ALLOW_PLAIN_HTTP = env_bool("DJANGO_ALLOW_PLAIN_HTTP", default=DEBUG)
SECURE_SSL_REDIRECT = not ALLOW_PLAIN_HTTP
SECURE_HSTS_SECONDS = 0 if ALLOW_PLAIN_HTTP else 365 * 24 * 3600
SECURE_HSTS_INCLUDE_SUBDOMAINS = not ALLOW_PLAIN_HTTP
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD") and not ALLOW_PLAIN_HTTP
# Load balancers ask for /healthz over plain HTTP on their own network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if not SECURE_HSTS_PRELOAD:
    # W021 asks for preloading; ours is opt-in (above), so not asking is no warning.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]

SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", default=not ALLOW_PLAIN_HTTP)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Browser features the archive never uses, denied to its pages and anything they embed.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "bluetooth",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# What this deployment holds: the name used in citations, and the home page's heading and intro.
# Another archive is another set of fixtures plus these three values.
ARCHIVE_NAME = os.environ.get("ARCHIVE_NAME", "Backchannel")
ARCHIVE_TITLE = os.environ.get(
    "ARCHIVE_TITLE", "The @wikileaks – Donald Trump Jr. direct messages, 2016–2017"
)
ARCHIVE_INTRO = os.environ.get(
    "ARCHIVE_INTRO",
    "Private Twitter messages between the @wikileaks account and Donald Trump Jr., from "
    "September 2016 to July 2017, set beside the public events around them. Every record names "
    "its sources, says whether its text is verbatim, an excerpt or our summary, and gives its "
    "date only as precisely as the sources do.",
)

# The archive's context page (/about/), linked from every page: Markdown, from this file when
# set, else our own text (archive/views/care.py). Say how the texts were obtained and verified.
ARCHIVE_CONTEXT_FILE = os.environ.get("ARCHIVE_CONTEXT_FILE", "")

# One JSON line per request (backchannel.requests, at INFO) and per warning or error, on stderr.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "ops.log_format.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
    "loggers": {
        "backchannel.requests": {
            "handlers": ["console"],
            "level": os.environ.get("DJANGO_REQUEST_LOG_LEVEL", "INFO"),
            "propagate": False,
        },
    },
}
CSRF_FAILURE_VIEW = "archive.api.errors.csrf_failure"
FILTERS_EMPTY_CHOICE_LABEL = "Any"

# The read-only JSON API (archive/api/): anonymous, JSON only, errors as JSON, paged by keyset.
REST_FRAMEWORK = {
    # Everyone reads the same public records: no sign-in, so no CSRF and no per-user answers
    # (counts of notes are of public notes).
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "archive.api.pagination.KeysetCursorPagination",
    "DEFAULT_SCHEMA_CLASS": "archive.api.schema.ArchiveAutoSchema",
    "EXCEPTION_HANDLER": "archive.api.errors.exception_handler",
    # ?format= is the HTML lists' export switch; the API answers JSON whatever it says.
    "URL_FORMAT_OVERRIDE": None,
    "DATETIME_FORMAT": "iso-8601",
    "DATE_FORMAT": "iso-8601",
}
SPECTACULAR_SETTINGS = {
    "TITLE": f"{ARCHIVE_NAME} API",
    "DESCRIPTION": "Read-only JSON for the archive's published records.",
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/",
}
# CORS: any site may read the API from a browser (GET, HEAD and the preflight OPTIONS), without
# cookies. django-cors-headers rather than our own middleware: it answers preflights (methods,
# headers, max age) and adds `Vary: Origin` correctly, which is easy to get subtly wrong.
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
