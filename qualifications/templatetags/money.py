from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def pounds(amount):
    """An amount in pounds (a Decimal) as the page writes it: £1,234.50."""
    return f"£{Decimal(amount):,.2f}"
