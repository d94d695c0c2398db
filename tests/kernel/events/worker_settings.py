"""Settings of the Celery worker the event tests start: the project's, plus the throwaway
``evtest`` module's subscriptions. DATABASE_URL/REDIS_URL come from the test's environment."""

from app.settings import *  # noqa: F403
from app.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.kernel.events.fixture_module"]
