"""Encryption at rest for secrets kept in the store (Sage token records).

``LEDGERGRAPH_TOKEN_ENCRYPTION_KEYS`` holds comma-separated Fernet keys: the first encrypts,
all of them decrypt, so a key is rotated by putting the new one first and re-encrypting.
"""

from __future__ import annotations

import logging

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from ledgergraph.errors import LedgerGraphError

log = logging.getLogger(__name__)


class EncryptionKeyError(LedgerGraphError):
    code = "ENCRYPTION_KEY_ERROR"


class TokenCipher:
    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise EncryptionKeyError("At least one Fernet key is required.")
        try:
            self._fernets = [Fernet(key.strip().encode()) for key in keys]
        except ValueError as exc:
            raise EncryptionKeyError(
                "LEDGERGRAPH_TOKEN_ENCRYPTION_KEYS must be comma-separated Fernet keys "
                "(make one with: python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())')."
            ) from exc
        self._multi = MultiFernet(self._fernets)

    @classmethod
    def from_config(cls, keys: str | None, *, allow_generated: bool) -> TokenCipher:
        """Build from configuration; without keys only a development setup gets a fresh key."""
        if keys and keys.strip():
            return cls([k for k in keys.split(",") if k.strip()])
        if not allow_generated:
            raise EncryptionKeyError(
                "LEDGERGRAPH_TOKEN_ENCRYPTION_KEYS is required outside sandbox mode: Sage "
                "tokens are encrypted at rest and a generated key would be lost on restart."
            )
        log.warning(
            "No LEDGERGRAPH_TOKEN_ENCRYPTION_KEYS set: using a generated key for this process "
            "only (sandbox mode). Stored connections will not survive a restart."
        )
        return cls([Fernet.generate_key().decode()])

    def encrypt(self, plaintext: bytes) -> bytes:
        return self._multi.encrypt(plaintext)

    def decrypt(self, ciphertext: bytes) -> bytes:
        try:
            return self._multi.decrypt(ciphertext)
        except InvalidToken as exc:
            raise EncryptionKeyError(
                "A stored token record could not be decrypted with any configured key; "
                "was a key removed from LEDGERGRAPH_TOKEN_ENCRYPTION_KEYS too early?"
            ) from exc

    def needs_rotation(self, ciphertext: bytes) -> bool:
        """True when the record was not encrypted with the current (first) key."""
        try:
            self._fernets[0].decrypt(ciphertext)
        except InvalidToken:
            return True
        return False

    def rotate(self, ciphertext: bytes) -> bytes:
        return self._multi.rotate(ciphertext)
