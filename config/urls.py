from django.contrib import admin
from django.urls import include, path

from archive import views as archive_views

urlpatterns = [
    path("", archive_views.home, name="home"),
    path("", include("archive.urls")),
    path("admin/", admin.site.urls),
]
