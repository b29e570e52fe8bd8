"""Search attributes an operator filters on in Temporal UI, e.g. `CalendarStatus="ready_for_selection"`."""

from temporalio.common import SearchAttributeKey

CALENDAR_STATUS = SearchAttributeKey.for_keyword("CalendarStatus")
CALENDAR_USER_ID = SearchAttributeKey.for_int("CalendarUserId")
CALENDAR_THEME = SearchAttributeKey.for_keyword("CalendarTheme")
CALENDAR_PROGRESS = SearchAttributeKey.for_int("CalendarProgress")

ALL = (CALENDAR_STATUS, CALENDAR_USER_ID, CALENDAR_THEME, CALENDAR_PROGRESS)


def dev_server_flags() -> list[str]:
    """`--search-attribute Name=Type` flags that register them on `temporal server start-dev`."""
    kinds = {CALENDAR_STATUS: "Keyword", CALENDAR_USER_ID: "Int", CALENDAR_THEME: "Keyword", CALENDAR_PROGRESS: "Int"}
    flags: list[str] = []
    for key in ALL:
        flags += ["--search-attribute", f"{key.name}={kinds[key]}"]
    return flags
