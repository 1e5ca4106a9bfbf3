from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from qualifications.views import healthz_view, robots_txt_view, sitemap_view

admin.site.site_header = f"{settings.SITE_NAME} administration"
admin.site.site_title = f"{settings.SITE_NAME} admin"

urlpatterns = [
    path("", include("qualifications.urls")),
    path("sitemap.xml", sitemap_view, name="sitemap"),
    path("robots.txt", robots_txt_view, name="robots-txt"),
    path("healthz", healthz_view, name="healthz"),
    path(settings.ADMIN_URL, admin.site.urls),
]
