"""The admin site: Django's, its front page showing each member of staff what concerns them
(qualifications/dashboard.py) above the app list. Imported once the models are ready, as
`admin.site` is first used."""

from django.contrib import admin

from qualifications import dashboard


class AdminSite(admin.AdminSite):
    def index(self, request, extra_context=None):
        context = {"dashboard": dashboard.panels(request.user), **(extra_context or {})}
        return super().index(request, context)
