"""How many live event streams each user holds open: a few tabs' worth, not an unbounded pile of connections
(each holds a socket, a task and a place in the watcher's reads, api/live_events.py). Counted per API process."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from api.problems import TOO_MANY_STREAMS, ApiProblem


class StreamSlots:
    def __init__(self, per_user: int) -> None:
        self._per_user = per_user
        self._open: Counter[int] = Counter()

    def take(self, user_id: int) -> None:
        """One more stream for this user, or 429 `too_many_streams` (a stream already open keeps running)."""
        if self._open[user_id] >= self._per_user:
            raise ApiProblem(TOO_MANY_STREAMS, f"at most {self._per_user} live event streams at once",
                             params={"max": self._per_user}, headers={"Retry-After": "5"})
        self._open[user_id] += 1

    def give_back(self, user_id: int) -> None:
        self._open[user_id] -= 1
        if self._open[user_id] <= 0:
            del self._open[user_id]

    @contextmanager
    def held(self, user_id: int) -> Iterator[None]:
        """For a slot already taken: given back however the stream ends."""
        try:
            yield
        finally:
            self.give_back(user_id)
