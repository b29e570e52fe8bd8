"""What the schema modules share: an example per body, and the one timestamp the examples show."""

from __future__ import annotations

from pydantic import ConfigDict, JsonValue


def example(**example: JsonValue) -> ConfigDict:
    """One example of a body, shown in the API document (the journey's operations have one each)."""
    return ConfigDict(json_schema_extra={"examples": [example]})


EXAMPLE_TIME = "2026-12-04T10:00:00Z"
