"""Django settings, read from the environment (see docs/configuration.md).

``DATABASE_URL`` picks the database (default: an embedded SQLite file in ``TRASEU_DATA_DIR``);
``SECRET_KEY``, ``DEBUG`` and ``ALLOWED_HOSTS`` behave as in any Django deployment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext

from traseu.core.env import (
    ConfigurationError,
    cache_settings,
    data_dir,
    env_bool,
    env_int,
    env_list,
    env_str,
    secret_key,
)

django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent

DEBUG = env_bool("DEBUG", default=True)
SECRET_KEY = secret_key(DEBUG)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
# Behind a proxy that ends HTTPS: the origins browsers post from, and whether to trust the
# proxy's X-Forwarded-Proto header (only when the proxy always sets it).
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
if env_bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "ninja",  # serves the API docs' assets from our static files, not a CDN
    "traseu.core",
    "traseu.processes",
    "traseu.crm",
    "traseu.audit",
    "traseu.security",
    "traseu.forecasts",
    "traseu.prospecting",
    "traseu.analytics",
    "traseu.imports",
    "traseu.sales",
    "traseu.events",
    "traseu.aftersale",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "traseu.core.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "traseu.audit.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "traseu.core.middleware.TraseuErrorMiddleware",
]

ROOT_URLCONF = "traseu.urls"
WSGI_APPLICATION = "traseu.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]


def _database() -> dict[str, Any]:
    default_url = f"sqlite:///{data_dir() / 'traseu.sqlite3'}"
    config: dict[str, Any] = dict(
        dj_database_url.parse(env_str("DATABASE_URL") or default_url, conn_max_age=60)
    )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # IMMEDIATE transactions take the write lock up front, so two writers queue instead of
        # failing on a stale snapshot; WAL lets readers go on while one writes.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
        config["CONN_MAX_AGE"] = 0
        config["TEST"] = {"NAME": str(data_dir() / "test.sqlite3")}
    elif env_bool("DATABASE_PREPARED_STATEMENTS", True):
        # PostgreSQL plans a statement each time it is sent; prepared after its second use on a
        # connection, a query is planned once (the deal list's six-table join: 0.9 ms saved a
        # request). Off (false) behind pgbouncer in transaction mode before 1.21
        # (docs/operations.md).
        config["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 2}
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ro", "Română")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Bucharest")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = data_dir() / "static"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Security (docs/security.md). Argon2 for new and changed passwords; the others only check
# older hashes, which are rehashed with Argon2 at the next sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
# Asking browsers to preload the domain is the domain owner's decision, not the application's.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# Sign-in throttle (traseu.core.throttle): failures per username / per IP within the window
# lock that username / IP out for the lockout; 0 turns a limit off.
LOGIN_THROTTLE_USER_FAILURES = env_int("LOGIN_THROTTLE_USER_FAILURES", 5)
LOGIN_THROTTLE_IP_FAILURES = env_int("LOGIN_THROTTLE_IP_FAILURES", 30)
LOGIN_THROTTLE_WINDOW = env_int("LOGIN_THROTTLE_WINDOW", 900, minimum=1)
LOGIN_THROTTLE_LOCKOUT = env_int("LOGIN_THROTTLE_LOCKOUT", 900, minimum=1)
# Request bodies and uploads: larger bodies are refused (400); larger files go to a temporary
# file instead of memory. UPLOAD_MAX_BYTES is the largest file an upload form accepts.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_BYTES", 2_621_440, minimum=1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)
# A Content-Security-Policy on every answer (traseu.core.csp).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)

# REST API (docs/api.md). Requests per window per client IP and per token or signed-in user;
# 0 turns a limit off. Counters live in the cache: per process with the default LocMemCache.
API_RATE_LIMIT_WINDOW = env_int("API_RATE_LIMIT_WINDOW", 60, minimum=1)
API_RATE_LIMIT_PER_IP = env_int("API_RATE_LIMIT_PER_IP", 6000)
API_RATE_LIMIT_PER_CREDENTIAL = env_int("API_RATE_LIMIT_PER_CREDENTIAL", 3000)
# Behind a proxy that appends the client's address to X-Forwarded-For (and only then).
API_TRUST_X_FORWARDED_FOR = env_bool("API_TRUST_X_FORWARDED_FOR", default=False)
API_IDEMPOTENCY_HOURS = env_int("API_IDEMPOTENCY_HOURS", 24, minimum=1)

# The cache holds the sign-in throttle's and the API rate limits' counters. The default counts
# per process; with several server processes set a shared one (docs/operations.md).
CACHES = cache_settings(env_str("CACHE_URL", "locmem://"))

# Email (docs/configuration.md#email): EMAIL_BACKEND is console, file, smtp, locmem or a dotted
# path; by default SMTP when EMAIL_HOST is set, else the console. The file backend writes to
# TRASEU_DATA_DIR/mail.
EMAIL_HOST = env_str("EMAIL_HOST") or "localhost"
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=EMAIL_PORT == 587)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", default=EMAIL_PORT == 465)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ConfigurationError("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be true")
_EMAIL_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
}
_email_backend = env_str("EMAIL_BACKEND") or ("smtp" if env_str("EMAIL_HOST") else "console")
EMAIL_BACKEND = _EMAIL_BACKENDS.get(_email_backend, _email_backend)
EMAIL_FILE_PATH = data_dir() / "mail"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Traseu <traseu@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The address people open Traseu at, for links in emails.
TRASEU_BASE_URL = env_str("TRASEU_BASE_URL", "http://127.0.0.1:8000")

# Webhooks (docs/webhooks.md): seconds to wait for a receiver, attempts before giving up.
WEBHOOK_TIMEOUT = env_int("WEBHOOK_TIMEOUT", 10, minimum=1)
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 12, minimum=1)

# Proposal PDFs (docs/sales.md): the folder holding DejaVuSans.ttf and DejaVuSans-Bold.ttf.
TRASEU_PDF_FONT_DIR = env_str("TRASEU_PDF_FONT_DIR", "/usr/share/fonts/truetype/dejavu")
