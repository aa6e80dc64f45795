from __future__ import annotations

import pytest

from ledgergraph.signing import BadSignature, Expired, Signer


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_signed_payload_verifies_for_its_purpose() -> None:
    signer = Signer(b"0123456789abcdef0123")
    token = signer.sign("state", {"tenant": "acme"}, ttl=60)
    assert signer.verify("state", token)["tenant"] == "acme"


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(lambda t: t.replace(".", ".x", 1), id="mac-changed"),
        pytest.param(lambda t: "e30" + t[3:], id="payload-changed"),
        pytest.param(lambda t: t.split(".")[0], id="mac-missing"),
    ],
)
def test_tampering_is_detected(mutate: object) -> None:
    signer = Signer(b"0123456789abcdef0123")
    token = signer.sign("state", {"tenant": "acme"}, ttl=60)
    with pytest.raises(BadSignature):
        signer.verify("state", mutate(token))  # type: ignore[operator]


def test_a_token_for_another_purpose_is_refused() -> None:
    signer = Signer(b"0123456789abcdef0123")
    with pytest.raises(BadSignature):
        signer.verify("chooser", signer.sign("state", {}, ttl=60))


def test_another_secret_is_refused() -> None:
    token = Signer(b"0123456789abcdef0123").sign("state", {}, ttl=60)
    with pytest.raises(BadSignature):
        Signer(b"fedcba9876543210fedc").verify("state", token)


def test_tokens_expire() -> None:
    clock = Clock()
    signer = Signer(b"0123456789abcdef0123", clock=clock)
    token = signer.sign("state", {}, ttl=10)
    clock.now += 11
    with pytest.raises(Expired):
        signer.verify("state", token)
