"""Moved to ``ledgergraph.ids``; kept for the modules outside schema/ that still import it from
here (``http/connect.py``, ``http/admin.py``, ``connectors/sage/passthrough.py`` and some tests).
Import ``ledgergraph.ids`` instead."""

from ledgergraph.ids import GlobalId, encode

__all__ = ["GlobalId", "encode"]
