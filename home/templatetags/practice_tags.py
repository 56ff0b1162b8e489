import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.safestring import mark_safe

register = template.Library()

# Characters that could end a <script> element or start an HTML comment,
# escaped so that no text an editor types can break out of the JSON-LD.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.filter
def json_ld(data) -> str:
    """A schema.org object as the body of a <script type="application/ld+json">."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))
    return mark_safe(text.translate(_SCRIPT_ESCAPES))  # noqa: S308


@register.filter
def price(amount, currency="GBP") -> str:
    symbol = {"GBP": "£", "EUR": "€", "USD": "$"}.get(currency)
    value = f"{amount:.2f}".removesuffix(".00")
    return f"{symbol}{value}" if symbol else f"{value} {currency}"
