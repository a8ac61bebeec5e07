"""
Django settings for the shopfront project (production).

Generated for Django 4.2 and adapted for the EU deployment.
"""

from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = "django-insecure-7h#q2v!x@r9m$kz1p0w&e5t^u8y3n6b4c_l-a+s=d"  # expect: PY-SECRET-001

DEBUG = True  # expect: PY-DEBUG-001

ALLOWED_HOSTS = ["shopfront.example.com", "api.shopfront.example.com"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "storages",
    "catalog",
    "orders",
    "accounts",
]

MIDDLEWARE = [
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "shopfront.urls"
WSGI_APPLICATION = "shopfront.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "shopfront",
        "USER": "shopfront_app",
        "PASSWORD": "Sh0pfr0nt-Pr0d-DB!2024",  # expect: PY-SECRET-001
        "HOST": "db.internal.shopfront.example.com",
        "PORT": "5432",
        "CONN_MAX_AGE": 60,
    }
}

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",  # expect: PY-HASH-001
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Sessions and cookies
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
SESSION_COOKIE_SECURE = False  # expect: PY-COOKIE-001
SESSION_COOKIE_HTTPONLY = False  # expect: PY-COOKIE-001
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = True

# CORS for the single-page storefront and partner widgets
CORS_ALLOW_ALL_ORIGINS = True  # expect: PY-CORS-001
CORS_ALLOW_CREDENTIALS = True

# Media on S3
DEFAULT_FILE_STORAGE = "storages.backends.s3boto3.S3Boto3Storage"
AWS_STORAGE_BUCKET_NAME = "shopfront-media-prod"
AWS_S3_REGION_NAME = "eu-central-1"
AWS_ACCESS_KEY_ID = "AKIAPQ8TP474VTRTYDT2"  # expect: SEC-TOKEN-001
AWS_SECRET_ACCESS_KEY = "hrWz4UURzSWVy3WlXAPkKbSuZb+q7yVzsADQFs2z"  # expect: SEC-TOKEN-001

# Payments
STRIPE_SECRET_KEY = "sk_live_wUVy2xLosDCngiWFAi68kHn8"  # expect: SEC-TOKEN-001

# Email
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = "smtp.mailgun.org"
EMAIL_PORT = 587
EMAIL_USE_TLS = True
EMAIL_HOST_USER = "postmaster@mg.shopfront.example.com"
EMAIL_HOST_PASSWORD = "mg-smtp-4f9a1c7e2b8d"  # expect: PY-SECRET-001

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_RATES": {"anon": "50/hour", "user": "1000/hour"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO"},
}
