from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from ledgergraph.encryption import EncryptionKeyError, TokenCipher

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def test_ciphertext_does_not_contain_the_plaintext() -> None:
    cipher = TokenCipher([NEW])
    assert b"refresh-token-value" not in cipher.encrypt(b"refresh-token-value")


def test_the_first_key_encrypts_and_every_key_decrypts() -> None:
    written_before_rotation = TokenCipher([OLD]).encrypt(b"secret")
    rotated = TokenCipher([NEW, OLD])

    assert rotated.decrypt(written_before_rotation) == b"secret"
    assert rotated.needs_rotation(written_before_rotation)
    re_encrypted = rotated.rotate(written_before_rotation)
    assert not rotated.needs_rotation(re_encrypted)
    assert TokenCipher([NEW]).decrypt(re_encrypted) == b"secret"


def test_a_record_no_configured_key_opens_gives_a_clear_error() -> None:
    with pytest.raises(EncryptionKeyError, match="removed"):
        TokenCipher([NEW]).decrypt(TokenCipher([OLD]).encrypt(b"secret"))


@pytest.mark.parametrize("keys", ["not-a-key", "short,also-short"])
def test_malformed_keys_are_refused_with_a_hint(keys: str) -> None:
    with pytest.raises(EncryptionKeyError, match="Fernet"):
        TokenCipher.from_config(keys, allow_generated=False)


def test_production_without_a_key_is_refused() -> None:
    with pytest.raises(EncryptionKeyError, match="required outside sandbox mode"):
        TokenCipher.from_config(None, allow_generated=False)


def test_sandbox_mode_without_a_key_generates_one() -> None:
    cipher = TokenCipher.from_config("", allow_generated=True)
    assert cipher.decrypt(cipher.encrypt(b"x")) == b"x"
