# One image for the migration job, the API and the workers (production: PostgreSQL, MinIO, Replicate, a Temporal
# cluster). Runs as an unprivileged user; migrations are the compose file's one-shot `migrate` service, never the
# API's start (replicas would race). .dockerignore keeps secrets (.env), state (var/) and .git out of the image.
FROM python:3.11.11-slim
RUN groupadd --system --gid 10001 calendary && useradd --system --uid 10001 --gid calendary --no-create-home calendary
WORKDIR /app
COPY pyproject.toml README.md ./
COPY . .
RUN pip install --no-cache-dir . && chown -R root:root /app && chmod -R a+rX,go-w /app
USER calendary:calendary
ENV CALENDARY_API_HOST=0.0.0.0 PYTHONDONTWRITEBYTECODE=1
EXPOSE 8000
CMD ["uvicorn", "api.main:create_app", "--factory", "--host", "0.0.0.0", "--port", "8000", "--timeout-graceful-shutdown", "5"]
