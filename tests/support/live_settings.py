"""Settings for the gunicorn that concurrency tests start: production settings, DEBUG off.

Only the test-only overrides of tests/conftest.py differ (a fast password hasher, static files
from the finders' storage without a collectstatic manifest), so it runs the production paths.
"""

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
