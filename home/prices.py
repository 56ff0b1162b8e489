"""Prices as visitors read them, in the currency the practice sets (PracticeSettings.currency)."""

from decimal import Decimal

SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$"}


def format_price(amount: Decimal, currency: str) -> str:
    """£60 or £62.50; a currency with no symbol here goes by its code: 60 CHF."""
    value = f"{amount:.2f}".removesuffix(".00")
    symbol = SYMBOLS.get(currency)
    return f"{symbol}{value}" if symbol else f"{value} {currency}"
