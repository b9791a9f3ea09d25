"""Celery entry point: `celery -A celery_app worker` and `celery -A celery_app beat`."""
from app import create_app
from app.worker import make_celery

flask_app = create_app()
celery = make_celery(flask_app)
