"""The package's dependency rules, checked on the source: the schema declares, resolvers
compute, and nothing in between points back."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / "ledgergraph"


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, at any depth of the file (a deferred import counts)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def modules_of(package: str) -> list[Path]:
    return sorted((PACKAGE / package).rglob("*.py"))


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("schema", "ledgergraph.resolvers"),
        ("schema", "ledgergraph.api"),
        ("resolvers", "ledgergraph.api"),
    ],
)
def test_a_lower_layer_never_imports_a_higher_one(package: str, forbidden: str) -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(
            m for m in imported_modules(path) if m == forbidden or m.startswith(f"{forbidden}.")
        )
        for path in modules_of(package)
    }
    assert {path: found for path, found in offenders.items() if found} == {}


@pytest.mark.parametrize("module", ["kinds.py", "ids.py", "pagination.py", "types.py", "model.py"])
def test_the_shared_vocabulary_imports_neither_schema_nor_resolvers(module: str) -> None:
    imported = imported_modules(PACKAGE / module)
    assert not {
        m for m in imported if m.startswith(("ledgergraph.schema", "ledgergraph.resolvers"))
    }


def test_the_schema_needs_no_type_ignore() -> None:
    found = [
        f"{path.relative_to(PACKAGE)}:{number}"
        for path in modules_of("schema")
        for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1)
        if "type: ignore" in line
    ]
    assert found == []


def test_the_import_check_sees_a_deferred_import(tmp_path: Path) -> None:
    module = tmp_path / "example.py"
    module.write_text("def f():\n    from ledgergraph.resolvers import queries\n")
    assert "ledgergraph.resolvers" in imported_modules(module)
