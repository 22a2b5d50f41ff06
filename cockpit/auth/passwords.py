"""Password hashing (werkzeug.security: scrypt, salted) and generated passwords.

People never choose their passwords here: an administrator creates or resets an account and
the generated password is shown once (command line or the users page).
"""
from __future__ import annotations

import secrets

from werkzeug.security import check_password_hash, generate_password_hash

# no look-alikes (0/O, 1/l/I): passwords are read off a screen and typed in
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
LENGTH = 16   # ~94 bits
MAX_LENGTH = 256

_DUMMY: list[str] = []


def generate(length: int = LENGTH) -> str:
    while True:
        pw = "".join(secrets.choice(ALPHABET) for _ in range(length))
        # at least one of each kind, so that any later password policy is met
        if any(c.isupper() for c in pw) and any(c.islower() for c in pw) and any(c.isdigit() for c in pw):
            return pw


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def verify(stored_hash: str, password: str) -> bool:
    if not password or len(password) > MAX_LENGTH:
        return False
    try:
        return check_password_hash(stored_hash, password)
    except (ValueError, TypeError):
        return False


def verify_dummy(password: str) -> None:
    """Spend the time of a real check (an unknown user name must not answer faster)."""
    if not _DUMMY:
        _DUMMY.append(generate_password_hash(secrets.token_urlsafe(16)))
    check_password_hash(_DUMMY[0], (password or "")[:MAX_LENGTH])
