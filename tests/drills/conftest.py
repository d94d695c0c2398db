"""The deployment every drill and edge test of this package shares: the ``split`` topology
as ``make up-split`` runs it, on a PostgreSQL and a Redis of its own (ports 18210-18211, the
edge on 18212, the services on 18213-18215), with a catalog set up by staff through the edge.

The saga deadline is short (``SAGA_TIMEOUT``) and event retries are capped at a few seconds,
so a drill takes a minute or two; anonymous requests are throttled at ``ANON_RATE`` so the
edge tests can reach the limit in a few requests.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from tests.chaos.test_chaos import set_up_catalog
from tests.drills.deployment import SplitDeployment

PORTS = range(18210, 18213)  # PostgreSQL, Redis, the edge
SAGA_TIMEOUT = 60
ANON_RATE = 20


@pytest.fixture(scope="package")
def split():
    base = Path(tempfile.mkdtemp(prefix="seams-upsplit-drills-"))
    base.chmod(0o755)  # the postgres user must reach its data directory
    deployment = SplitDeployment(
        base,
        PORTS,
        SEAMS_SAGA_TIMEOUT_SECONDS=str(SAGA_TIMEOUT),
        SEAMS_EVENTS_RETRY_MAX_SECONDS="4",
        THROTTLE_ANON=f"{ANON_RATE}/min",
    )
    try:
        deployment.start()
        set_up_catalog(deployment)
        yield deployment
    finally:
        deployment.close()
    shutil.rmtree(base, ignore_errors=True)  # kept for reading when the run failed
