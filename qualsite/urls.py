from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from qualifications.views import healthz_view

admin.site.site_header = "qualsite administration"
admin.site.site_title = "qualsite admin"

urlpatterns = [
    path("", include("qualifications.urls")),
    path("healthz", healthz_view, name="healthz"),
    path(settings.ADMIN_URL, admin.site.urls),
]
