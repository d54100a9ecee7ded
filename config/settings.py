"""Settings of the after-sales service system: one file, driven by environment variables.

Every variable is listed in docs/configuration.md. Defaults are safe for
production (DEBUG off, secure cookies, HSTS, SSL redirect); `make run` turns
DEBUG on for the local demo.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-local-development-key-only-for-debug-mode-0123456789"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "aftersales.core",
    "aftersales.accounts",
    "aftersales.dealers",
    "aftersales.customers",
    "aftersales.catalogue",
    "aftersales.assets",
    "aftersales.contracts",
    "aftersales.calendars",
    "aftersales.service",
    "aftersales.inventory",
    "aftersales.loaners",
    "aftersales.toolkits",
    "aftersales.workorders",
    "aftersales.transfer",
    "aftersales.charges",
    "aftersales.aftercare",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "aftersales.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "aftersales.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "aftersales.accounts.middleware.SecurityContextMiddleware",
    "aftersales.core.middleware.SessionIdleTimeoutMiddleware",
    "aftersales.accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "aftersales.core.middleware.LoginRequiredMiddleware",
]

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
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "aftersales.core.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'aftersales.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # Wait for a writer instead of failing at once when two people save together.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTHENTICATION_BACKENDS = ["aftersales.accounts.security.LockoutBackend"]
LOGIN_LOCKOUT_ATTEMPTS = env_int("LOGIN_LOCKOUT_ATTEMPTS", 5)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15)
# Addresses of the reverse proxies in front (nginx, a load balancer), comma-separated: from these
# peers the client's address is read from X-Forwarded-For (login lockout, security log).
TRUSTED_PROXIES = [a.strip() for a in os.environ.get("TRUSTED_PROXIES", "").split(",") if a.strip()]
# Two-step login (TOTP): the name authenticator apps show, and how long the code step waits.
TOTP_ISSUER = os.environ.get("TOTP_ISSUER", "售后服务")
LOGIN_OTP_STEP_SECONDS = env_int("LOGIN_OTP_STEP_SECONDS", 300)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
# Uploaded files live outside every served folder; downloads go through views
# that check who may see them.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "files"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 10 * 1024 * 1024)

# Security: safe by default, relaxed only by DEBUG for the local demo.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)  # absolute limit
SESSION_IDLE_SECONDS = env_int("SESSION_IDLE_SECONDS", 30 * 60)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG and not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS = ["security.W021"]  # preload is an opt-in decision per domain

# E-mail
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "aftersales@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Cache: Redis when REDIS_URL is set, else memory of the process.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# Background jobs
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or REDIS_URL or "filesystem://"
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(VAR_DIR / "queue"),
        "data_folder_out": str(VAR_DIR / "queue"),
        "processed_folder": str(VAR_DIR / "queue-done"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL == "filesystem://"
    else {}
)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# SLA escalation (service requests): how often the pass runs; a run still queued when the next
# one is due is dropped (the next one does its work).
ESCALATION_INTERVAL_SECONDS = env_int("ESCALATION_INTERVAL_SECONDS", 60)
CELERY_BEAT_SCHEDULE = {
    "calendar-year-check": {"task": "aftersales.calendars.tasks.calendar_years_check", "schedule": 24 * 3600},
    "service-escalation": {
        "task": "aftersales.service.tasks.escalation_run",
        "schedule": ESCALATION_INTERVAL_SECONDS,
        "options": {"expires": ESCALATION_INTERVAL_SECONDS},
    },
}
# Escalation notices to an SMS / WeChat gateway: JSON POSTed to this URL (empty: no webhook).
NOTICE_WEBHOOK_URL = os.environ.get("NOTICE_WEBHOOK_URL", "")
NOTICE_WEBHOOK_TOKEN = os.environ.get("NOTICE_WEBHOOK_TOKEN", "")  # sent as "Authorization: Bearer ..."
NOTICE_WEBHOOK_TIMEOUT = float(os.environ.get("NOTICE_WEBHOOK_TIMEOUT", "5"))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["aftersales.accounts.permissions.RolePermission"],
    "DEFAULT_PAGINATION_CLASS": "aftersales.core.rest.Pagination",
    # JSON bodies only: nested records cannot be expressed in form posts; an upload route opts in to multipart
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "aftersales.core.filters.RecordFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "aftersales.core.rest.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "售后服务管理系统 API",
    "DESCRIPTION": "After-sales service management: customers, equipment, projects, contracts, entitlement.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # fields of the same name ("state", "kind", "condition") with different choices in different apps
    "ENUM_NAME_OVERRIDES": {
        "ServiceRequestStateEnum": "aftersales.service.choices.State",
        "WorkOrderStateEnum": "aftersales.workorders.choices.WorkOrderState",
        "LoanerStateEnum": "aftersales.loaners.choices.LoanerState",
        "LoanerEventKindEnum": "aftersales.loaners.choices.EventKind",
        "LoanReturnConditionEnum": "aftersales.loaners.choices.ReturnCondition",
        "ToolEventKindEnum": "aftersales.toolkits.choices.ToolEventKind",
        "PriceKindEnum": "aftersales.charges.choices.PriceKind",
        "QuoteStateEnum": "aftersales.charges.choices.QuoteState",
        "QuoteLineKindEnum": "aftersales.charges.choices.LineKind",
        "ReturnStateEnum": "aftersales.aftercare.choices.ReturnState",
        "DepotStateEnum": "aftersales.aftercare.choices.DepotState",
        "StockConditionEnum": "aftersales.inventory.choices.Condition",
        "StockLocationKindEnum": "aftersales.inventory.choices.LocationKind",
        "StockMovementKindEnum": "aftersales.inventory.choices.MovementKind",
        "PhotoKindEnum": "aftersales.workorders.models.PhotoKind",
        "ClockKindEnum": "aftersales.service.choices.ClockKind",
        "TimelineKindEnum": "aftersales.service.choices.TimelineKind",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "aftersales.core.schema.document_errors",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Product defaults an administrator can change per contract.
AFTERSALES = {
    "LATENT_DEFECT_MONTHS": 24,
    "RENEWAL_RATE": "0.05",
    "COMPANY_NAME": os.environ.get("COMPANY_NAME", "售后服务中心"),
}
