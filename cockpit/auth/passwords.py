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

# werkzeug's scrypt at its default cost (N=2**15, r=8, p=1). The in-process tests lower it
# (tests/conftest.py) so that thousands of sign-ins stay fast; the stored hash names its own
# parameters, so a check reads whatever cost a hash was made with.
METHOD = "scrypt"

_DUMMY: list[str] = []


def generate(length: int = LENGTH) -> str:
    while True:
        pw = "".join(secrets.choice(ALPHABET) for _ in range(length))
        # at least one of each kind, so that any later password policy is met
        if any(c.isupper() for c in pw) and any(c.islower() for c in pw) and any(c.isdigit() for c in pw):
            return pw


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=METHOD)


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
        _DUMMY.append(generate_password_hash(secrets.token_urlsafe(16), method=METHOD))
    check_password_hash(_DUMMY[0], (password or "")[:MAX_LENGTH])


MIN_CHOSEN = 12


def check_chosen(password: str, name: str, current: str) -> str | None:
    """Why a password a person chose for themselves cannot be used (Chinese), or None.
    At least 12 characters with letters and digits, not the user name, not the current one."""
    if len(password) < MIN_CHOSEN:
        return f"新密码至少需要 {MIN_CHOSEN} 个字符。"
    if len(password) > MAX_LENGTH:
        return f"新密码不能超过 {MAX_LENGTH} 个字符。"
    if not any(c.isalpha() for c in password) or not any(c.isdigit() for c in password):
        return "新密码须同时包含字母和数字。"
    if name and name.lower() in password.lower():
        return "新密码不能包含用户名。"
    if password == current:
        return "新密码不能与当前密码相同。"
    return None
