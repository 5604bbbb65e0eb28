"""Ideabox settings: one module, every value from the environment (see .env.example and README).

The embedded default (no variable set but DEBUG=1, as `make run` does) runs on SQLite with the
in-memory channel layer and eager Celery. With DEBUG off, secrets have no default and
`manage.py check --deploy` is clean.
"""

from pathlib import Path

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError

from config.env import (
    REDIS_SCHEMES,
    get_bool,
    get_database,
    get_int,
    get_list,
    get_rate,
    get_str,
    get_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = get_bool("DEBUG", False)
TESTING = get_bool("IDEABOX_TESTING", False)

SECRET_KEY = get_str("SECRET_KEY", "insecure-development-key-do-not-use-in-production" if DEBUG else None)
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY: this environment variable is required when DEBUG is off")
if not DEBUG and len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY: use at least 50 random characters in production")
# Rotation: the previous keys, comma separated, still verify sessions, password-reset and
# unsubscribe links signed before the change, while everything new is signed with SECRET_KEY.
SECRET_KEY_FALLBACKS = get_list("SECRET_KEY_FALLBACKS", [])

ALLOWED_HOSTS = get_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS: list the host names the site answers to (comma separated)")
CSRF_TRUSTED_ORIGINS = get_list("CSRF_TRUSTED_ORIGINS", [])

SITE_URL = get_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_ID = 1

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "channels",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "django_celery_beat",
    "axes",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "config.badgify_app",
    "accounts",
    "ideas",
    "moderation",
    "gamification",
    "analytics",
    "frontend",
]

MIDDLEWARE = [
    "config.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages compressed (static files are already, by WhiteNoise, which answers before this point).
    # CSRF tokens are masked per response and Django pads gzip output against BREACH.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "config.middleware.NullCharacterMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.middleware.AdminEmptyToFieldMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "config.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "config.ratelimit.RateLimitMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "axes.middleware.AxesMiddleware",
    "analytics.middleware.VisitMiddleware",
    "config.errors.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "frontend" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "builtins": ["frontend.templatetags.icons"],
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "frontend.context_processors.shell",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
DATABASES = {"default": get_database("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = get_int("CONN_MAX_AGE", 60, minimum=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Several threads (runserver, live-server tests) write to one file: wait instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["connect_timeout"] = get_int("DATABASE_CONNECT_TIMEOUT", 5)
    # Postgres spent 1.8 ms planning the idea list's query (six tables: the idea, its author, theme,
    # campaign and entities) for 0.4 ms running it; searching join orders over at most 4 tables
    # at a time took 0.8 ms, and the plan ran as fast (bench/README.md). 0 keeps Postgres' default (8).
    _join_limit = get_int("DATABASE_JOIN_COLLAPSE_LIMIT", 4, minimum=0)
    if _join_limit:
        _options["options"] = f"{_options.get('options', '')} -c join_collapse_limit={_join_limit}".strip()
DATABASES["default"]["TEST"] = {"NAME": get_str("TEST_DATABASE_NAME", None)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith(("postgresql", "postgis"))

# --- Redis: cache, channel layer, Celery broker --------------------------------------------
REDIS_URL = get_url("REDIS_URL", None, schemes=REDIS_SCHEMES)
CHANNELS_REDIS_MAX_CONNECTIONS = get_int("CHANNELS_REDIS_MAX_CONNECTIONS", 1000, minimum=10)

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": get_str("CACHE_KEY_PREFIX", "ideabox"),
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    # socket_timeout above channels_redis' 5 s blocking pop: redis-py 8 defaults to 5 s too, and
    # the tie killed an idle websocket every 5 s (found by bench/extra_websockets.py).
    # One retry on a connection error only (never on a timeout, which would double the wait): a
    # connection pooled across a Redis restart fails its first command, and a websocket's ping
    # would report live updates paused though Redis is back (tests/accounts/test_redis_restart.py).
    _channel_hosts = [
        {
            "address": REDIS_URL,
            "max_connections": CHANNELS_REDIS_MAX_CONNECTIONS,
            "socket_timeout": 15,
            "retry": Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
        }
    ]
    # CHANNELS_LAYER=pubsub: Redis pub/sub (one message per group and daphne process, fanned out in
    # memory; at most once) instead of one Redis list entry per websocket (bench/extra_websockets.py).
    if get_str("CHANNELS_LAYER", "core") == "pubsub":
        CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                "CONFIG": {"hosts": _channel_hosts, "prefix": get_str("CHANNELS_PREFIX", "ideabox")},
            }
        }
    else:
        CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {
                    "hosts": _channel_hosts,
                    "prefix": get_str("CHANNELS_PREFIX", "ideabox"),
                    "capacity": 1000,
                },
            }
        }
    # Sessions read from Redis, written to both (a miss or a Redis outage reads Postgres): a query
    # less on every signed-in request. Not with the in-process cache, which processes do not share.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

CELERY_BROKER_URL = get_str("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = get_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": get_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=1),
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
# Publishing must not hang a request when the broker is down: the outbox keeps what could not leave.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "Europe/Paris"
CELERY_BEAT_SCHEDULE = {
    "sla-checks": {"task": "moderation.tasks.sla_checks", "schedule": 15 * 60},
    "archive-inactive": {"task": "moderation.tasks.archive_inactive", "schedule": 24 * 3600},
    "badges-nightly": {"task": "gamification.tasks.badges_nightly", "schedule": 24 * 3600},
    "trending": {"task": "ideas.tasks.trending_recompute", "schedule": 10 * 60},
    "drain-outbox": {"task": "accounts.tasks.drain_outbox", "schedule": 60},
    "analytics-nightly": {
        "task": "analytics.tasks.recompute_analytics",
        "schedule": crontab(hour=2, minute=30),
    },
    "daily-digest": {
        "task": "accounts.tasks.send_digests",
        "schedule": crontab(hour=7, minute=0),
        "args": ["daily"],
    },
    "weekly-digest": {
        "task": "accounts.tasks.send_digests",
        "schedule": crontab(hour=7, minute=30, day_of_week="monday"),
        "args": ["weekly"],
    },
}

# --- Auth ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.ModelBackend",
    "accounts.backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "frontend:home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"

# Sign-up is open only to these e-mail domains (comma separated); empty list = sign-up closed.
COMPANY_EMAIL_DOMAINS = [d.lower() for d in get_list("COMPANY_EMAIL_DOMAINS", ["example.com"])]
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupExtraForm"
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = get_str("ACCOUNT_EMAIL_VERIFICATION", "optional")
if ACCOUNT_EMAIL_VERIFICATION not in {"none", "optional", "mandatory"}:
    raise ImproperlyConfigured("ACCOUNT_EMAIL_VERIFICATION: expected none, optional or mandatory")
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_ONLY = get_bool("SOCIALACCOUNT_ONLY", False)

# Company SSO through OpenID Connect, configured from the environment only (no secrets in the DB).
OIDC_ISSUER = get_str("OIDC_ISSUER", None)
SOCIALACCOUNT_PROVIDERS = {}
if OIDC_ISSUER:
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "APPS": [
            {
                "provider_id": get_str("OIDC_PROVIDER_ID", "company"),
                "name": get_str("OIDC_NAME", "Company SSO"),
                "client_id": get_str("OIDC_CLIENT_ID", required=True),
                "secret": get_str("OIDC_CLIENT_SECRET", required=True),
                "settings": {
                    "server_url": OIDC_ISSUER,
                    "fetch_userinfo": True,
                    # The company IdP vouches for its own addresses: an account the HR directory
                    # created is linked by e-mail at the first SSO login instead of duplicated.
                    "verified_email": COMPANY_EMAIL_DOMAINS,
                },
            }
        ],
        "OAUTH_PKCE_ENABLED": True,
    }

AXES_FAILURE_LIMIT = get_int("AXES_FAILURE_LIMIT", 10, minimum=1)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "login"
AXES_USERNAME_CALLABLE = "accounts.lockout.username_being_tried"
AXES_ENABLED = get_bool("AXES_ENABLED", True)
AXES_LOCKOUT_TEMPLATE = "account/lockout.html"
# Behind N reverse proxies (nginx, the company load balancer), the client is read from X-Forwarded-For.
PROXY_COUNT = get_int("PROXY_COUNT", 0, minimum=0)
AXES_IPWARE_PROXY_COUNT = PROXY_COUNT or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if PROXY_COUNT else ("REMOTE_ADDR",)
)

# --- Internationalisation -----------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = get_str("TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True

# --- Static and media ---------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(get_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "frontend" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(get_str("MEDIA_ROOT", str(BASE_DIR / "media")))
BACKUP_DIR = Path(get_str("BACKUP_DIR", str(BASE_DIR / "backups")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
if get_str("AWS_STORAGE_BUCKET_NAME", None):
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage"}
    AWS_STORAGE_BUCKET_NAME = get_str("AWS_STORAGE_BUCKET_NAME")
    AWS_S3_ENDPOINT_URL = get_str("AWS_S3_ENDPOINT_URL", None)
    AWS_QUERYSTRING_AUTH = True
ATTACHMENT_MAX_BYTES = get_int("ATTACHMENT_MAX_MB", 10, minimum=1) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- E-mail -------------------------------------------------------------------------------
EMAIL_BACKEND = get_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = get_str("EMAIL_FILE_PATH", str(BASE_DIR / "media" / "outbox"))
EMAIL_HOST = get_str("EMAIL_HOST", "localhost")
EMAIL_PORT = get_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = get_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = get_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = get_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = get_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL: set at most one of them")
DEFAULT_FROM_EMAIL = get_str("DEFAULT_FROM_EMAIL", "Ideabox <ideabox@example.com>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- API ----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: DRF answers a request without (valid) credentials after the first class, 401
    # with "WWW-Authenticate: Token" here, where the session's 403 told a phone app with an
    # expired token "not allowed" instead of "sign in again".
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "config.parsers.JSONParser",  # refuses lone surrogates
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "config.api_schema.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {"contribution": get_str("API_CONTRIBUTION_RATE", "60/min")},
}
# Contributions per person, on pages and in the API (config/ratelimit.py): count/period, period in
# s, m, h or d. Past it the person gets 429 and a message saying when to try again.
RATE_LIMITS = {
    "idea": get_rate("RATE_LIMIT_IDEA", "10/h"),
    "comment": get_rate("RATE_LIMIT_COMMENT", "20/10m"),
    "vote": get_rate("RATE_LIMIT_VOTE", "60/10m"),
    "report": get_rate("RATE_LIMIT_REPORT", "10/h"),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Ideabox API",
    "DESCRIPTION": "Ideas, comments, votes, follows, campaigns, moderation and analytics.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"IdeaStateEnum": "ideas.models.IdeaState"},
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Security -----------------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SESSION_COOKIE_SECURE = get_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = get_bool("CSRF_COOKIE_SECURE", True)
    SECURE_SSL_REDIRECT = get_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz(/|$)"]
    SECURE_HSTS_SECONDS = get_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Product settings ---------------------------------------------------------------------
# A sentence set in the environment is shown as written; the default one is translated.
IDEABOX_OBJECTIVE = get_str("IDEABOX_OBJECTIVE") or _(
    "Every employee's idea reaches the expert who can make it happen, whatever their place in the hierarchy."
)

VOTE_PAIR_MONTHLY_CAP = get_int("VOTE_PAIR_MONTHLY_CAP", 5, minimum=0)
VOTE_MILESTONES = (10, 25, 50, 100, 250, 500, 1000)
TRENDING_HALF_LIFE_HOURS = get_int("TRENDING_HALF_LIFE_HOURS", 72, minimum=1)
ARCHIVE_AFTER_DAYS = get_int("ARCHIVE_AFTER_DAYS", 365, minimum=1)

# Segment thresholds (DESIGN.md section 6); any key of analytics.segments.thresholds() can be overridden.
ANALYTICS = {"window_days": get_int("ANALYTICS_WINDOW_DAYS", 90, minimum=7)}
# Dashboards' aggregates are kept this long in the cache (0: computed on every request).
ANALYTICS_CACHE_SECONDS = get_int("ANALYTICS_CACHE_SECONDS", 300, minimum=0)

# --- Logging: JSON lines with the request id ------------------------------------------------
LOG_LEVEL = get_str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.logging.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "config.logging.JsonFormatter"},
        "plain": {"format": "%(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": get_str("LOG_FORMAT", "plain" if DEBUG else "json"),
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's own console handler (DEBUG only) printed every django.* record a second time, bare,
        # beside the root's line ("Not Found: /favicon.ico" twice in `make run`): the root's only.
        "django": {"handlers": [], "propagate": True},
        "django.db.backends": {"level": "WARNING"},
        "badgify": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}
