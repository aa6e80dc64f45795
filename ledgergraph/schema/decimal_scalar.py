"""``Decimal``: amounts, quantities and prices, strict where Strawberry's own is lenient.

Strawberry's Decimal takes whatever ``decimal.Decimal`` takes: ``NaN``, ``Infinity``,
``1e999999`` and thirty decimal places all pass coercion and fail (or are stored) later. Here a
value is plain decimal notation — a string such as ``"1234.50"``, or a JSON number — with at
most 13 digits before the point and 6 after; anything else is a coercion error, which clients
get as ``BAD_USER_INPUT`` naming the variable and field.
"""

from __future__ import annotations

import re
from decimal import Decimal

from graphql import GraphQLError, ValueNode
from graphql.language import FloatValueNode, IntValueNode, StringValueNode
from strawberry.types.scalar import ScalarDefinition

INTEGER_DIGITS = 13
DECIMAL_PLACES = 6

_PLAIN = re.compile(r"[+-]?(\d+)(?:\.(\d*))?")


def parse_decimal(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise GraphQLError(f'Expected a decimal string such as "1234.50", got {value!r:.40}.')
    text = value.strip() if isinstance(value, str) else repr(value)
    match = _PLAIN.fullmatch(text)
    if match is None:
        raise GraphQLError(
            f"{text[:40]!r} is not a plain decimal number: write digits with an optional sign "
            'and decimal point, such as "1234.50" (no exponent, NaN or Infinity).'
        )
    integer, fraction = match.group(1).lstrip("0"), (match.group(2) or "").rstrip("0")
    if len(integer) > INTEGER_DIGITS:
        raise GraphQLError(f"At most {INTEGER_DIGITS} digits before the decimal point.")
    if len(fraction) > DECIMAL_PLACES:
        raise GraphQLError(f"At most {DECIMAL_PLACES} decimal places.")
    return Decimal(text)


def parse_decimal_literal(node: ValueNode, _variables: object = None) -> Decimal:
    if isinstance(node, StringValueNode | IntValueNode | FloatValueNode):
        return parse_decimal(node.value)
    raise GraphQLError('Expected a decimal string such as "1234.50".')


DECIMAL = ScalarDefinition(
    name="Decimal",
    description=(
        f'A decimal number in plain notation, as a string ("1234.50"): at most '
        f"{INTEGER_DIGITS} digits before the point and {DECIMAL_PLACES} after."
    ),
    specified_by_url=None,
    serialize=str,
    parse_value=parse_decimal,
    parse_literal=parse_decimal_literal,
    origin=Decimal,
)
