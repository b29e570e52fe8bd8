"""Search attributes an operator filters on in Temporal UI, e.g. `CalendarStatus="ready_for_selection"`."""

from __future__ import annotations

from typing import Any

from temporalio.common import SearchAttributeKey, SearchAttributePair, TypedSearchAttributes

from contracts.vocabulary import Stage

CALENDAR_STATUS = SearchAttributeKey.for_keyword("CalendarStatus")
CALENDAR_USER_ID = SearchAttributeKey.for_int("CalendarUserId")
CALENDAR_THEME = SearchAttributeKey.for_keyword("CalendarTheme")
CALENDAR_PROGRESS = SearchAttributeKey.for_int("CalendarProgress")

ALL = (CALENDAR_STATUS, CALENDAR_USER_ID, CALENDAR_THEME, CALENDAR_PROGRESS)


def generation_attributes(*, stage: Stage, progress: int, user_id: int, theme: str | None) -> TypedSearchAttributes:
    """What a generation run is found by: set when the API starts it and upserted by the workflow at every stage."""
    pairs: list[SearchAttributePair[Any]] = [SearchAttributePair(CALENDAR_STATUS, stage.value),
                                        SearchAttributePair(CALENDAR_PROGRESS, progress),
                                        SearchAttributePair(CALENDAR_USER_ID, user_id)]
    if theme is not None:
        pairs.append(SearchAttributePair(CALENDAR_THEME, theme))
    return TypedSearchAttributes(pairs)


def dev_server_flags() -> list[str]:
    """`--search-attribute Name=Type` flags that register them on `temporal server start-dev`."""
    flags: list[str] = []
    for key in ALL:  # the key's own type: KEYWORD → "Keyword", INT → "Int"
        flags += ["--search-attribute", f"{key.name}={key.indexed_value_type.name.capitalize()}"]
    return flags
