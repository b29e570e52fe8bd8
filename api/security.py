"""Password hashing (Argon2) and bearer tokens (JWT, HS256)."""

from __future__ import annotations

from datetime import UTC, datetime

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from settings import Settings

_hasher = PasswordHasher()
_ALGORITHM = "HS256"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def issue_token(user_id: int, settings: Settings) -> str:
    now = datetime.now(UTC)
    return jwt.encode({"sub": str(user_id), "iat": now, "exp": now + settings.jwt_ttl},
                      settings.jwt_secret.get_secret_value(), algorithm=_ALGORITHM)


def user_id_from_token(token: str, settings: Settings) -> int | None:
    try:
        claims = jwt.decode(token, settings.jwt_secret.get_secret_value(), algorithms=[_ALGORITHM],
                            options={"require": ["exp", "sub"]})
        return int(claims["sub"])
    except (jwt.PyJWTError, ValueError):
        return None
