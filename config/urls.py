from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from archive import views as archive_views
from archive.sitemaps import SITEMAPS

urlpatterns = [
    path("", archive_views.home, name="home"),
    path("", include("archive.urls")),
    path("", include("annotations.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", archive_views.robots_txt, name="robots_txt"),
    path("admin/", admin.site.urls),
]
