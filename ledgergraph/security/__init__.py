"""Security: who may call (JWT keys), how much they may ask (query limits, rate limits, the
upstream budget) and what never reaches a log (redaction).

    jwks.py        public keys verifying RS256/ES256 tenant tokens (PEM or a JWKS file)
    cost.py        measuring a query document: depth, aliases, repeats, estimated cost
    limits.py      those measures as a graphql-core validation rule, and the parser's limits
    ratelimit.py   sliding-window counters in the store: per-tenant requests, per-business
                   Sage calls
    redaction.py   secrets removed from every log record
    wiring.py      all of the above built from configuration

The HTTP side lives in ``http/``: ``admin.py`` (the operator API key), ``cors.py``; the schema
side in ``schema/extensions/query_limits.py``.
"""
