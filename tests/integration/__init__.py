"""Integration tests: real PostgreSQL, Redis, gunicorn and a Celery worker (see conftest.py)."""
