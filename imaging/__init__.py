"""Image processing that knows nothing of HTTP, Temporal or the database."""
