"""Loaded by pytest before Django settings (`-p tests.support.environment` in pyproject.toml).

DEBUG stays off in tests (the production path); these are the values it then requires.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-secret-key")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("DJANGO_SECURE_COOKIES", "0")
# The test client and live servers speak plain HTTP (tests/ops/test_settings_safety.py checks the
# HTTPS defaults in a process of their own).
os.environ.setdefault("DJANGO_ALLOW_PLAIN_HTTP", "1")
# Imported attachments go to a folder of this test run, never the checkout's var/media.
if "MEDIA_ROOT" not in os.environ:
    import tempfile

    os.environ["MEDIA_ROOT"] = tempfile.mkdtemp(prefix="backchannel-test-media-")
