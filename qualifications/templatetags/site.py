from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def site_name():
    """The name of whoever runs the site (settings.SITE_NAME), for headings and titles."""
    return settings.SITE_NAME
