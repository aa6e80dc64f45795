"""Text a client may send: no control characters.

C0 controls other than tab, line feed and carriage return, DEL and the C1 controls have no
place in accounting data: Sage would store them verbatim, and every document, e-mail and
export would carry them (a NUL truncates strings in many a downstream tool).
"""

from __future__ import annotations

import re
from typing import Any

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def find_control_character(value: Any) -> tuple[str, str] | None:
    """The path of the first string holding a control character, and that character's code
    point (``U+0000``); paths name dict keys in camelCase, as GraphQL does. Iterative: a
    client decides how deep its variables nest."""
    pending: list[tuple[str, Any]] = [("", value)]
    while pending:
        path, item = pending.pop()
        if isinstance(item, str):
            found = _CONTROL.search(item)
            if found is not None:
                return path, f"U+{ord(found.group()):04X}"
        elif isinstance(item, dict):
            pending.extend(
                (f"{path}.{_camel(str(k))}" if path else _camel(str(k)), v)
                for k, v in reversed(item.items())
            )
        elif isinstance(item, list | tuple):
            pending.extend((f"{path}[{i}]", v) for i, v in reversed(list(enumerate(item))))
    return None


def control_character_message(path: str, code_point: str) -> str:
    return f"{path} contains the control character {code_point}; send printable text."


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
