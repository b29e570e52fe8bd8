"""Fault scenarios run against the stack an operator runs (separate Temporal, API and worker processes), shared by
`tests/faults/` (which assert on the outcomes) and `bench/faults.py` (which prints them as a table).

- `evidence.py`: a customer driven through the HTTP API, and what a scenario leaves behind (`Outcome`);
- `stacks.py`: the supervised embedded stack (`manage.py run`) with the local or the Replicate provider, and a
  stack whose worker is a process the scenario kills and replaces itself;
- `outages.py`: PostgreSQL stopped, the file store gone, the S3 server stopped — and brought back;
- `scenarios.py`: the scenarios themselves;
- `lifecycle.py`: one customer's whole life with the worker killed in the print upscale, an edit's render and the
  account's erasure (tests/faults only).
"""
