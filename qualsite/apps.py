from django.contrib.admin.apps import AdminConfig


class QualsiteAdminConfig(AdminConfig):
    """Django's admin, with our site (admin_site.AdminSite) as `admin.site`."""

    default_site = "qualsite.admin_site.AdminSite"
