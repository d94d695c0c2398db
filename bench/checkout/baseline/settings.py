"""The product's settings plus the baseline app and its URLconf (and nothing of the product's
URLs: the baseline server answers only ``POST /bench/insert/`` and the health probes)."""

from app.settings import *  # noqa: F403
from app.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench.checkout.baseline"]
ROOT_URLCONF = "bench.checkout.baseline.urls"
