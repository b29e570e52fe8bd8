"""Bodies of accounts: sign-up and its e-mail confirmation, sign-in, password reset, the account's settings, and
the ticket that opens an event stream."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StrictBool

from api.schemas.examples import example

Password = Annotated[str, Field(min_length=8, max_length=128)]


class Credentials(BaseModel):
    model_config = example(email="olena@example.com", password="correct horse battery")

    email: EmailStr
    password: Password


class Registration(Credentials):
    model_config = example(email="olena@example.com", password="correct horse battery", language="en")

    language: Literal["uk", "en"] = Field(
        default="uk", description="of the new account's e-mails, the confirmation first (the page sends its own)")


class PasswordResetRequest(BaseModel):
    model_config = example(email="olena@example.com")

    email: EmailStr


class PasswordResetConfirm(BaseModel):
    model_config = example(token="eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
                            password="a new long password")

    token: str = Field(min_length=1, max_length=2048, description="from the e-mailed link")
    password: Password


class EmailVerification(BaseModel):
    model_config = example(token="eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl")

    token: str = Field(min_length=1, max_length=2048, description="from the link e-mailed at sign-up")


class Accepted(BaseModel):
    status: Literal["accepted"] = "accepted"
    detail: str


class EventsTicket(BaseModel):
    model_config = example(ticket="eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl", expires_in=60)

    ticket: str = Field(description="for `GET .../events?ticket=`: opens this generation's stream, soon, "
                                    "for this user only")
    expires_in: int = Field(description="seconds the ticket can open a stream")


class UserOut(BaseModel):
    id: int
    email: str


class AccountOut(UserOut):
    language: Literal["uk", "en"]
    email_notifications: bool


class AccountUpdate(BaseModel):
    """Only the fields sent change."""

    model_config = ConfigDict(extra="forbid")

    language: Literal["uk", "en"] | None = Field(default=None, description="the language of e-mails")
    email_notifications: StrictBool | None = Field(
        default=None, description="false: no reminders before a generation's variants expire")


class TokenOut(BaseModel):
    model_config = example(access_token="eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl", token_type="bearer",
                            user={"id": 1, "email": "olena@example.com"})

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    user: UserOut
