"""Helpers shared by the tests (`tests/`) and the benches (`bench/`): the stack in-process, the customer's journey
through the API, the fake Replicate server, Temporal's test servers. No pytest in here: benches run without it."""
