"""FastAPI dependencies as `Annotated` aliases: the routers declare what they need, the lifespan provides it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from temporalio.client import Client
from sqlmodel.ext.asyncio.session import AsyncSession

from api.security import user_id_from_token
from db.models import User
from db.session import session_scope
from settings import Settings
from storage import Storage

BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(HTTPBearer(auto_error=False))]

MAX_DB_ID = 2**31 - 1  # PostgreSQL `integer`: a larger id could never exist, and must not reach the driver
IdPath = Annotated[int, Path(ge=1, le=MAX_DB_ID, description="an id, as returned by the API")]


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One unit of work per request: committed when the route returns, rolled back if it raises."""
    async with session_scope(request.app.state.sessions) as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


def get_storage(request: Request) -> Storage:
    return request.app.state.storage


StorageDep = Annotated[Storage, Depends(get_storage)]


async def get_temporal(request: Request) -> Client:
    client = await request.app.state.temporal.get()
    if client is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE,
                            "the workflow service is unavailable right now; please try again in a minute")
    return client


TemporalDep = Annotated[Client, Depends(get_temporal)]


async def get_current_user(
    session: SessionDep,
    settings: SettingsDep,
    credentials: BearerDep,
) -> User:
    return await user_for_token(session, settings, credentials.credentials if credentials else None)


async def user_for_token(session: AsyncSession, settings: Settings, token: str | None) -> User:
    """The token's user, or 401: a missing, forged or expired token, or a user that no longer exists."""
    user_id = user_id_from_token(token, settings) if token else None
    user = await session.get(User, user_id) if user_id is not None else None
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "a valid bearer token is required",
                            headers={"WWW-Authenticate": "Bearer"})
    return user


CurrentUserDep = Annotated[User, Depends(get_current_user)]
