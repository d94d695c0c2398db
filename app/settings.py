"""Seams settings: one file, read from the environment (django-environ).

Development defaults need nothing: SQLite, DEBUG on, events delivered in process.
``DJANGO_ENV=production`` requires ``SECRET_KEY``, ``DATABASE_URL`` and ``ALLOWED_HOSTS``
and turns on the HTTPS headers that ``manage.py check --deploy`` asks for.
"""

import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ

from app.kernel.topology import files as topology_files

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# ---------------------------------------------------------------------------
# Profile
# ---------------------------------------------------------------------------
DJANGO_ENV = env.str("DJANGO_ENV", default="development")
if DJANGO_ENV not in {"development", "production"}:
    raise environ.ImproperlyConfigured(
        f"DJANGO_ENV must be 'development' or 'production', not {DJANGO_ENV!r}"
    )
PRODUCTION = DJANGO_ENV == "production"
if PRODUCTION and (
    missing := [
        name
        for name in ("SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS")
        if not env(name, default="")
    ]
):
    raise environ.ImproperlyConfigured(
        "DJANGO_ENV=production needs these environment variables set: " + ", ".join(missing)
    )


def _required_in_production(name: str, dev_default: str) -> str:
    """Read ``name``; in production it must be set, in development it falls back."""
    if PRODUCTION:
        return env.str(name)  # raises ImproperlyConfigured when missing
    return env.str(name, default=dev_default)


DEBUG = env.bool("DEBUG", default=not PRODUCTION)
SECRET_KEY = _required_in_production(
    "SECRET_KEY", "dev-only-insecure-key-0123456789-abcdefghijklmnopqrstuvwxyz-seams"
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["*"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise environ.ImproperlyConfigured("Set the ALLOWED_HOSTS environment variable")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# ---------------------------------------------------------------------------
# Modules: the bounded contexts this deployable hosts (see docs/modules.md)
# ---------------------------------------------------------------------------
SEAMS_MODULES = [
    "modules.accounts",
    "modules.catalog",
    "modules.inventory",
    "modules.orders",
    "modules.payments",
    "modules.notifications",
    "modules.analytics",
]
# A module-sliced test run (`pytest --module NAME`, tests/slicing.py, ADR 0017) hosts only NAME,
# the modules whose api it calls and the user model's module; the others are faked.
SEAMS_TEST_SLICE = env.str("SEAMS_TEST_SLICE", default="")
if SEAMS_TEST_SLICE:
    if "pytest" not in sys.modules:
        raise environ.ImproperlyConfigured("SEAMS_TEST_SLICE is for test runs (pytest --module)")
    from app.kernel.modulekit import slices  # only a sliced test run reads the sources

    _slice = slices.plan(SEAMS_TEST_SLICE, SEAMS_MODULES, BASE_DIR)
    SEAMS_MODULES = [f"modules.{name}" for name in _slice.installed]
# Data-ownership guard: SQL a module runs that touches another module's tables is refused
# (raise), logged (log) or not checked (off). See docs/decisions/0002-boundaries.md.
SEAMS_OWNERSHIP_GUARD = env.str("SEAMS_OWNERSHIP_GUARD", default="log" if PRODUCTION else "raise")
if SEAMS_OWNERSHIP_GUARD not in {"raise", "log", "off"}:
    raise environ.ImproperlyConfigured("SEAMS_OWNERSHIP_GUARD must be raise, log or off")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "app.kernel",
    "app.kernel.events",
    "app.kernel.idempotency",
    *SEAMS_MODULES,
]

MIDDLEWARE = [
    "app.kernel.observability.middleware.RequestLogMiddleware",  # first: logs every request once
    "app.kernel.health.HealthProbeMiddleware",  # /healthz/, /readyz/ whatever the Host header
    "django.middleware.security.SecurityMiddleware",
    "app.kernel.http.middleware.ProblemDetailsMiddleware",  # HTML error pages → problem+json
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "app.kernel.http.middleware.CommonMiddleware",  # Django's; no slash redirect for writes
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "app.kernel.boundaries.middleware.ModuleAttributionMiddleware",  # view's module: acting_as
]

ROOT_URLCONF = "app.urls"
WSGI_APPLICATION = "app.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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
            ],
        },
    },
]

# ---------------------------------------------------------------------------
# Data stores
# ---------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url(
        "DATABASE_URL",
        default="sqlite:///" + str(BASE_DIR / "db.sqlite3"),
    )
}
if PRODUCTION and "DATABASE_URL" not in env:
    raise environ.ImproperlyConfigured("Set the DATABASE_URL environment variable")
# Persistent connections in production (a new PostgreSQL connection per request or task
# cost more than the work it did, ADR 0014), checked before reuse so a restarted database
# costs one failed health check, not a failed request. Development keeps Django's default.
DATABASES["default"].setdefault(
    "CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60 if PRODUCTION else 0)
)
DATABASES["default"].setdefault(
    "CONN_HEALTH_CHECKS", env.bool("DB_CONN_HEALTH_CHECKS", default=True)
)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _pg_options = DATABASES["default"].setdefault("OPTIONS", {})
    # A database that does not answer fails /readyz/ in seconds rather than hanging it.
    _pg_options.setdefault("connect_timeout", env.int("DB_CONNECT_TIMEOUT", default=5))
    # Parameters bound by the server, and a statement a connection has run this many times
    # prepared there: PostgreSQL parses and plans it once per connection, not per run
    # (ADR 0026). Behind a pooler that cannot keep prepared statements (PgBouncer in
    # transaction mode before 1.21), set DB_PREPARE_THRESHOLD=off.
    _pg_options.setdefault("server_side_binding", env.bool("DB_SERVER_SIDE_BINDING", default=True))
    _prepare_threshold = env.str("DB_PREPARE_THRESHOLD", default="5")
    if not (_prepare_threshold == "off" or _prepare_threshold.isdigit()):
        raise environ.ImproperlyConfigured("DB_PREPARE_THRESHOLD must be a whole number or off")
    _pg_options.setdefault(
        "prepare_threshold", None if _prepare_threshold == "off" else int(_prepare_threshold)
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes or threads on one file (make run, all-in-one): take the write lock at
    # BEGIN and wait for it, instead of failing with "database is locked" mid-transaction.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        transaction_mode="IMMEDIATE",
        timeout=env.int("SQLITE_TIMEOUT", default=20),
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    )
DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", default=None)}

# ---------------------------------------------------------------------------
# Topology: which service this process is, which modules it hosts, where their tables live
# (topologies/*.toml, app/kernel/topology/, docs/topology.md)
# ---------------------------------------------------------------------------
SEAMS_TOPOLOGY = env.str("SEAMS_TOPOLOGY", default="monolith")
SEAMS_SERVICE = env.str("SEAMS_SERVICE", default="")
_topology = topology_files.load(SEAMS_TOPOLOGY)
if SEAMS_TEST_SLICE:
    _topology = _topology.restricted_to([package.rsplit(".", 1)[1] for package in SEAMS_MODULES])
DATABASES = topology_files.databases(
    _topology,
    SEAMS_SERVICE,
    DATABASES["default"],
    env.str("DATABASE_URL", default="sqlite:///" + str(BASE_DIR / "db.sqlite3")),
)
DATABASE_ROUTERS = ["app.kernel.topology.router.ModuleRouter"]

# ---------------------------------------------------------------------------
# Module apis bound local or remote (app/kernel/remote/, docs/decisions/0006)
# ---------------------------------------------------------------------------
# Strict: a local api call sends its arguments and result through the same validation and
# JSON round trip as a remote one, so what passes locally passes remotely (costs ~µs/call).
SEAMS_API_STRICT = env.bool("SEAMS_API_STRICT", default=not PRODUCTION)
# Keys signing calls between services: the first signs, all verify (rotation: two at once).
# Unset: one key derived from SECRET_KEY, which production with several service processes
# refuses (a topology run in one process, such as the split test mode, signs to itself).
SEAMS_INTERNAL_KEYS = env.list("SEAMS_INTERNAL_KEYS", default=[])
if (
    PRODUCTION
    and len(_topology.services) > 1
    and not _topology.in_process
    and not SEAMS_INTERNAL_KEYS
):
    raise environ.ImproperlyConfigured(
        f"topology {_topology.name!r} has {len(_topology.services)} services: set "
        "SEAMS_INTERNAL_KEYS (comma-separated shared keys, the same in every service)"
    )
if any(len(key) < 32 for key in SEAMS_INTERNAL_KEYS):
    raise environ.ImproperlyConfigured("every key in SEAMS_INTERNAL_KEYS needs 32+ characters")

# The Celery broker and the cache never share a Redis database: the broker needs
# ``noeviction`` and its queues must survive a cache clear (FLUSHDB), and cache growth must not
# fill the broker's memory. CACHE_URL defaults to REDIS_URL's database number + 1.
REDIS_URL = env.str("REDIS_URL", default="")


def _next_redis_database(url: str) -> str:
    """``redis://host:6379/4`` -> ``redis://host:6379/5`` (no number means database 0)."""
    parts = urlsplit(url)
    number = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{number + 1}"))


CACHE_URL = env.str("CACHE_URL", default=_next_redis_database(REDIS_URL) if REDIS_URL else "")
if CACHE_URL and CACHE_URL == REDIS_URL:
    raise environ.ImproperlyConfigured(
        "CACHE_URL must name another Redis database than REDIS_URL (the broker's): a cache "
        "clear would drop queued tasks"
    )
if CACHE_URL:
    CACHES = {"default": {"BACKEND": "app.kernel.cache.RedisCache", "LOCATION": CACHE_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# ---------------------------------------------------------------------------
# Money
# ---------------------------------------------------------------------------
SEAMS_CURRENCY = env.str("SEAMS_CURRENCY", default="EUR")
SEAMS_MAX_TOP_UP = env.str("SEAMS_MAX_TOP_UP", default="1000.00")

# ---------------------------------------------------------------------------
# Checkout saga (modules/orders, docs/saga.md)
# ---------------------------------------------------------------------------
# A checkout still running this long after the order was placed is timed out and compensated.
SEAMS_SAGA_TIMEOUT_SECONDS = env.int("SEAMS_SAGA_TIMEOUT_SECONDS", default=300)
# An active checkout no step has touched for this long is driven again by beat (every 10 s):
# the delivery driving it may be held by a worker that died. Steps are idempotent and locked,
# so an early re-drive costs a query, never a second charge.
SEAMS_SAGA_REDRIVE_AFTER_SECONDS = env.int("SEAMS_SAGA_REDRIVE_AFTER_SECONDS", default=20)
# The longest ``GET /api/v1/orders/{id}/`` holds its answer for ``Prefer: wait=N`` while the
# order is pending (ADR 0025); each held request keeps one of the web's threads.
SEAMS_ORDER_WAIT_MAX_SECONDS = env.float("SEAMS_ORDER_WAIT_MAX_SECONDS", default=10.0)
if SEAMS_ORDER_WAIT_MAX_SECONDS < 0:
    raise environ.ImproperlyConfigured("SEAMS_ORDER_WAIT_MAX_SECONDS must be 0 or more")

# ---------------------------------------------------------------------------
# Events and Celery: in process without Redis, through Celery queues with it
# (docs/events.md; queues, routes and the beat schedule come from the manifests in app/celery.py)
# ---------------------------------------------------------------------------
# Under pytest, events are delivered in process and drained right after each commit, so tests
# behave the same with or without REDIS_URL (app.kernel.events.testing.drain() otherwise).
TESTING = "pytest" in sys.modules
SEAMS_EVENT_TRANSPORT = env.str(
    "SEAMS_EVENT_TRANSPORT", default="celery" if REDIS_URL and not TESTING else "embedded"
)
SEAMS_EVENTS_EMBEDDED_DISPATCH = env.str(
    "SEAMS_EVENTS_EMBEDDED_DISPATCH", default="inline" if TESTING else "thread"
)
# Retries: 30 attempts, 1 s doubling to 60 s, each wait 50-100 % of its step: a delivery is
# dead after 12-24 minutes of failures (an outage of several minutes is ridden out), and once
# the failing dependency is back it runs again within a minute.
SEAMS_EVENTS_MAX_ATTEMPTS = env.int("SEAMS_EVENTS_MAX_ATTEMPTS", default=30)
SEAMS_EVENTS_RETRY_BASE_SECONDS = env.float("SEAMS_EVENTS_RETRY_BASE_SECONDS", default=1.0)
SEAMS_EVENTS_RETRY_MAX_SECONDS = env.float("SEAMS_EVENTS_RETRY_MAX_SECONDS", default=60.0)
SEAMS_EVENTS_BOOKKEEPING_RETRY_SECONDS = env.float(
    "SEAMS_EVENTS_BOOKKEEPING_RETRY_SECONDS", default=10.0
)
SEAMS_EVENTS_AFTER_COMMIT_GRACE_SECONDS = env.float(
    "SEAMS_EVENTS_AFTER_COMMIT_GRACE_SECONDS", default=30.0
)
SEAMS_EVENTS_SWEEP_SECONDS = env.float("SEAMS_EVENTS_SWEEP_SECONDS", default=1.0)
SEAMS_EVENTS_RELAY_BATCH = env.int("SEAMS_EVENTS_RELAY_BATCH", default=500)
SEAMS_EVENTS_RETENTION_DAYS = env.int("SEAMS_EVENTS_RETENTION_DAYS", default=7)

# At-least-once: ack after the task ran, requeue when a worker child dies mid-task, one
# message in hand per worker process. Sized together so that what a dead worker held runs
# again within about a minute (docs/events.md, "Sizing"):
# - a task runs at most CELERY_TASK_TIME_LIMIT (25 s; handlers take milliseconds);
# - Redis hands an unacked message to another worker after CELERY_VISIBILITY_TIMEOUT (60 s),
#   which must exceed twice the time limit (a prefetched message may wait for one task, then
#   run for one) and any countdown; event retries wait in the outbox, so they use none;
# - workers look for such messages every CELERY_UNACKED_RESTORE_INTERVAL x _THROTTLE (5 s);
# - the relay republishes a row still unhandled after SEAMS_EVENTS_REDELIVER_AFTER_SECONDS
#   (a message the broker lost), well after the visibility timeout had its chance;
# - the consumer's bookkeeping retries fit in the soft time limit.
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=25)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT * 9 // 10  # raises in the task first
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=60)
CELERY_UNACKED_RESTORE_INTERVAL = env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=5)
CELERY_UNACKED_RESTORE_THROTTLE = env.int("CELERY_UNACKED_RESTORE_THROTTLE", default=1)
SEAMS_EVENTS_REDELIVER_AFTER_SECONDS = env.float(
    "SEAMS_EVENTS_REDELIVER_AFTER_SECONDS", default=CELERY_VISIBILITY_TIMEOUT + 600
)
if CELERY_VISIBILITY_TIMEOUT <= 2 * CELERY_TASK_TIME_LIMIT:
    raise environ.ImproperlyConfigured(
        "CELERY_VISIBILITY_TIMEOUT must exceed twice CELERY_TASK_TIME_LIMIT (else Redis "
        "redelivers tasks that are still waiting or running)"
    )
if SEAMS_EVENTS_REDELIVER_AFTER_SECONDS <= CELERY_VISIBILITY_TIMEOUT + (
    CELERY_UNACKED_RESTORE_INTERVAL * CELERY_UNACKED_RESTORE_THROTTLE
):
    raise environ.ImproperlyConfigured(
        "SEAMS_EVENTS_REDELIVER_AFTER_SECONDS must exceed CELERY_VISIBILITY_TIMEOUT plus the "
        "unacked-restore period (else the relay republishes what Redis is about to restore)"
    )
if SEAMS_EVENTS_BOOKKEEPING_RETRY_SECONDS >= CELERY_TASK_SOFT_TIME_LIMIT:
    raise environ.ImproperlyConfigured(
        "SEAMS_EVENTS_BOOKKEEPING_RETRY_SECONDS must be below CELERY_TASK_TIME_LIMIT's soft "
        "limit (9/10 of it)"
    )

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_ACKS_ON_FAILURE_OR_TIMEOUT = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Worker pool (ADR 0014): prefork children, more of them than cores, since handlers mostly
# wait on PostgreSQL. Prefork is the pool that enforces CELERY_TASK_TIME_LIMIT (the sizing
# above depends on it) and kills a stuck child; `worker -c N` still overrides.
CELERY_WORKER_POOL = env.str("CELERY_WORKER_POOL", default="prefork")
CELERY_WORKER_CONCURRENCY = env.int("CELERY_WORKER_CONCURRENCY", default=4)
# Celery's Django fixup closes every database connection around each task unless this is set;
# then only every that many tasks. app/celery.py applies CONN_MAX_AGE and the health checks
# around each task instead, as Django does around each request (ADR 0014).
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL or TESTING)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    # a worker scans for unacked messages past the timeout every interval x throttle seconds
    # (kombu's defaults 10 x 10); the messages of a worker that died are restored then
    "unacked_restore_interval": CELERY_UNACKED_RESTORE_INTERVAL,
    "unacked_restore_throttle": CELERY_UNACKED_RESTORE_THROTTLE,
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
# The kernel's tasks (relay sweep, prune) work on the database of the process running them:
# each service of a split topology has a kernel queue of its own, so they run in its worker.
CELERY_TASK_DEFAULT_QUEUE = SEAMS_EVENTS_KERNEL_QUEUE = env.str(
    "SEAMS_EVENTS_KERNEL_QUEUE",
    default=f"seams_events_{SEAMS_SERVICE}" if SEAMS_SERVICE else "seams_events",
)
CELERY_BEAT_RELAY_SWEEP_SECONDS = env.float("CELERY_BEAT_RELAY_SWEEP_SECONDS", default=30.0)
CELERY_BEAT_PRUNE_SECONDS = env.float("CELERY_BEAT_PRUNE_SECONDS", default=3600.0)

# ---------------------------------------------------------------------------
# HTTP API
# ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTStatelessUserAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["app.kernel.http.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "app.kernel.http.pagination.Pagination",
    "PAGE_SIZE": env.int("API_PAGE_SIZE", default=20),
    "EXCEPTION_HANDLER": "app.kernel.http.problems.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "app.kernel.http.schema.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "app.kernel.http.throttles.AnonymousRateThrottle",
        "app.kernel.http.throttles.CustomerRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("THROTTLE_ANON", default="300/min"),
        "user": env.str("THROTTLE_USER", default="1200/min"),
        "auth": env.str("THROTTLE_AUTH", default="60/min"),  # per address and endpoint
    },
    # Proxies in front that append to X-Forwarded-For (the edge, an Ingress): the client's
    # address for throttling is the entry they appended; with 0, REMOTE_ADDR. Never None,
    # DRF's default, which keys on the whole header as the client sent it (spoofable).
    "NUM_PROXIES": env.int("SEAMS_TRUSTED_PROXIES", default=0),
}
API_MAX_PAGE_SIZE = env.int("API_MAX_PAGE_SIZE", default=100)

# Idempotency-Key records (app/kernel/idempotency): kept at least this long, then pruned hourly;
# an in-flight record older than the lock time (its process died) may be taken over.
SEAMS_IDEMPOTENCY_TTL_HOURS = env.float("SEAMS_IDEMPOTENCY_TTL_HOURS", default=24.0)
SEAMS_IDEMPOTENCY_LOCK_SECONDS = env.float("SEAMS_IDEMPOTENCY_LOCK_SECONDS", default=60.0)
CELERY_BEAT_SCHEDULE = {  # merged with the kernel's and the modules' entries (app/celery.py)
    "idempotency-prune": {
        "task": "idempotency.prune",
        "schedule": 3600.0,
        "options": {"queue": SEAMS_EVENTS_KERNEL_QUEUE, "expires": 600},
    },
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=1)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "SIGNING_KEY": env.str("JWT_SIGNING_KEY", default=SECRET_KEY),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Seams shop API",
    "DESCRIPTION": "HTTP API v1 of the Seams modular monolith.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # /api/docs/ works offline: Swagger UI's assets come from drf-spectacular-sidecar
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # deepLinking: the front door links each module's group (/api/docs/#/orders)
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": True, "deepLinking": True},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "app.kernel.http.schema.add_problem_responses",  # 401/404/429... as problem+json
    ],
}

# ---------------------------------------------------------------------------
# Passwords, i18n, static files
# ---------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"  # filled by collectstatic (the image does it)
WHITENOISE_AUTOREFRESH = DEBUG  # development serves from the apps; no collectstatic needed

# ---------------------------------------------------------------------------
# Security (production profile)
# ---------------------------------------------------------------------------
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz/$", r"^readyz/$", r"^metrics$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# ---------------------------------------------------------------------------
# Logging (structlog): console in development, JSON lines in production
# ---------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="json" if PRODUCTION else "console")
LOGGING_CONFIG = None  # configured below, once, by the kernel
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # Celery logs through the same structlog handler
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")  # when set, GET /metrics needs it as bearer

from app.kernel.observability.logging import configure_logging  # noqa: E402

configure_logging(level=LOG_LEVEL, fmt=LOG_FORMAT)
