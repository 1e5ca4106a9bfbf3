from django import template

register = template.Library()


@register.filter
def document_size(size):
    """A document's size as the page gives it: "48 KB", "2.4 MB"."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f} MB"
