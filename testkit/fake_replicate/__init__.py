"""A fake of Replicate's HTTP API v1 (see `server.py`)."""
