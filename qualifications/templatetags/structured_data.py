import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()

# The escapes Django's json_script uses: no "</script>" or "<!--" can survive into the page, and
# the JSON still parses to the same strings.
_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.filter(is_safe=True)
def json_ld(value):
    """`value` as a JSON-LD data block: Django's `json_script`, with the type search engines read.

    `json_script` always writes type="application/json", which search engines do not read as
    structured data. Like it, this is a data block, never run, so the site's CSP allows it.
    """
    data = json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(data))
