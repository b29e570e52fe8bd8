"""Request and response bodies of the HTTP API (the DTOs of seed §6), one module per part of the API; every body is
importable from here, and the names (the API document's schema names) are the classes' own."""

from api.schemas.accounts import (
    Accepted,
    AccountOut,
    AccountUpdate,
    Credentials,
    EmailVerification,
    EventsTicket,
    Password,
    PasswordResetConfirm,
    PasswordResetRequest,
    Registration,
    TokenOut,
    UserOut,
)
from api.schemas.calendars import (
    AccountBalanceOut,
    CalendarGenerationStatusDto,
    CalendarMonthDto,
    CalendarRenderStatus,
    CalendarUpdate,
    CalendarVariantDto,
    ClientConfig,
    GenerateCalendarRequest,
    GenerationStarted,
    LedgerEntryOut,
    MonthSelection,
    PersonalDateIn,
    PhotoOut,
    QuoteOut,
    QuoteRequest,
    RatingIn,
    RatingOut,
    RegenerateVariantRequest,
    RegenerationStarted,
    ScoreDetailsDto,
    SelectCalendarVariantsRequest,
    TemplateOut,
    UserCalendarDto,
)

__all__ = [
    "Accepted", "AccountBalanceOut", "AccountOut", "AccountUpdate", "CalendarGenerationStatusDto", "CalendarMonthDto",
    "CalendarRenderStatus", "CalendarUpdate", "CalendarVariantDto", "ClientConfig", "Credentials",
    "EmailVerification", "EventsTicket", "GenerateCalendarRequest", "GenerationStarted", "LedgerEntryOut",
    "MonthSelection", "Password", "PasswordResetConfirm", "PasswordResetRequest", "PersonalDateIn", "PhotoOut",
    "QuoteOut", "QuoteRequest", "RatingIn", "RatingOut", "RegenerateVariantRequest", "RegenerationStarted",
    "Registration", "ScoreDetailsDto", "SelectCalendarVariantsRequest", "TemplateOut", "TokenOut", "UserCalendarDto",
    "UserOut",
]
