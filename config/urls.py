from django.contrib import admin
from django.urls import include, path

from annotations.accounts.views import PasswordResetConfirmView, PasswordResetView
from archive.views import data as archive_data
from archive.views import home as archive_home
from archive.views import sitemaps
from ops.health import healthz

urlpatterns = [
    path("", archive_home.home, name="home"),
    path("", include("archive.urls")),
    path("", include("annotations.urls")),
    # Before django.contrib.auth.urls: the same names, with our limits and lockout lifting.
    path("accounts/password_reset/", PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("sitemap.xml", sitemaps.sitemap, name="sitemap"),
    path("sitemap-<slug:section>.xml", sitemaps.sitemap_section, name="sitemap_section"),
    path("robots.txt", archive_data.robots_txt, name="robots_txt"),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    # The read-only JSON API; /api/annotations/ is the annotation container's.
    path("api/", include("archive.api.urls")),
]

# JSON under /api/, the site's pages elsewhere (archive/api/errors.py).
handler400 = "archive.api.errors.bad_request"
handler403 = "archive.api.errors.permission_denied"
handler404 = "archive.api.errors.page_not_found"
handler500 = "archive.api.errors.server_error"
