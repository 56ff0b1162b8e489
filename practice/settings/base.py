"""Settings shared by every environment. Safe by default: no debug, no secret."""

import datetime
import ipaddress
import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

DEBUG = False
ALLOWED_HOSTS: list[str] = []

INSTALLED_APPS = [
    "practice",  # the demo content command, and the stylesheet in practice/static/
    "home",
    "caching",
    "services",
    "bookings",
    "blog",
    "availability",
    "writing_checks",
    "deleted_blocks",
    "staff_access",
    "page_views",
    "backups",
    "search",
    "security_headers",
    "secret_paths",
    "wagtailseo",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.contrib.routable_page",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "django_tasks",
    "csp",  # django-csp's system checks of CONTENT_SECURITY_POLICY
    "modelcluster",
    "taggit",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Above the page cache: cached pages get the policies in force now (security_headers/middleware.py).
    "security_headers.middleware.ContentSecurityPolicyMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "security_headers.middleware.cross_origin_resource_policy_middleware",
    # Page views per day (page_views/counting.py): above the page cache, so cached pages count.
    "page_views.counting.PageViewMiddleware",
    # Above sessions, CSRF and auth: it must see the cookies and Vary they add.
    "caching.page_cache.PageCacheMiddleware",
    "home.request_memo.middleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Bodies that cannot be read, too large, of a type no form sends, or with control
    # characters: refused with a page, before anything reads request.POST (practice/request_guard/).
    "practice.request_guard.middleware.RequestGuardMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # A locked or unreachable database: a 503 page with Retry-After, not a 500.
    "practice.unavailable.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "practice.urls"
WSGI_APPLICATION = "practice.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "home.context_processors.site_chrome",
            ],
        },
    },
]

# SQLite needs WAL, IMMEDIATE transactions and a busy timeout to take
# concurrent writes from several workers without "database is locked".
SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}


def database_from_env(default_path: Path) -> dict:
    config = dj_database_url.config(
        default=f"sqlite:///{default_path}", conn_max_age=600, conn_health_checks=True
    )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {**SQLITE_OPTIONS, **config.get("OPTIONS", {})}
        config["CONN_MAX_AGE"] = 0
        # SQLite creates the file but not its folder: without this, `manage.py migrate`
        # right after `make install` fails with "unable to open database file".
        if config["NAME"] and config["NAME"] != ":memory:":
            Path(config["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    return config


DATABASES = {"default": database_from_env(VAR_DIR / "db.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "static_collected"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}

MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", VAR_DIR / "media"))
# One small server has no web server in front, so Django serves uploads
# itself. Set DJANGO_SERVE_MEDIA=0 when nginx or object storage does it.
SERVE_MEDIA = os.environ.get("DJANGO_SERVE_MEDIA", "1") == "1"

# -- Media on S3-compatible object storage (django-storages) ------------------------
# DJANGO_MEDIA_STORAGE=s3 keeps every upload in one bucket: original images and documents
# private (the admin links them with signed addresses that expire; visitors get documents
# through /documents/, so its privacy checks still apply), renditions under images/, which
# the bucket's policy makes public and pages link at DJANGO_MEDIA_PUBLIC_URL. See the
# README's "Object storage". Unset: files under DJANGO_MEDIA_ROOT, as above.
MEDIA_STORAGE = os.environ.get("DJANGO_MEDIA_STORAGE", "files").strip() or "files"


def s3_media_settings(environ) -> dict:
    """STORAGES' default and renditions entries and MEDIA_URL, from the environment."""
    from django.core.exceptions import ImproperlyConfigured

    missing = [
        name
        for name in ("DJANGO_MEDIA_S3_BUCKET", "DJANGO_MEDIA_PUBLIC_URL")
        if not environ.get(name, "").strip()
    ]
    if missing:
        raise ImproperlyConfigured(
            f"DJANGO_MEDIA_STORAGE=s3 needs {' and '.join(missing)}; see README.md."
        )
    public_url = environ["DJANGO_MEDIA_PUBLIC_URL"].strip().rstrip("/") + "/"
    public = urlsplit(public_url)
    if public.scheme not in ("http", "https") or not public.netloc:
        raise ImproperlyConfigured(
            "DJANGO_MEDIA_PUBLIC_URL is the address pages link renditions at, "
            f"e.g. https://media.calmhands.example/, not {public_url!r}."
        )
    bucket = {
        "bucket_name": environ["DJANGO_MEDIA_S3_BUCKET"].strip(),
        "endpoint_url": environ.get("DJANGO_MEDIA_S3_ENDPOINT_URL", "").strip() or None,
        "region_name": environ.get("DJANGO_MEDIA_S3_REGION", "").strip() or None,
        "access_key": environ.get("DJANGO_MEDIA_S3_ACCESS_KEY_ID", "").strip() or None,
        "secret_key": environ.get("DJANGO_MEDIA_S3_SECRET_ACCESS_KEY", "").strip() or None,
        # Two uploads called photo.jpg are two files, as on disk.
        "file_overwrite": False,
    }
    return {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {**bucket, "querystring_auth": True, "querystring_expire": 3600},
        },
        "renditions": {
            "BACKEND": "storages.backends.s3.S3Storage",
            # Plain addresses under the public URL: made without asking the bucket, the
            # same on every render, and cached for a year (a rendition never changes).
            "OPTIONS": {
                **bucket,
                "querystring_auth": False,
                "url_protocol": f"{public.scheme}:",
                "custom_domain": (public.netloc + public.path).rstrip("/"),
                "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
            },
        },
        "MEDIA_URL": public_url,
    }


if MEDIA_STORAGE == "s3":
    _s3_media = s3_media_settings(os.environ)
    STORAGES["default"] = _s3_media["default"]
    STORAGES["renditions"] = _s3_media["renditions"]
    WAGTAILIMAGES_RENDITION_STORAGE = "renditions"
    # Streamed by Wagtail's view after its privacy checks; no bucket address leaves the site.
    WAGTAILDOCS_SERVE_METHOD = "serve_view"
    MEDIA_URL = _s3_media["MEDIA_URL"]
    SERVE_MEDIA = False
elif MEDIA_STORAGE != "files":
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"DJANGO_MEDIA_STORAGE is 'files' or 's3', not {MEDIA_STORAGE!r}.")

# -- Cache and full-page cache (caching/page_cache.py) --------------------------
# One cache that every process on the machine shares: pages, renditions and the
# form rate limits. Files under var/cache by default: no server to run, no table
# to create, and a cached page is served without a single SQL query (a database
# cache would spend one on every hit). Set REDIS_URL to use Redis instead, e.g.
# when the site runs on more than one machine or the rate limits need atomic counts.
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
CACHE_DIR = Path(os.environ.get("DJANGO_CACHE_DIR", VAR_DIR / "cache"))


def shared_caches(redis_url: str, cache_dir: Path) -> dict:
    """The default cache, and Wagtail's renditions cache beside it (caching/rendition_cache.py)."""
    if redis_url:
        # Redis gone or hung: each process answers from its own memory after at most a
        # second, and tries Redis again every RETRY_SECONDS (caching/shared_cache.py).
        options = {"socket_connect_timeout": 1, "socket_timeout": 1, "RETRY_SECONDS": 5}
        return {
            "default": {
                "BACKEND": "caching.shared_cache.FallbackRedisCache",
                "LOCATION": redis_url,
                "KEY_PREFIX": "practice",
                "OPTIONS": options,
            },
            "renditions": {
                "BACKEND": "caching.rendition_cache.RedisRenditionCache",
                "LOCATION": redis_url,
                "KEY_PREFIX": "practice-renditions",
                "OPTIONS": options,
            },
        }
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(cache_dir),
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        },
        # A folder of its own: clearing one cache must not empty the other.
        "renditions": {
            "BACKEND": "caching.rendition_cache.FileRenditionCache",
            "LOCATION": str(cache_dir / "renditions"),
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        },
    }


CACHES = shared_caches(REDIS_URL, CACHE_DIR)
# Anonymous visitors get whole pages from the cache; any publish, setting or image
# change empties it at once. PAGE_CACHE_ENABLED=0 turns it off (the benchmark's
# uncached runs); PAGE_CACHE_TIMEOUT bounds how long an unchanged page is kept.
PAGE_CACHE_ENABLED = os.environ.get("PAGE_CACHE_ENABLED", "1") == "1"
PAGE_CACHE_TIMEOUT = int(os.environ.get("PAGE_CACHE_TIMEOUT", 60 * 60))
# After a change, the email worker renders up to this many public pages again (home page,
# indexes, newest guides first: caching/warming.py), so visitors get hits. 0: never.
PAGE_CACHE_REWARM_LIMIT = int(os.environ.get("PAGE_CACHE_REWARM_LIMIT", "100"))
# Each process keeps copies of the pages it served last (caching/recent_pages.py); 0: none.
PAGE_CACHE_RECENT_PAGES = int(os.environ.get("PAGE_CACHE_RECENT_PAGES", "64"))

# -- Front cache purge (caching/front_cache.py, deploy/nginx/) ------------------
# Only behind the nginx of deploy/: the address of its purge listener. Any change that
# empties the page cache then empties nginx's cache too. Unset: nothing is sent.
FRONTEND_CACHE_PURGE_URL = os.environ.get("FRONTEND_CACHE_PURGE_URL", "").strip()
WAGTAILFRONTENDCACHE = (
    {
        "nginx": {
            "BACKEND": "caching.front_cache.GenerationPurgeBackend",
            "LOCATION": FRONTEND_CACHE_PURGE_URL,
        }
    }
    if FRONTEND_CACHE_PURGE_URL
    else {}
)

WAGTAIL_SITE_NAME = "Calm Hands Massage Therapy"

# -- The site's public address (practice/public_address.py) -------------------------
# Where visitors reach the site, e.g. https://calmhands.example: the address of every
# canonical link, Open Graph and JSON-LD URL, the sitemap, the feed, and the links in
# emails and calendar files. `migrate` and `manage.py set_public_address` write it into
# Wagtail's default Site, whose URLs are https only on port 443. WAGTAILADMIN_BASE_URL, its
# older name, is read when DJANGO_PUBLIC_URL is unset. `check --deploy` refuses a loopback one.
DEMO_PUBLIC_URL = "http://127.0.0.1:8000"


def public_url_setting(value: str) -> str:
    """``https://Calmhands.example:443/`` gives ``https://calmhands.example``; a value that
    Wagtail's Site cannot hold is an ImproperlyConfigured naming it."""
    from django.core.exceptions import ImproperlyConfigured

    parts = urlsplit(value.strip())
    try:
        port = parts.port
    except ValueError:
        port = -1
    default_port = {"http": 80, "https": 443}.get(parts.scheme)
    problem = None
    if default_port is None or not parts.hostname:
        problem = "it is not an http:// or https:// address"
    elif parts.username or parts.password or parts.query or parts.fragment:
        problem = "it has more than a scheme, a host and a port"
    elif parts.path not in ("", "/"):
        problem = "the site is served from the root of its host, not from a path"
    elif port == -1:
        problem = "its port is not a number"
    elif parts.scheme == "https" and port not in (None, 443):
        problem = "Wagtail's Site names https only on port 443"
    elif parts.scheme == "http" and port == 443:
        problem = "port 443 is https"
    if problem:
        raise ImproperlyConfigured(
            f"DJANGO_PUBLIC_URL is {value!r}, but {problem}. "
            "It is the address visitors use, e.g. https://calmhands.example."
        )
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + ("" if port in (None, default_port) else f":{port}")


PUBLIC_URL = public_url_setting(
    os.environ.get("DJANGO_PUBLIC_URL", "").strip()
    or os.environ.get("WAGTAILADMIN_BASE_URL", "").strip()
    or DEMO_PUBLIC_URL
)
WAGTAILADMIN_BASE_URL = PUBLIC_URL
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # There Wagtail's database backend is PostgreSQL's own full-text search: index and
    # queries in English (stemming, stop words), whatever the server's default config.
    WAGTAILSEARCH_BACKENDS["default"]["SEARCH_CONFIG"] = "english"
WAGTAILIMAGES_FORMAT_CONVERSIONS = {"bmp": "png", "gif": "gif"}
# Every image is described: the description is its alt text (home/images.py).
WAGTAILIMAGES_IMAGE_FORM_BASE = "home.images.DescribedImageForm"
# 24 megapixels (a camera's full photo; a phone's default one is 12). Wagtail makes three
# renditions at once, each decoding the whole original at 4 bytes a pixel: measured, one
# upload at this limit and all its renditions take a worker about 450 MB above where it
# started (tests/test_image_limits.py); at 40 MP, 680 MB. Pillow is held to it too
# (home/images.py); a bigger picture gets the upload form's error.
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 24_000_000
WAGTAILDOCS_EXTENSIONS = ["pdf"]
WAGTAIL_ENABLE_UPDATE_CHECK = False
# Autosave off. In Wagtail 7.4 an editing-session ping already on its way when an autosave
# saves carries the revision the window had before; the server then reports the autosave
# as "You saved a new version in another window", and the editor (SessionController) keeps
# that conflict for good: with one window open, the next Publish or "Schedule to publish"
# stops at that dialog and does nothing until a second click (reproduced in
# tests/test_browser_guide_journey.py). Without autosave, a conflict is a real one: another
# window or person saved. Her work is saved by Save draft, as before 7.4.
WAGTAIL_AUTOSAVE_INTERVAL = 0
# Approval workflows: a solo practice publishes her own pages, never "Submit to moderators".
WAGTAIL_WORKFLOW_ENABLED = os.environ.get("WAGTAIL_WORKFLOWS", "0") == "1"
WAGTAILSEO_SEP = "|"
TAGGIT_CASE_INSENSITIVE = True

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# -- Request bodies (practice/request_guard/) -------------------------------------
# Public forms are small: a body over PUBLIC_MAX_BODY_BYTES gets 413 and one not url-encoded
# or multipart gets 415, before anything reads it. Signed-in admin users upload images and
# documents: up to STAFF_MAX_BODY_BYTES (nginx allows the admin 20 MB too). Django's limits
# hold beneath: DATA_UPLOAD_MAX_MEMORY_SIZE for everything but files (a long guide's editor
# form fits), DATA_UPLOAD_MAX_NUMBER_FIELDS for the page editor's many fields, and files over
# FILE_UPLOAD_MAX_MEMORY_SIZE go to a temporary file instead of memory.
PUBLIC_MAX_BODY_BYTES = 128 * 1024
STAFF_MAX_BODY_BYTES = 20 * 1024 * 1024
STAFF_PATH_PREFIXES = ["/admin/", "/django-admin/"]
DATA_UPLOAD_MAX_MEMORY_SIZE = 4 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# A post refused for a missing CSRF cookie: the form again with what was typed, or a page
# that says what happened, in the site's design (not Django's technical page).
CSRF_FAILURE_VIEW = "practice.request_guard.views.csrf_failure"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Client links, the calendar feed and password-reset links are keys in their address:
    # every record is written with them redacted (secret_paths/redaction.py).
    "filters": {"redact_secrets": {"()": "secret_paths.redaction.RedactSecrets"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact_secrets"]}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    # Django's own handlers (its console, mail to ADMINS) would write a record unfiltered:
    # its loggers go through the one handler above instead.
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}


# -- Booking requests, contact messages, email and tasks ----------------------------
# Every request and message is stored first; each of its emails is a Notification row in
# the same transaction, sent by `manage.py send_pending_notifications --loop` and retried
# with backoff (see bookings/notifications.py). A site that once ran django-tasks-db keeps
# its now unused tables; nothing was waiting only in them, every email is also a row.

EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("DJANGO_EMAIL_USE_TLS", "1") == "1"
EMAIL_USE_SSL = os.environ.get("DJANGO_EMAIL_USE_SSL", "0") == "1"
# Without a timeout a hung SMTP server hangs the worker for ever.
EMAIL_TIMEOUT = int(os.environ.get("DJANGO_EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get(
    "DJANGO_DEFAULT_FROM_EMAIL", "Calm Hands Massage Therapy <website@calmhands.example>"
)
SERVER_EMAIL = os.environ.get("DJANGO_SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# Wagtail's own housekeeping tasks run at once, as Wagtail expects. Emails are not tasks.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# Only the worker sends, so no request ever waits for SMTP. Development turns this on.
NOTIFICATIONS_SEND_AFTER_COMMIT = False
# Give up retrying (and show the email as failed in the admin) after this many attempts.
NOTIFICATION_MAX_ATTEMPTS = 12
# The admin's password-reset emails are queued and retried like the rest, not lost when
# the mail server is down (services/password_reset.py).
WAGTAILADMIN_USER_PASSWORD_RESET_FORM = "services.password_reset.QueuedPasswordResetForm"

# Booking requests (and quarantined spam) older than this are deleted by
# `manage.py purge_booking_requests`; the privacy notice promises 12 months.
BOOKING_RETENTION_DAYS = int(os.environ.get("BOOKING_RETENTION_DAYS", "365"))

# Abuse protection of the booking and contact forms (services/protection.py).
FORM_MIN_FILL_SECONDS = 3
FORM_RATE_LIMIT_POSTS = int(os.environ.get("FORM_RATE_LIMIT_POSTS", "5"))
FORM_RATE_LIMIT_WINDOW = 60
# Behind a trusted reverse proxy, the META key of the header holding the client's
# address, e.g. HTTP_X_REAL_IP. Empty: use REMOTE_ADDR.
FORM_CLIENT_IP_HEADER = os.environ.get("DJANGO_CLIENT_IP_HEADER", "")
# That header is read only from requests whose REMOTE_ADDR is one of these proxies (addresses
# or networks, comma-separated; by default this machine, where the nginx of deploy/ runs). A
# client that reaches gunicorn directly cannot pick its address (services/protection.py).


def trusted_proxies_setting(value: str) -> list:
    from django.core.exceptions import ImproperlyConfigured

    networks = []
    for item in value.split(","):
        if item.strip():
            try:
                networks.append(ipaddress.ip_network(item.strip(), strict=False))
            except ValueError as error:
                raise ImproperlyConfigured(
                    f"DJANGO_TRUSTED_PROXIES: {item.strip()!r} is not an address or network "
                    "(e.g. 127.0.0.1,::1 or 10.0.0.0/24)."
                ) from error
    return networks


TRUSTED_PROXIES = trusted_proxies_setting(
    os.environ.get("DJANGO_TRUSTED_PROXIES", "127.0.0.0/8,::1")
)

# -- Staff access: sign-in throttling, two-step sign-in, session expiry ----------------
# (staff_access/lockout.py, two_step.py). django-axes counts failed sign-ins to the admin
# and password-reset requests per (username, address) pair; 5 within 15 minutes and the pair
# is refused until 15 minutes after the last counted one. `manage.py axes_reset_username NAME`
# unlocks at once. The address is the forms' own (services/protection.py), so it follows
# DJANGO_CLIENT_IP_HEADER behind a proxy.
INSTALLED_APPS += [
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]
AUTHENTICATION_BACKENDS = [
    "staff_access.lockout.HttpRequestAxesBackend",
    "django.contrib.auth.backends.ModelBackend",
]
MIDDLEWARE += [
    "staff_access.idle_sessions.idle_session_middleware",
    "django_otp.middleware.OTPMiddleware",
    "staff_access.two_step.SecondStepMiddleware",
    "staff_access.lockout.PasswordGuessingMiddleware",
    # Last, as axes asks: it turns a refused sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]
# After signing in at /_util/login/ (a private page asks for it) without a page to return
# to: the home page, never Django's /accounts/profile/, which the site does not have.
LOGIN_URL = "wagtailcore_login"
LOGIN_REDIRECT_URL = "/"
# A private page's or document's password form, in the site's design (its tries are counted).
WAGTAIL_PASSWORD_REQUIRED_TEMPLATE = "password_required.html"
WAGTAILDOCS_PASSWORD_REQUIRED_TEMPLATE = "password_required.html"
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "services.protection.client_address"
AXES_LOCKOUT_CALLABLE = "staff_access.lockout.lockout_response"
# Attempts while refused are not counted, so the page's "try again after" time holds.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
# The log names the username and address (whom to unlock); axes always hides the password.
AXES_SENSITIVE_PARAMETERS: list[str] = []
# Two-step sign-in (TOTP app, with backup codes) is open to every admin user. With
# STAFF_REQUIRE_2FA=1 superusers and these groups must set it up before anything else.
STAFF_REQUIRE_2FA = os.environ.get("STAFF_REQUIRE_2FA", "0") == "1"
STAFF_REQUIRE_2FA_GROUPS = ["Practice staff"]
OTP_TOTP_ISSUER = WAGTAIL_SITE_NAME
# An admin session ends after 8 hours without use (staff_access/idle_sessions.py renews it
# while used).
SESSION_COOKIE_AGE = 8 * 60 * 60

# -- Backups (backups/archive.py: `manage.py backup` and `manage.py restore`) -------
# Archives of the database and the media. Copy them off the machine (README, "Backups");
# BACKUP_KEEP=0 keeps every archive. With BACKUP_ENCRYPTION_KEY set (a Fernet key, from
# `manage.py backup --generate-key`), archives are encrypted; keep the key elsewhere.
BACKUP_DIR = Path(os.environ.get("BACKUP_DIR", VAR_DIR / "backups"))
BACKUP_KEEP = int(os.environ.get("BACKUP_KEEP", "14"))
BACKUP_ENCRYPTION_KEY = os.environ.get("BACKUP_ENCRYPTION_KEY", "").strip()


# -- Content-Security-Policy, Permissions-Policy and CORP (security_headers/middleware.py) --
# Public pages load nothing inline and nothing from elsewhere: their few scripts (the booking
# form's, and the userbar logged-in editors see) are static files of the site. Where STATIC_URL or MEDIA_URL is
# an absolute address (a CDN, object storage), its origin is added to the sources that need
# it; a settings module that changes either calls both *_content_security_policy() again.


def csp_source_of(url: str) -> list[str]:
    """``https://cdn.example/media/`` gives ``https://cdn.example``; a path on this site, nothing."""
    parts = urlsplit(url)
    if not parts.netloc:
        return []
    return [f"{parts.scheme}://{parts.netloc}" if parts.scheme else parts.netloc]


def public_content_security_policy(static_url: str, media_url: str) -> dict:
    static, media = csp_source_of(static_url), csp_source_of(media_url)
    return {
        "DIRECTIVES": {
            "default-src": [NONE],
            "script-src": [SELF, *static],
            "style-src": [SELF, *static],
            "img-src": [SELF, *static, *media],
            "font-src": [SELF, *static],
            "connect-src": [SELF],
            "form-action": [SELF],
            "base-uri": [NONE],
            "frame-ancestors": [NONE],
        }
    }


CONTENT_SECURITY_POLICY = public_content_security_policy(STATIC_URL, MEDIA_URL)


def admin_content_security_policy(static_url: str, media_url: str) -> dict:
    """What Wagtail 7.4's admin needs, found by driving it in Chromium: inline scripts (widget
    set-up, telepath data), inline styles and style elements (Draftail, the focal-point tool,
    wagtail-seo's preview), inline event handlers (the focal-point tool), blob: images (previews
    of uploads) and frames of its own origin (live preview). See the README's "Content policy"."""
    static, media = csp_source_of(static_url), csp_source_of(media_url)
    return {
        "URL_PREFIXES": ["/admin/", "/django-admin/"],
        "DIRECTIVES": {
            "default-src": [NONE],
            "script-src": [SELF, UNSAFE_INLINE, *static],
            "style-src": [SELF, UNSAFE_INLINE, *static],
            "img-src": [SELF, "blob:", *static, *media],
            "font-src": [SELF, *static],
            "connect-src": [SELF],
            "frame-src": [SELF],
            "form-action": [SELF],
            "base-uri": [NONE],
            "frame-ancestors": [SELF],
        },
    }


# The admin, and the pages it renders for preview and revisions, under its own looser policy.
ADMIN_CONTENT_SECURITY_POLICY = admin_content_security_policy(STATIC_URL, MEDIA_URL)
# No avatars from Gravatar: the admin would send a hash of each editor's email to a third party.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# Browser features the site never uses, switched off for every page and any frame in it
# (django-permissions-policy, which refuses a name it does not know at start-up; only names
# Chromium knows: an unknown one is an error in the browser's console).
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "gamepad",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "interest-cohort",
        "local-fonts",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "screen-wake-lock",
        "serial",
        "usb",
        "window-management",
        "xr-spatial-tracking",
    )
}
# Other sites may not embed the site's pages, images or files (the admin's preview is this site).
CROSS_ORIGIN_RESOURCE_POLICY = "same-origin"
