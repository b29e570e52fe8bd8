"""FastAPI dependencies as `Annotated` aliases: the routers declare what they need, the lifespan provides it.

Routers never reach into `request.app.state`: the request's unit of work (`SessionDep`, `StoredObjectsDep`), a
session factory for work that outlives it (`SessionFactoryDep`), and the caller's own rows (`OwnedJob`,
`OwnedPhoto`, `OwnedCalendar`: 404 for a missing id and for another user's alike) all come from here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import and_
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from api.catalogue import TemplateCatalogue
from api.problems import AUTH_REQUIRED, NOT_FOUND, WORKFLOW_SERVICE_UNAVAILABLE, ApiProblem
from api.security import Passwords, token_claims
from api.temporal import TemporalConnection
from api.unit_of_work import StoredObjects, UnitOfWork, unit_of_work
from contracts.vocabulary import MAX_DB_ID
from db.models import FileKind, Job, UploadedFile, User, UserCalendar
from ops.logs import bind
from services.eta import LatencyMedians
from settings import Settings
from storage import Storage

Row = TypeVar("Row", Job, UploadedFile, UserCalendar)

BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(HTTPBearer(auto_error=False))]

IdPath = Annotated[int, Path(ge=1, le=MAX_DB_ID, description="an id, as returned by the API")]

# Every dependency here is `async def`, even the ones that only read app.state: FastAPI runs a plain `def`
# dependency in its thread pool, a thread hop per dependency per request.

async def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


async def get_passwords(request: Request) -> Passwords:
    return request.app.state.passwords


PasswordsDep = Annotated[Passwords, Depends(get_passwords)]


async def get_storage(request: Request) -> Storage:
    return request.app.state.storage


StorageDep = Annotated[Storage, Depends(get_storage)]


async def get_templates(request: Request) -> TemplateCatalogue:
    return request.app.state.templates


TemplatesDep = Annotated[TemplateCatalogue, Depends(get_templates)]


async def get_latency_medians(request: Request) -> LatencyMedians:
    return request.app.state.latencies


LatencyMediansDep = Annotated[LatencyMedians, Depends(get_latency_medians)]


async def get_session_factory(request: Request) -> async_sessionmaker[AsyncSession]:
    """For work outside the request's unit of work: a stream's polls, a read after waiting for the worker."""
    return request.app.state.sessions


SessionFactoryDep = Annotated[async_sessionmaker[AsyncSession], Depends(get_session_factory)]


async def get_unit_of_work(sessions: SessionFactoryDep, storage: StorageDep) -> AsyncIterator[UnitOfWork]:
    async with unit_of_work(sessions, storage) as work:
        yield work


# scope="function": the exit (the COMMIT, then the objects' clean-up) runs when the route returns and before the
# response is sent, so a 2xx always follows a commit, and a failed commit answers an error (api.errors) instead.
UnitOfWorkDep = Annotated[UnitOfWork, Depends(get_unit_of_work, scope="function")]


async def get_session(work: UnitOfWorkDep) -> AsyncSession:
    return work.session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def get_stored_objects(work: UnitOfWorkDep) -> StoredObjects:
    return work.objects


StoredObjectsDep = Annotated[StoredObjects, Depends(get_stored_objects)]


class Temporal:
    """The Temporal client, asked for only once the request has been checked: a bad request gets its 4xx even
    while Temporal is down, and only a good one the 503."""

    def __init__(self, connection: TemporalConnection) -> None:
        self._connection = connection

    async def client(self) -> Client:
        client = await self._connection.get()
        if client is None:
            raise ApiProblem(WORKFLOW_SERVICE_UNAVAILABLE,
                             "the generation service is unavailable right now; please try again in a minute")
        return client


async def get_temporal(request: Request) -> Temporal:
    return Temporal(request.app.state.temporal)


TemporalDep = Annotated[Temporal, Depends(get_temporal)]


async def get_temporal_connection(request: Request) -> TemporalConnection:
    """For a route that answers the same with Temporal down (it asks `get()` and copes with None): no 503."""
    return request.app.state.temporal


TemporalConnectionDep = Annotated[TemporalConnection, Depends(get_temporal_connection)]


async def get_current_user(
    session: SessionDep,
    settings: SettingsDep,
    credentials: BearerDep,
) -> User:
    return await user_for_token(session, settings, credentials.credentials if credentials else None)


def _auth_required() -> ApiProblem:
    return ApiProblem(AUTH_REQUIRED, "a valid bearer token is required", headers={"WWW-Authenticate": "Bearer"})


async def user_for_token(session: AsyncSession, settings: Settings, token: str | None,
                         audience: str | None = None) -> User:
    """The token's user, or 401: a missing, forged, expired or revoked token (logged out, password reset), one
    made for another purpose than `audience` (None: an access token), or a user that no longer exists."""
    claims = token_claims(token, settings, audience) if token else None
    user = await session.get(User, claims[0]) if claims is not None else None
    if user is None or claims is None or user.token_version != claims[1]:
        raise _auth_required()
    return user


CurrentUserDep = Annotated[User, Depends(get_current_user)]


async def _owned(session: AsyncSession, model: type[Row], row_id: int, user: User, noun: str,
                 **must_match: Any) -> Row:
    row = await session.get(model, row_id)
    if row is None or row.user_id != user.id or any(getattr(row, k) != v for k, v in must_match.items()):
        raise _not_found(noun, row_id)
    return row


def _not_found(noun: str, row_id: int) -> ApiProblem:
    return ApiProblem(NOT_FOUND, f"{noun} {row_id} not found", params={"resource": noun, "id": row_id})


async def _owned_by_token(session: AsyncSession, settings: Settings, credentials: HTTPAuthorizationCredentials | None,
                          model: type[Row], row_id: int, noun: str, **must_match: Any) -> Row:
    """The caller and their row in one query (the reads of a page poll this): 401 as `user_for_token`, then 404
    for a missing id and another user's alike."""
    claims = token_claims(credentials.credentials, settings) if credentials else None
    if claims is None:
        raise _auth_required()
    user_id, token_version = claims
    columns: Any = model  # SQLModel's class attributes are columns at run time
    mine = and_(columns.id == row_id, columns.user_id == User.id,
                *(getattr(columns, k) == v for k, v in must_match.items()))
    found = (await session.exec(select(User, model).outerjoin(model, mine)
                                .where(User.id == user_id, User.token_version == token_version))).first()
    if found is None:
        raise _auth_required()
    row = found[1]
    if row is None:
        raise _not_found(noun, row_id)
    return row


async def owned_job(session: AsyncSession, job_id: int, user: User) -> Job:
    return await _owned(session, Job, job_id, user, "generation")


async def get_owned_job(job_id: IdPath, session: SessionDep, settings: SettingsDep, credentials: BearerDep) -> Job:
    job = await _owned_by_token(session, settings, credentials, Job, job_id, "generation")
    bind(workflow_id=job.workflow_id, job_id=job.id)  # every log line of this request names the generation
    return job


async def get_owned_photo(photo_id: IdPath, session: SessionDep, settings: SettingsDep,
                          credentials: BearerDep) -> UploadedFile:
    return await _owned_by_token(session, settings, credentials, UploadedFile, photo_id, "photo",
                                 kind=FileKind.photo)


async def get_owned_calendar(calendar_id: IdPath, session: SessionDep, settings: SettingsDep,
                             credentials: BearerDep) -> UserCalendar:
    return await _owned_by_token(session, settings, credentials, UserCalendar, calendar_id, "calendar")


OwnedJob = Annotated[Job, Depends(get_owned_job)]
OwnedPhoto = Annotated[UploadedFile, Depends(get_owned_photo)]
OwnedCalendar = Annotated[UserCalendar, Depends(get_owned_calendar)]
