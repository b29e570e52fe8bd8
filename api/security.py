"""Password hashing (Argon2) and signed tokens (JWT, HS256): access tokens, event-stream tickets, reset links.

Every token names its user (`sub`) and the user's `token_version` (`ver`): logging out or resetting the password
increments the version, and every token issued before stops working. A token's audience (`aud`) says what it is
for — none for an access token, `events:<job id>` for a ticket that opens one job's event stream, `password-reset`
for a reset link, `email-verification` for a sign-up's confirmation link — and a token is accepted only for its own
purpose (PyJWT refuses an unexpected or missing `aud`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import anyio.to_thread
import jwt
from anyio import CapacityLimiter
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from db.models import User
from settings import Settings

_VERIFIER = PasswordHasher()  # verify() reads the cost from the hash, not from the hasher
_ALGORITHM = "HS256"
RESET_AUDIENCE = "password-reset"
VERIFICATION_AUDIENCE = "email-verification"


def password_hasher(settings: Settings) -> PasswordHasher:
    """Argon2id at `settings`' cost (production: argon2-cffi's defaults or more)."""
    return PasswordHasher(time_cost=settings.password_hash_time_cost, memory_cost=settings.password_hash_memory_kib)


def hash_password(password: str, hasher: PasswordHasher) -> str:
    return hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Against the cost the hash itself records (whatever it was made with)."""
    try:
        return _VERIFIER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


class Passwords:
    """Argon2 in worker threads, at most `password_hash_concurrency` at once: it is slow on purpose and must stall
    neither the event loop nor, in a burst of logins, every thread and all the memory."""

    def __init__(self, settings: Settings) -> None:
        self._slots = CapacityLimiter(settings.password_hash_concurrency)
        self._hasher = password_hasher(settings)
        self._unknown_user_hash: str | None = None

    async def hash(self, password: str) -> str:
        return await anyio.to_thread.run_sync(hash_password, password, self._hasher, limiter=self._slots)

    async def verify(self, user: User | None, password: str) -> bool:
        """For an unknown e-mail (`user` None) the same work is done against a stand-in hash: the answer takes as
        long as for a wrong password, so its timing does not tell which e-mails have accounts."""
        if user is None:
            if self._unknown_user_hash is None:
                self._unknown_user_hash = await self.hash("a stand-in: no password matches it but itself")
            await anyio.to_thread.run_sync(verify_password, self._unknown_user_hash, password, limiter=self._slots)
            return False
        return await anyio.to_thread.run_sync(verify_password, user.password_hash, password, limiter=self._slots)


def _issue(user: User, settings: Settings, ttl: timedelta, **claims: str) -> str:
    now = datetime.now(UTC)
    return jwt.encode({"sub": str(user.id), "ver": user.token_version, "iat": now, "exp": now + ttl, **claims},
                      settings.jwt_secret.get_secret_value(), algorithm=_ALGORITHM)


def issue_token(user: User, settings: Settings) -> str:
    return _issue(user, settings, settings.jwt_ttl)


def issue_events_ticket(user: User, job_id: int, settings: Settings) -> str:
    return _issue(user, settings, settings.events_ticket_ttl, aud=events_audience(job_id))


def issue_reset_token(user: User, settings: Settings) -> str:
    return _issue(user, settings, settings.password_reset_ttl, aud=RESET_AUDIENCE)


def issue_verification_token(user: User, settings: Settings) -> str:
    return _issue(user, settings, settings.email_verification_ttl, aud=VERIFICATION_AUDIENCE)


def events_audience(job_id: int) -> str:
    return f"events:{job_id}"


def token_claims(token: str, settings: Settings, audience: str | None = None) -> tuple[int, int] | None:
    """(user id, token version) of a valid token for `audience` (None: an access token), else None."""
    try:
        claims = jwt.decode(token, settings.jwt_secret.get_secret_value(), algorithms=[_ALGORITHM],
                            audience=audience, options={"require": ["exp", "sub", "ver"]})
        return int(claims["sub"]), int(claims["ver"])
    except (jwt.PyJWTError, ValueError, TypeError):
        return None
