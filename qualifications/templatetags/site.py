from django import template
from django.conf import settings

from qualifications.site import address

register = template.Library()


@register.simple_tag
def site_name():
    """The name of whoever runs the site (settings.SITE_NAME), for headings and titles."""
    return settings.SITE_NAME


@register.simple_tag(name="address")
def address_tag(viewname):
    """The address of `viewname`, as {% url %} gives it for an address without arguments, worked
    out once per process (site.address): every page links to the catalogue two or three times."""
    return address(viewname)
