import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from tests.support import ROOT


def import_settings(**env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import config.settings as s; print(s.DEBUG, s.ALLOWED_HOSTS)"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        check=False,
    )


def test_debug_is_off_and_startup_fails_without_secret_key():
    result = import_settings()
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_startup_fails_without_allowed_hosts_when_debug_is_off():
    result = import_settings(DJANGO_SECRET_KEY="x")
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS must be set" in result.stderr


def test_debug_on_starts_with_development_defaults():
    result = import_settings(DJANGO_DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("True")


def test_a_bad_boolean_is_an_error_not_false():
    result = import_settings(DJANGO_DEBUG="maybe")
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be a boolean" in result.stderr


def test_env_bool_helper_accepts_the_usual_spellings(monkeypatch):
    from config.settings import env_bool

    for raw, expected in [("1", True), ("true", True), ("off", False), ("0", False)]:
        monkeypatch.setenv("X_FLAG", raw)
        assert env_bool("X_FLAG") is expected
    monkeypatch.setenv("X_FLAG", "nope")
    with pytest.raises(ImproperlyConfigured):
        env_bool("X_FLAG")


def manage(*args, **env):
    """manage.py in a process of its own, with only these DJANGO_ variables set."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDIS_URL"))}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        check=False,
    )


REQUIRED = {
    # A key as an operator would make one (50 random characters), and one host.
    "DJANGO_SECRET_KEY": "k3Rz9-vQw7Lm2Xp8Tn5Yb1Hc6Jd4Fg0Sa7Ue9Io3Pl2Mk8Nj5Bh1Vg6Cf4Dx0Zs",
    "DJANGO_ALLOWED_HOSTS": "archive.example.org",
}


def test_check_deploy_is_clean_with_only_the_two_required_variables():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **REQUIRED)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_without_the_opt_out_http_is_redirected_and_hsts_is_a_year_with_subdomains():
    probe = (
        "from django.conf import settings as s;"
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS,"
        " s.SECURE_HSTS_PRELOAD, s.SESSION_COOKIE_SECURE)"
    )

    def values(**env):
        result = manage("shell", "--no-imports", "-c", probe, **REQUIRED, **env)
        return result.stdout.strip().splitlines()[-1].split()

    assert values() == ["True", "31536000", "True", "False", "True"]
    assert values(DJANGO_HSTS_PRELOAD="1")[3] == "True"
    assert values(DJANGO_ALLOW_PLAIN_HTTP="1") == ["False", "0", "False", "False", "False"]


@pytest.mark.django_db
def test_a_plain_http_request_is_redirected_to_https_but_healthz_is_not(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    answer = client.get("/messages/?sender=x")
    assert answer.status_code == 301
    assert answer["Location"] == "https://testserver/messages/?sender=x"
    secure = client.get("/robots.txt", secure=True)
    assert secure["Strict-Transport-Security"] == "max-age=31536000"
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/", "/api/messages/", "/api/annotations/", "/no-such-page/", "/healthz"]
)
def test_every_response_denies_the_browser_features_we_never_use(client, url):
    policy = client.get(url)["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "browsing-topics"):
        assert f"{feature}=()" in policy
