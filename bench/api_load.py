"""Read load on the embedded default's API: open-loop GETs at fixed rates against `manage.py run` on 127.0.0.1.

The stack is the one `make run` starts (SQLite, filesystem storage, the local provider, the API as its own uvicorn
process) under a temporary folder. One customer's generation is run to `ready_for_selection`; then, per rate, GETs
of its status, its variants and the template list (in turn) are *sent on a fixed schedule* — request i leaves at
i / rate whatever the earlier ones are doing (open loop), and its latency counts from that scheduled instant, so a
server that falls behind shows it instead of slowing the generator down. Each rate is bounded: `--seconds` of
requests, each given up after `--timeout` s (an error).

Printed per rate: requests, errors (non-200 or timed out), p50/p99/max latency over all of them and p99 per path,
and the API processes' CPU time per request (from /proc: the figure least disturbed by other load on the machine),
and the machine's load average (other work on the shared cores moves the latencies more than the code does).
The load generator runs on the same cores. Goal (issue 11): p99 ≤ 50 ms at 300 requests/s.

    .venv/bin/python bench/api_load.py [--rates 100 200 300] [--seconds 10] [--timeout 5] [--preview]
                                       [--api-workers N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from testkit.embedded import embedded_stack, prepared
from testkit.journey import start_generation, wait_for_status

TARGET_P99_MS = 50.0


class Connections:
    """Keep-alive HTTP/1.1 connections to one host: a tiny client, so the generator costs the shared cores little."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self._header_lines = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def get(self, path: str) -> int:
        """The status code of GET `path` (its body is read and dropped). A kept-alive connection the server closed
        meanwhile (its idle timeout) is retried once on a new one, as HTTP clients do with an idempotent request; a
        failure on a new connection is the server's."""
        if self._idle:
            reader, writer = self._idle.pop()
            try:
                return await self._get_on(reader, writer, path)
            except asyncio.IncompleteReadError as err:
                if err.partial:
                    raise  # the server began answering: not a closed idle connection
            except ConnectionResetError:
                pass
        return await self._get_on(*await asyncio.open_connection(self.host, self.port), path)

    async def _get_on(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str) -> int:
        try:
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\n{self._header_lines}\r\n".encode())
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            length = next((int(line.split(":", 1)[1]) for line in head
                           if line.lower().startswith("content-length:")), 0)
            await reader.readexactly(length)
        except BaseException:
            writer.close()  # half-read: the connection can't be reused
            raise
        self._idle.append((reader, writer))
        return int(head[0].split()[1])

    def close(self) -> None:
        for _, writer in self._idle:
            writer.close()


@dataclass
class Outcome:
    latencies: dict[str, list[float]] = field(default_factory=dict)  # seconds, per path, answered 200
    errors: int = 0
    sent: int = 0
    error_kinds: Counter[str] = field(default_factory=Counter)  # what the errors were: an HTTP status or an exception


def cpu_seconds(pid: int) -> float:
    """User + system CPU time so far of a process and its living descendants (uvicorn's workers under
    `--api-workers`)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    children = [int(child) for task in Path(f"/proc/{pid}/task").iterdir()
                for child in (task / "children").read_text().split()]
    return own + sum(cpu_seconds(child) for child in children if Path(f"/proc/{child}").exists())


async def load(client: Connections, paths: list[str], rate: float, seconds: float, patience: float) -> Outcome:
    outcome = Outcome(latencies={path: [] for path in paths})
    count = int(rate * seconds)
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.05

    async def one(index: int) -> None:
        path = paths[index % len(paths)]
        scheduled = start + index / rate
        try:
            async with asyncio.timeout(patience):
                status = await client.get(path)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as err:
            outcome.errors += 1
            outcome.error_kinds[type(err).__name__] += 1
            return
        if status != 200:
            outcome.errors += 1
            outcome.error_kinds[f"HTTP {status}"] += 1
            return
        outcome.latencies[path].append(loop.time() - scheduled)

    tasks = []
    for index in range(count):
        delay = start + index / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(index)))
        outcome.sent += 1
    await asyncio.gather(*tasks)
    return outcome


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=1000, method="inclusive")[round(q * 1000) - 1]


def report(rate: float, outcome: Outcome, cpu: float, names: dict[str, str]) -> None:
    every = [v for values in outcome.latencies.values() for v in values]
    per_path = "  ".join(f"{names[p]} {percentile(v, 0.99) * 1000:7.1f}" for p, v in outcome.latencies.items())
    print(f"{rate:>5.0f} {outcome.sent:>6} {outcome.errors:>6} {percentile(every, 0.5) * 1000:>7.1f} "
          f"{percentile(every, 0.99) * 1000:>8.1f} {max(every, default=float('nan')) * 1000:>8.1f} "
          f"{cpu * 1000 / max(1, outcome.sent):>9.2f}   {per_path}")
    if outcome.error_kinds:
        print(f"      errors: {', '.join(f'{kind} × {n}' for kind, n in outcome.error_kinds.most_common())}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rates", type=float, nargs="+", default=[100.0, 200.0, 300.0], help="requests/s")
    parser.add_argument("--seconds", type=float, default=10.0, help="how long each rate sends")
    parser.add_argument("--timeout", type=float, default=5.0, help="a request not answered by then is an error")
    parser.add_argument("--preview", action="store_true", help="a 6-variant preview generation instead of 24")
    parser.add_argument("--api-workers", type=int, default=1, help="API processes (CALENDARY_API_WORKERS)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        env = await asyncio.to_thread(prepared, Path(folder), CALENDARY_API_WORKERS=str(args.api_workers))
        with embedded_stack(Path(folder), env) as stack:
            pids = await stack.started(seconds=180)
            async with httpx.AsyncClient(base_url=stack.url, timeout=30) as api:
                headers, started = await start_generation(api, preview=args.preview,
                                                          outbox=Path(env["CALENDARY_OUTBOX_DIR"]))
                job = started["job_id"]
                await wait_for_status(api, headers, job, "ready_for_selection", seconds=1200)
                variants = len((await api.get(f"/api/calendars/generate/{job}/variants", headers=headers)).json())
            names = {f"/api/calendars/generate/{job}/status": "status", f"/api/calendars/generate/{job}/variants":
                     "variants", "/api/templates": "templates"}
            client = Connections(stack.url, headers)
            print(f"embedded stack (SQLite, fs storage, {args.api_workers} API process(es)), a finished generation of "
                  f"{variants} variants; "
                  f"GETs of {', '.join(names.values())} in turn; {args.seconds:g} s per rate, {os.cpu_count()} cores "
                  "shared with the load generator")
            await load(client, list(names), 50, 2, args.timeout)  # warm-up: connections, caches, first answers
            print(f"load average at the start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
            print(f"{'req/s':>5} {'sent':>6} {'errors':>6} {'p50 ms':>7} {'p99 ms':>8} {'max ms':>8} "
                  f"{'API CPU ms/req':>14}   p99 ms per path")
            worst_p99 = {}
            for rate in args.rates:
                before = cpu_seconds(pids["api"])
                outcome = await load(client, list(names), rate, args.seconds, args.timeout)
                report(rate, outcome, cpu_seconds(pids["api"]) - before, names)
                print(f"      load average after: {os.getloadavg()[0]:.1f}")
                every = [v for values in outcome.latencies.values() for v in values]
                worst_p99[rate] = percentile(every, 0.99) * 1000
            client.close()
            stack.interrupt()
    top = max(args.rates)
    print(f"p99 at {top:.0f} req/s ratio to the {TARGET_P99_MS:.0f} ms goal: {worst_p99[top] / TARGET_P99_MS:.2f}")


if __name__ == "__main__":
    started_at = time.monotonic()
    asyncio.run(main())
    print(f"(bench ran {time.monotonic() - started_at:.0f} s)")
