# One image for the API and the worker (production: PostgreSQL, MinIO, Replicate, a Temporal cluster).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY . .
RUN pip install --no-cache-dir .
ENV CALENDARY_API_HOST=0.0.0.0
EXPOSE 8000
CMD ["sh", "-c", "python manage.py migrate && python manage.py seed && uvicorn api.main:create_app --factory --host 0.0.0.0 --port 8000 --timeout-graceful-shutdown 5"]
