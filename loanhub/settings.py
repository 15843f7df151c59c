"""LoanHub settings: one module, every difference between environments read from variables.

Embedded default (no variables): SQLite under var/, Celery tasks run in-process once the
transaction commits, e-mail to the console, DEBUG only with LOANHUB_DEBUG=1.
Real mode: DATABASE_URL (PostgreSQL), CELERY_BROKER_URL (Redis), a worker and beat.
Production: LOANHUB_ENV=production with SECRET_KEY and LOANHUB_ALLOWED_HOSTS set; `check --deploy`
passes without warnings. See README "Configuration" and .env.example.
"""

from decimal import Decimal
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _
from kombu import Exchange, Queue

from loanhub import config

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

PRODUCTION = config.is_production()
SECRET_KEY = config.secret_key()
DEBUG = env.bool("LOANHUB_DEBUG", default=False) and not PRODUCTION

ALLOWED_HOSTS = env.list(
    "LOANHUB_ALLOWED_HOSTS",
    default=[] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"],
)
CSRF_TRUSTED_ORIGINS = env.list("LOANHUB_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "loanhub.apps.LoanHubAdminConfig",  # django.contrib.admin with throttled log-ins
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "simple_history",
    "axes",
    "csp",
    "loanhub.apps.LoanhubConfig",
    "notifications.apps.NotificationsConfig",
    "products.apps.ProductsConfig",
    "calculator.apps.CalculatorConfig",
    "customers.apps.CustomersConfig",
    "risk.apps.RiskConfig",
    "applications.apps.ApplicationsConfig",
    "servicing.apps.ServicingConfig",
    "monitoring.apps.MonitoringConfig",
    "marketing.apps.MarketingConfig",
    "marketing.rewards.apps.RewardsConfig",  # reward points and referrals (app label `rewards`)
    "demo.apps.DemoConfig",  # seed data; above every business app, imported by none
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "loanhub.middleware.SessionActivityMiddleware",  # idle timeout, "my sessions" records
    "loanhub.middleware.PrivateCacheMiddleware",  # Cache-Control: private, no-store when signed in
    "loanhub.middleware.DatabaseUnavailableMiddleware",  # a lost database connection: 503, not 500
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",  # last: answers a locked-out log-in
]

# --- Log-in lockout per account (django-axes; loanhub.lockout) -------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Locked: the account (whatever address the attempts come from), or an address (whatever accounts
# it tries).
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = env.int("LOANHUB_LOGIN_FAILURE_LIMIT", default=5)
LOANHUB_LOGIN_LOCKOUT_MINUTES = env.int("LOANHUB_LOGIN_LOCKOUT_MINUTES", default=15)
AXES_COOLOFF_TIME = "loanhub.lockout.cool_off"
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLE_ADMIN = False  # officers unlock through the user admin (recorded), not raw rows
# The same client address as the throttles (REST_FRAMEWORK["NUM_PROXIES"]).
AXES_CLIENT_IP_CALLABLE = "loanhub.throttling.client_address"

ROOT_URLCONF = "loanhub.urls"
WSGI_APPLICATION = "loanhub.wsgi.application"
ASGI_APPLICATION = "loanhub.asgi.application"

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
                "loanhub.context_processors.idle_warning",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
_database_url = config.database_url()
if _database_url:
    DATABASES = {"default": env.db_url_config(_database_url)}
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("LOANHUB_DB_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    VAR_DIR.mkdir(exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "loanhub.sqlite3",
            # A busy SQLite file waits instead of failing when the dev server and a command write.
            "OPTIONS": {"timeout": 20},
        }
    }
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/customers/login/"  # the admin keeps its own /admin/login/
# Signed-in sessions end after this many idle minutes (loanhub.sessions), and at the latest
# after SESSION_COOKIE_AGE; API tokens expire this many hours after they were issued.
LOANHUB_IDLE_TIMEOUT_STAFF_MINUTES = env.int("LOANHUB_IDLE_TIMEOUT_STAFF_MINUTES", default=30)
LOANHUB_IDLE_TIMEOUT_CUSTOMER_MINUTES = env.int("LOANHUB_IDLE_TIMEOUT_CUSTOMER_MINUTES", default=30)
LOANHUB_TOKEN_TTL_HOURS = env.int("LOANHUB_TOKEN_TTL_HOURS", default=24)

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files (WhiteNoise serves them with DEBUG off too) -------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Outside production WhiteNoise serves straight from the app and project static folders, so
# pages look right with DEBUG off without running collectstatic first.
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns on a missing root before collectstatic
MEDIA_ROOT = env.path("LOANHUB_MEDIA_ROOT", default=VAR_DIR / "media")

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_BACKEND = env.str("LOANHUB_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("LOANHUB_DEFAULT_FROM_EMAIL", default="LoanHub <noreply@loanhub.local>")
# The domain of the Message-ID a notification e-mail carries (its delivery key: notifications.backends).
LOANHUB_MESSAGE_ID_DOMAIN = env.str("LOANHUB_MESSAGE_ID_DOMAIN", default="loanhub.local")
# What a server process warms before it serves under LOANHUB_WARM_UP=1 (loanhub/wsgi.py).
LOANHUB_WARM_UP_PATHS = "products.warmup.public_paths"
# --- Notifications (the notifications app) --------------------------------------------------------
NOTIFICATIONS_SMS_BACKEND = env.str("LOANHUB_SMS_BACKEND", default="notifications.backends.ConsoleSmsBackend")
# Optional (marketing) e-mail and SMS wait out these local hours unless the user set their own.
NOTIFICATIONS_QUIET_HOURS = env.str("LOANHUB_QUIET_HOURS", default="21:00-08:00")
# Absolute links in messages (landing and unsubscribe links) start with this.
LOANHUB_SITE_URL = env.str("LOANHUB_SITE_URL", default="http://127.0.0.1:8000")
# --- Marketing ----------------------------------------------------------------------------------
# A customer reached by one campaign is not reached by another for this many days (0: no cap).
MARKETING_FREQUENCY_CAP_DAYS = env.int("LOANHUB_MARKETING_FREQUENCY_CAP_DAYS", default=7)
# Touches up to this many days before a submission count towards its attribution.
MARKETING_ATTRIBUTION_DAYS = env.int("LOANHUB_MARKETING_ATTRIBUTION_DAYS", default=30)

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy on every response, in every mode (django-csp 4): no inline script or
# style anywhere — pages use the stylesheets under static/ and classes. The only exception is
# the API documentation (loanhub.api_docs), whose Redoc bundle injects its own <style> elements.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("LOANHUB_SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("LOANHUB_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes a missing or expired credential a 401.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "loanhub.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("LOANHUB_THROTTLE_ANON", default="120/min"),
        "user": env.str("LOANHUB_THROTTLE_USER", default="600/min"),
        "calculator": env.str("LOANHUB_THROTTLE_CALCULATOR", default="120/min"),
        "auth": env.str("LOANHUB_THROTTLE_AUTH", default="20/min"),
    },
    "EXCEPTION_HANDLER": "loanhub.errors.api_exception_handler",
    # The client's address for every per-address limit: REMOTE_ADDR, or with N trusted reverse
    # proxies the N-th X-Forwarded-For entry from the right (what the nearest proxy saw). Never
    # the raw header: a client could otherwise send a new address with every request.
    "NUM_PROXIES": env.int("LOANHUB_TRUSTED_PROXIES", default=0),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "LoanHub API",
    "DESCRIPTION": "Loan products, calculators, applications and loans.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "loanhub.api_schema.document_unsupported_media_type",
    ],
    # Choice sets that share a field name get their own component names.
    "ENUM_NAME_OVERRIDES": {
        "ProductFrequencyEnum": "products.choices.Frequency",
        "RepaymentMethodEnum": "products.choices.RepaymentMethod",
        "ScheduleMethodEnum": "products.choices.SCHEDULE_METHODS",
        "KycStatusEnum": "customers.models.KycStatus",
        "CustomerDocumentKindEnum": "customers.models.DocumentKind",
        "FrequencyEnum": "products.choices.ENGINE_FREQUENCIES",
        "CollateralTypeEnum": "risk.collateral.CollateralType",
        "BusinessRiskGradeEnum": "products.choices.RISK_GRADES",
        "CollectionContactOutcomeEnum": "servicing.models.collections.ContactOutcome",
        "ContactChannelEnum": "marketing.models.ContactChannel",
        "ProductChannelEnum": "products.choices.Channel",
        "FollowUpKindEnum": "marketing.models.FollowUpKind",
    },
}

# --- Cache (throttling, idempotency keys, public page content) --------------------------------
# LOANHUB_CACHE_URL when set; in real mode (a Redis broker) without it, the broker's Redis under
# its own key prefix (loanhub.cache clears only those keys), so every server process shares one
# cache: throttles count per client, not per process, and a product published in one process
# leaves no stale page in another. Embedded mode: memory of the one process.
if env.str("LOANHUB_CACHE_URL", default=""):
    CACHES = {"default": env.cache_url("LOANHUB_CACHE_URL")}
elif config.broker_url():
    CACHES = {
        "default": {
            "BACKEND": "loanhub.cache.PrefixedRedisCache",
            "LOCATION": config.broker_url(),
            "KEY_PREFIX": "loanhub-cache",
            # An unreachable Redis fails fast (loanhub.cache: each user degrades) instead of hanging.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "loanhub"}}
# Seconds the content of public pages (catalogue, product, calculator) is kept at most; publishing
# or retiring a product renders it afresh at once (loanhub.pagecache).
LOANHUB_PAGE_CACHE_SECONDS = env.int("LOANHUB_PAGE_CACHE_SECONDS", default=300)

# --- Celery ---------------------------------------------------------------------------------
_broker_url = config.broker_url()
CELERY_BROKER_URL = _broker_url or "memory://"
LOANHUB_BROKER_CONFIGURED = _broker_url is not None
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
# Without a broker, tasks run in-process; enqueue_on_commit() still waits for the commit.
CELERY_TASK_ALWAYS_EAGER = _broker_url is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = [
    Queue(name, Exchange(name), routing_key=name)
    for name in ("default", "risk", "monitoring", "notifications")
]
# Queues by concern: risk (scoring), monitoring (close of business; monitoring jobs join it);
# notifications (message delivery and the release of messages held by quiet hours).
CELERY_TASK_ROUTES = {
    "risk.tasks.*": {"queue": "risk"},
    "servicing.tasks.*": {"queue": "monitoring"},
    "monitoring.tasks.*": {"queue": "monitoring"},
    "notifications.tasks.*": {"queue": "notifications"},
}
# A message taken by a worker that dies is delivered again after visibility_timeout seconds
# (acks_late); workers sweep for such messages every interval × throttle seconds.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
    "unacked_restore_throttle": env.int("CELERY_UNACKED_RESTORE_THROTTLE", default=10),
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Periodic jobs (synced into django_celery_beat's tables when beat starts); seconds between runs.
CELERY_BEAT_SCHEDULE = {
    "applications-expire-offers": {"task": "applications.tasks.expire_offers", "schedule": 15 * 60.0},
    "applications-requeue-stuck": {"task": "applications.tasks.requeue_stuck", "schedule": 5 * 60.0},
    # Accepted offers never paid out lapse (their redeemed points are refunded; the customer told).
    "applications-expire-acceptances": {
        "task": "applications.tasks.expire_acceptances",
        "schedule": 60 * 60.0,
    },
    # Offers about to expire: the customer is told once (applications.notices).
    "applications-notify-expiring-offers": {
        "task": "applications.tasks.notify_expiring_offers",
        "schedule": 60 * 60.0,
    },
    # Collateral valuations older than their type's revaluation age are flagged once a day.
    "servicing-collateral-revaluation": {
        "task": "servicing.tasks.collateral_revaluation",
        "schedule": 24 * 60 * 60.0,
    },
    # Close of business at 00:30 for every date up to yesterday (servicing.cob).
    "servicing-close-business-days": {
        "task": "servicing.tasks.close_business_days",
        "schedule": crontab(hour=0, minute=30),
    },
    # Runs whose chunk messages were lost (broker down or restarted) are sent again (servicing.cob).
    "servicing-resume-stalled-cob": {"task": "servicing.tasks.resume_stalled_cob", "schedule": 10 * 60.0},
    # Limits that grow with good history: proposals for the month, on the 2nd at 03:00 (servicing.limits).
    "servicing-propose-limits": {
        "task": "servicing.tasks.propose_limits",
        "schedule": crontab(day_of_month=2, hour=3, minute=0),
    },
    # The borrowers on the book rescored with the active scorecard on the 1st at 04:00, after the
    # night's close of business (monitoring.rescore; early warning's score_drift).
    "monitoring-rescore-portfolio": {
        "task": "monitoring.tasks.rescore_portfolio",
        "schedule": crontab(day_of_month=1, hour=4, minute=0),
    },
    # Messages held by the recipients' quiet hours are sent when the hours end (notifications).
    "notifications-release-held": {"task": "notifications.tasks.release_held", "schedule": 5 * 60.0},
    # Scheduled campaigns whose time has come are launched, recurring ones draft their next wave.
    "marketing-launch-due-campaigns": {"task": "marketing.tasks.launch_due_campaigns", "schedule": 5 * 60.0},
    # Reward points past their expiry date are written off once a day (marketing.rewards).
    "rewards-expire-points": {
        "task": "marketing.rewards.tasks.points_expire_due",
        "schedule": crontab(hour=1, minute=0),
    },
}

# --- Logging: structured enough to grep, never personal data ---------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Masks 18-character identity numbers and 11-digit mobile numbers in every record.
    "filters": {"mask_personal_data": {"()": "customers.logfilters.MaskPersonalDataFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["mask_personal_data"]}
    },
    "root": {"handlers": ["console"], "level": env.str("LOANHUB_LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- LoanHub business settings --------------------------------------------------------------
# Services that must answer for /readyz to say 200 and for service-dependent tests to run.
LOANHUB_REQUIRE_SERVICES = env.bool("LOANHUB_REQUIRE_SERVICES", default=False)
LOANHUB_HEALTH_TIMEOUT = env.float("LOANHUB_HEALTH_TIMEOUT", default=2.0)
# Seconds /readyz keeps its answer (the broker and worker checks wait up to the timeout above).
LOANHUB_READINESS_CACHE_SECONDS = env.int("LOANHUB_READINESS_CACHE_SECONDS", default=5)
LOANHUB_DEMO_PASSWORD = env.str("LOANHUB_DEMO_PASSWORD", default="loanhub-demo-2026")
LOANHUB_APR_CAP = Decimal(env.str("LOANHUB_APR_CAP", default="0.24"))  # legal APR cap, a fraction
# Dotted path of the CreditBureau implementation risk uses.
LOANHUB_CREDIT_BUREAU = env.str("LOANHUB_CREDIT_BUREAU", default="risk.bureau.LocalCreditBureau")
# Dotted path of the PaymentBackend the portal's pay-now form collects through (servicing.payments).
LOANHUB_PAYMENT_BACKEND = env.str(
    "LOANHUB_PAYMENT_BACKEND", default="servicing.payments.SimulatedBankTransfer"
)
# Customer documents: size limit of one upload, and the private directory they are stored in
# (never under MEDIA_ROOT; served only by the permission-checked customers document view).
LOANHUB_UPLOAD_MAX_BYTES = env.int("LOANHUB_UPLOAD_MAX_BYTES", default=5 * 1024 * 1024)
LOANHUB_PRIVATE_ROOT = env.path("LOANHUB_PRIVATE_ROOT", default=VAR_DIR / "private")
# Applications: days an approved offer stays open; approvals of referred applications above this
# amount need a second person (maker-checker); minutes after which submitted/scoring is "stuck".
LOANHUB_OFFER_EXPIRY_DAYS = env.int("LOANHUB_OFFER_EXPIRY_DAYS", default=14)
# Days an accepted offer may wait for its payout before it lapses (beat `expire_acceptances`).
LOANHUB_ACCEPTANCE_EXPIRY_DAYS = env.int("LOANHUB_ACCEPTANCE_EXPIRY_DAYS", default=30)
# Days before an offer expires that the customer is reminded (once; applications.notices).
LOANHUB_OFFER_EXPIRY_NOTICE_DAYS = env.int("LOANHUB_OFFER_EXPIRY_NOTICE_DAYS", default=3)
LOANHUB_SENIOR_APPROVAL_AMOUNT = Decimal(env.str("LOANHUB_SENIOR_APPROVAL_AMOUNT", default="200000"))
LOANHUB_STUCK_AFTER_MINUTES = env.int("LOANHUB_STUCK_AFTER_MINUTES", default=15)
# Monthly income from which a customer is in the high-net-worth segment (premium products).
LOANHUB_HIGH_NET_WORTH_INCOME = Decimal(env.str("LOANHUB_HIGH_NET_WORTH_INCOME", default="100000"))

# Servicing. Delinquency buckets: (code, first DPD, last DPD or None). Provisions follow the
# PBoC's 银行贷款损失准备计提指引: a general reserve on the performing book and specific rates by
# class. Non-accrual from this many days past due. IFRS 9 view: loss given default.
LOANHUB_DELINQUENCY_BUCKETS = (
    ("current", 0, 0),
    ("1-30", 1, 30),
    ("31-60", 31, 60),
    ("61-90", 61, 90),
    ("91-180", 91, 180),
    ("180+", 181, None),
)
LOANHUB_GENERAL_PROVISION_RATE = Decimal(env.str("LOANHUB_GENERAL_PROVISION_RATE", default="0.01"))
LOANHUB_SPECIFIC_PROVISION_RATES = {
    "pass": Decimal("0"),
    "special_mention": Decimal(env.str("LOANHUB_PROVISION_SPECIAL_MENTION", default="0.02")),
    "substandard": Decimal(env.str("LOANHUB_PROVISION_SUBSTANDARD", default="0.25")),
    "doubtful": Decimal(env.str("LOANHUB_PROVISION_DOUBTFUL", default="0.50")),
    "loss": Decimal(env.str("LOANHUB_PROVISION_LOSS", default="1.00")),
}
# Close of business: loans per chunk (one transaction, one task); set-based on PostgreSQL (off:
# every loan replayed, the reference path); closing dates after today only outside production
# (tests, demos and training environments move servicing's time forward this way).
LOANHUB_COB_CHUNK_SIZE = env.int("LOANHUB_COB_CHUNK_SIZE", default=25000)
# The command gives up following the workers when no chunk finishes for this long.
LOANHUB_COB_STALL_SECONDS = env.int("LOANHUB_COB_STALL_SECONDS", default=300)
# Minutes a running close-of-business run may go without a chunk done before beat's sweep sends
# its pending chunks again (their messages lost to a broker outage; servicing.cob.resume).
LOANHUB_COB_RESUME_AFTER_MINUTES = env.int("LOANHUB_COB_RESUME_AFTER_MINUTES", default=30)
# Deferrals (payment holidays, servicing.deferrals): at most this many installments at once, and
# above this amount deferred two different officers must approve (maker-checker).
LOANHUB_DEFERRAL_MAX_INSTALLMENTS = env.int("LOANHUB_DEFERRAL_MAX_INSTALLMENTS", default=3)
LOANHUB_DEFERRAL_SECOND_APPROVAL_AMOUNT = Decimal(
    env.str("LOANHUB_DEFERRAL_SECOND_APPROVAL_AMOUNT", default="10000")
)
# Restructuring (servicing.restructuring): the loan is classified at least substandard for this
# many months from the approval, and a day past due within them starts them again (2023 rules,
# 商业银行金融资产风险分类办法 art. 19-20: an observation period of at least one year).
LOANHUB_RESTRUCTURE_OBSERVATION_MONTHS = env.int("LOANHUB_RESTRUCTURE_OBSERVATION_MONTHS", default=12)
# Monitoring runs after each closed business date (off: `manage.py run_monitoring` only; the test
# suite turns it off except where monitoring is tested, so unrelated closes do not aggregate).
LOANHUB_MONITORING_AFTER_COB = env.bool("LOANHUB_MONITORING_AFTER_COB", default=True)
# Collections (servicing.collections) run after each closed business date: cases, promises to pay,
# dunning (off: the test suite, except tests/servicing/test_collections.py). A case is escalated
# to legal at LEGAL_DPD days past due and a write-off proposed at WRITE_OFF_DPD.
LOANHUB_COLLECTIONS_AFTER_COB = env.bool("LOANHUB_COLLECTIONS_AFTER_COB", default=True)
LOANHUB_COLLECTIONS_LEGAL_DPD = env.int("LOANHUB_COLLECTIONS_LEGAL_DPD", default=90)
LOANHUB_COLLECTIONS_WRITE_OFF_DPD = env.int("LOANHUB_COLLECTIONS_WRITE_OFF_DPD", default=180)
# Early warning: a loan whose signals' weights (monitoring.SignalWeight, data) add up to this opens a
# warning. The bureau's reports of applications elsewhere come from this source (a dotted path of a
# monitoring.early_warning.CustomerEventSource; the default asks risk.bureau for its inquiries).
LOANHUB_EARLY_WARNING_THRESHOLD = env.str("LOANHUB_EARLY_WARNING_THRESHOLD", default="1.00")
LOANHUB_EARLY_WARNING_SOURCES = {
    "new_application_elsewhere": env.str(
        "LOANHUB_EARLY_WARNING_BUREAU_SOURCE", default="monitoring.early_warning.bureau_new_applications"
    ),
}
# income_drop: a re-verified income at least this share below the income at application.
LOANHUB_EARLY_WARNING_INCOME_DROP = env.str("LOANHUB_EARLY_WARNING_INCOME_DROP", default="0.20")
# score_drift: a periodic rescore this many points (two PDOs of the scorecard: about four times the
# odds of bad), or grades, below the score at application.
LOANHUB_EARLY_WARNING_SCORE_DROP = env.int("LOANHUB_EARLY_WARNING_SCORE_DROP", default=40)
LOANHUB_EARLY_WARNING_GRADE_DROP = env.int("LOANHUB_EARLY_WARNING_GRADE_DROP", default=1)
# A loan whose warning was closed is not warned again for these days (the officer just looked).
LOANHUB_EARLY_WARNING_COOL_OFF_DAYS = env.int("LOANHUB_EARLY_WARNING_COOL_OFF_DAYS", default=30)
# Model monitoring: PSI traffic lights (below amber: stable; amber to red: watch; red and above:
# shifted; Siddiqi 2006), the days of decisions compared with the development sample, the
# outcome window of calibration (30+ days past due within it is bad) and the fewest loans a
# grade needs before its interval is judged.
LOANHUB_PSI_AMBER = Decimal(env.str("LOANHUB_PSI_AMBER", default="0.10"))
LOANHUB_PSI_RED = Decimal(env.str("LOANHUB_PSI_RED", default="0.25"))
LOANHUB_PSI_WINDOW_DAYS = env.int("LOANHUB_PSI_WINDOW_DAYS", default=30)
LOANHUB_CALIBRATION_OUTCOME_MONTHS = env.int("LOANHUB_CALIBRATION_OUTCOME_MONTHS", default=12)
LOANHUB_CALIBRATION_MIN_LOANS = env.int("LOANHUB_CALIBRATION_MIN_LOANS", default=30)
# The score distribution over time: decisions counted in bands of this many points (the
# scorecards' PDO: each band doubles the odds), shown from FROM up to TO (scores below FROM and
# at or above TO in the two open bands; the scorecards trained on the shipped data score about
# 360-620, most between 450 and 600).
LOANHUB_SCORE_BAND_WIDTH = env.int("LOANHUB_SCORE_BAND_WIDTH", default=20)
LOANHUB_SCORE_BANDS_FROM = env.int("LOANHUB_SCORE_BANDS_FROM", default=420)
LOANHUB_SCORE_BANDS_TO = env.int("LOANHUB_SCORE_BANDS_TO", default=620)
LOANHUB_COB_SET_BASED = env.bool("LOANHUB_COB_SET_BASED", default=True)
LOANHUB_COB_AHEAD_OF_CLOCK = env.bool("LOANHUB_COB_AHEAD_OF_CLOCK", default=not PRODUCTION) and not PRODUCTION
# Tests only (0, off, elsewhere): seconds each chunk waits with its work written but not yet
# committed and its loans locked, so the integration test can kill a worker inside a chunk.
LOANHUB_COB_CHUNK_DELAY_SECONDS = env.float("LOANHUB_COB_CHUNK_DELAY_SECONDS", default=0.0)
LOANHUB_NON_ACCRUAL_DPD = env.int("LOANHUB_NON_ACCRUAL_DPD", default=90)
# Revolving credit lines (随借随还): a statement's minimum due falls due this many days after the
# statement date; the minimum is the interest due plus this share of the principal drawn.
LOANHUB_CREDIT_LINE_DUE_DAYS = env.int("LOANHUB_CREDIT_LINE_DUE_DAYS", default=20)
LOANHUB_CREDIT_LINE_MINIMUM_PRINCIPAL_RATE = Decimal(
    env.str("LOANHUB_CREDIT_LINE_MINIMUM_PRINCIPAL_RATE", default="0.10")
)
# Limits that grow with good history (servicing.limits): the monthly job's rules. A customer
# qualifies with at least `min_months_on_book` months with us, an on-time ratio (installments and
# credit line minimums paid by their due date) of at least `min_on_time_ratio` over at least
# `min_installments_due`, nothing overdue now and no payment late within `recent_dpd_months`,
# and a history score of at least `min_score` (0-100: weights below). A credit line whose
# utilisation is at least `min_utilisation` is offered `increase_rate` more (at most
# `max_limit`); a customer with an active instalment loan a top-up of `top_up_rate` × its
# principal (rounded down to `round_to`, at most `max_top_up`). Offers stay open `offer_days`.
LOANHUB_LIMIT_GROWTH = {
    "min_months_on_book": env.int("LOANHUB_LIMIT_MIN_MONTHS_ON_BOOK", default=6),
    "min_installments_due": env.int("LOANHUB_LIMIT_MIN_INSTALLMENTS_DUE", default=3),
    "min_on_time_ratio": Decimal(env.str("LOANHUB_LIMIT_MIN_ON_TIME_RATIO", default="0.95")),
    "recent_dpd_months": env.int("LOANHUB_LIMIT_RECENT_DPD_MONTHS", default=12),
    "min_score": env.int("LOANHUB_LIMIT_MIN_SCORE", default=60),
    # Score weights (points): on-time ratio, months on book (full at `full_months`), utilisation
    # (full from `min_utilisation` up; lines only, loans count it full).
    "weight_on_time": 50,
    "weight_months": 30,
    "weight_utilisation": 20,
    "full_months": 24,
    "min_utilisation": Decimal(env.str("LOANHUB_LIMIT_MIN_UTILISATION", default="0.30")),
    "increase_rate": Decimal(env.str("LOANHUB_LIMIT_INCREASE_RATE", default="0.20")),
    "max_limit": Decimal(env.str("LOANHUB_LIMIT_MAX_LIMIT", default="300000")),
    "top_up_rate": Decimal(env.str("LOANHUB_LIMIT_TOP_UP_RATE", default="0.50")),
    "max_top_up": Decimal(env.str("LOANHUB_LIMIT_MAX_TOP_UP", default="200000")),
    "round_to": Decimal("100"),
    "offer_days": env.int("LOANHUB_LIMIT_OFFER_DAYS", default=45),
}
# Proposals adding at most this much (an increase) or offering at most this much (a top-up) are
# approved by the system; above the second amount two different officers must approve, the second
# a Senior Approver (maker-checker).
LOANHUB_LIMIT_AUTO_APPROVE_AMOUNT = Decimal(env.str("LOANHUB_LIMIT_AUTO_APPROVE_AMOUNT", default="5000"))
LOANHUB_LIMIT_SECOND_APPROVAL_AMOUNT = Decimal(
    env.str("LOANHUB_LIMIT_SECOND_APPROVAL_AMOUNT", default="20000")
)
LOANHUB_IFRS9_LGD = Decimal(env.str("LOANHUB_IFRS9_LGD", default="0.45"))
# The least share of the base LGD a secured loan keeps (servicing.collateral.lgd).
LOANHUB_IFRS9_LGD_FLOOR = Decimal(env.str("LOANHUB_IFRS9_LGD_FLOOR", default="0.10"))
# Regulatory floors the provisions report compares the book with (拨备覆盖率, 贷款拨备率).
LOANHUB_MIN_PROVISION_COVERAGE = Decimal(env.str("LOANHUB_MIN_PROVISION_COVERAGE", default="1.50"))
LOANHUB_MIN_LOAN_PROVISION_RATIO = Decimal(env.str("LOANHUB_MIN_LOAN_PROVISION_RATIO", default="0.025"))

# Reward points (marketing.rewards): points per installment repaid in full by its due date, per
# referred customer whose first loan is disbursed (to the referrer); days a lot of points lasts;
# the window the customer is told about points expiring soon; points that buy one basis point
# of rate discount at offer acceptance, and the largest discount one offer may get.
LOANHUB_POINTS_PER_ON_TIME_INSTALLMENT = env.int("LOANHUB_POINTS_PER_ON_TIME_INSTALLMENT", default=10)
LOANHUB_POINTS_PER_REFERRAL = env.int("LOANHUB_POINTS_PER_REFERRAL", default=200)
LOANHUB_POINTS_EXPIRY_DAYS = env.int("LOANHUB_POINTS_EXPIRY_DAYS", default=365)
LOANHUB_POINTS_EXPIRING_SOON_DAYS = env.int("LOANHUB_POINTS_EXPIRING_SOON_DAYS", default=30)
LOANHUB_POINTS_PER_BP = env.int("LOANHUB_POINTS_PER_BP", default=10)
LOANHUB_POINTS_MAX_DISCOUNT_BPS = env.int("LOANHUB_POINTS_MAX_DISCOUNT_BPS", default=50)
# After each closed business date, sync the points of loans that had an installment due (early
# payments held as credit settle it then); off: points follow payments and reversals only.
LOANHUB_POINTS_AFTER_COB = env.bool("LOANHUB_POINTS_AFTER_COB", default=True)

# Past versions are shown, never restored from the admin (see loanhub.admin_history).
SIMPLE_HISTORY_REVERT_DISABLED = True
