# The production image; docker-compose.yml runs it behind nginx (deploy/nginx/). See docs/operations.md.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY core ./core
COPY chatserver ./chatserver
COPY rooms ./rooms
COPY moderation ./moderation
COPY frontend ./frontend
COPY manage.py ./
# collectstatic loads the production settings, which need a strong key: a throwaway one, never kept.
RUN pip install --no-cache-dir . \
    && SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" python manage.py collectstatic --noinput
RUN useradd --system --uid 1000 chat && chown -R chat /app
USER chat
EXPOSE 8000
# Uvicorn with uvloop and httptools: a third less CPU per delivered frame than Daphne (docs/benchmarks.md,
# fan-out); Daphne still works (docs/operations.md). --no-access-log: the access log would write every path
# (calendar secrets included) to stdout. No per-message compression, as with Daphne: it costs CPU per socket.
CMD ["uvicorn", "chatserver.asgi:application", "--host", "0.0.0.0", "--port", "8000", "--loop", "uvloop", "--http", "httptools", "--ws", "websockets-sansio", "--ws-per-message-deflate", "false", "--no-access-log"]
