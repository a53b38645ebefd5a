"""Password hashes for the dashboard's built-in login: scrypt from the standard library, never plaintext.

A stored hash reads `scrypt$N$r$p$salt$key` (salt and key in base64), so its cost can be raised later without
invalidating older hashes. The default cost is one of OWASP's equivalent scrypt settings (Password Storage Cheat
Sheet: N=2^14, r=8, p=5, 16 MiB per check). Create one with `supplier-risk hash-password`. No streamlit here, so the
CLI can import it.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets

N, R, P = 2 ** 14, 8, 5
KEY_BYTES, SALT_BYTES = 32, 16
PREFIX = "scrypt"


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=length,
                          maxmem=256 * 1024 * 1024)


def hash_password(password: str) -> str:
    """A new salted scrypt hash of `password`, as the text to store in .streamlit/secrets.toml."""
    if not password:
        raise ValueError("an empty password cannot be used")
    salt = secrets.token_bytes(SALT_BYTES)
    key = _scrypt(password, salt, N, R, P, KEY_BYTES)
    return "$".join([PREFIX, str(N), str(R), str(P), base64.b64encode(salt).decode(), base64.b64encode(key).decode()])


def verify_password(password: str, stored: str) -> bool:
    """Whether `password` matches the stored hash (constant-time comparison). A malformed hash matches nothing."""
    try:
        prefix, n, r, p, salt, key = stored.split("$")
        if prefix != PREFIX:
            return False
        expected = base64.b64decode(key, validate=True)
        actual = _scrypt(password, base64.b64decode(salt, validate=True), int(n), int(r), int(p), len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


@functools.cache
def dummy_hash() -> str:
    """Checked against when a user name is unknown, so a wrong name takes as long as a wrong password."""
    return hash_password(secrets.token_hex(8))
