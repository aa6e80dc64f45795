"""The committed SDL (schema.graphql) is the schema the code builds."""

from __future__ import annotations

from pathlib import Path

from ledgergraph.api import schema

SDL = Path(__file__).resolve().parent.parent / "schema.graphql"


def test_committed_sdl_matches_the_code() -> None:
    assert SDL.read_text() == schema.as_str() + "\n", (
        "schema.graphql is out of date: run `ledgergraph schema > schema.graphql`"
    )


def test_core_root_fields_exist() -> None:
    query = schema.get_type_by_name("Query")
    assert query is not None
    names = {f.graphql_name or f.python_name for f in query.fields}  # type: ignore[union-attr]
    core = "connection businesses business contacts contact invoices invoice bills payments"
    assert set(core.split()) | {"ledgerAccounts", "taxRates", "items", "node", "nodes"} <= {
        n if "_" not in n else "".join(p.title() if i else p for i, p in enumerate(n.split("_")))
        for n in names
    }


def test_reverse_relations_are_in_the_schema() -> None:
    sdl = schema.as_str()
    contact = sdl[sdl.index("type Contact implements Node {") :]
    contact = contact[: contact.index("\n}")]
    for field in ("invoices(", "bills(", "creditNotes("):
        assert field in contact
    document = sdl[sdl.index("interface Document implements Node {") :]
    assert "payments: [Payment!]" in document[: document.index("\n}")]
