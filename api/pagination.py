"""Keyset pagination of the list routes (photos, generations, calendars): `?limit=&cursor=`.

A list answers at most `limit` items (default `DEFAULT_LIMIT`, at most `MAX_LIMIT`). When more follow, the answer
carries `Link: <path?limit=N&cursor=C>; rel="next"` (RFC 8288); a client follows it until there is none. The body
stays a plain list, so clients that never page keep working (they see the first page). The cursor is the last
listed id — treat it as opaque —, so a page is one indexed range query, and rows added or deleted meanwhile
neither repeat nor skip the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Protocol, TypeVar
from urllib.parse import urlencode

from fastapi import Depends, Query, Request, Response
from sqlalchemy.orm import InstrumentedAttribute
from sqlmodel.sql.expression import SelectOfScalar

from contracts.vocabulary import MAX_DB_ID

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class _Row(Protocol):
    id: int


T = TypeVar("T", bound=_Row)

NEXT_PAGE_HEADER = {"Link": {"description": 'the next page, `<...?limit=N&cursor=C>; rel="next"`, when more follow',
                             "schema": {"type": "string"}}}


@dataclass(frozen=True)
class Page:
    limit: int
    cursor: int | None
    request: Request
    response: Response

    def select(self, statement: SelectOfScalar[T], id_column: Any, *, newest_first: bool) -> SelectOfScalar[T]:
        """`statement` ordered by id, after the cursor, one row more than the page (to know whether more follow)."""
        column: InstrumentedAttribute = id_column
        if self.cursor is not None:
            statement = statement.where(column < self.cursor if newest_first else column > self.cursor)
        return statement.order_by(column.desc() if newest_first else column).limit(self.limit + 1)

    def rows(self, rows: Sequence[T]) -> list[T]:
        """The page's rows; sets the `Link` to the next page when `select`'s extra row came back."""
        kept = list(rows[:self.limit])
        if len(rows) > self.limit:
            query = urlencode({"limit": self.limit, "cursor": kept[-1].id})
            self.response.headers["Link"] = f'<{self.request.url.path}?{query}>; rel="next"'
        return kept


def get_page(
    request: Request,
    response: Response,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="items per page")] = DEFAULT_LIMIT,
    cursor: Annotated[int | None, Query(ge=1, le=MAX_DB_ID, description=(
        "from the previous page's `Link: rel=\"next\"` header; omit for the first page"))] = None,
) -> Page:
    return Page(limit=limit, cursor=cursor, request=request, response=response)


PageDep = Annotated[Page, Depends(get_page)]
