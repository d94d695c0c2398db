"""Each service's database was created by ``manage.py topology migrate`` and holds its own
modules' tables only: the main database none of an extracted module's."""

from __future__ import annotations

import pytest

from app.kernel.topology.files import load
from tests.drills.deployment import TOPOLOGY

pytestmark = [pytest.mark.drills, pytest.mark.slow]

TABLES = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"


def test_every_service_database_holds_only_its_own_modules_tables(split):
    topology = load(TOPOLOGY)
    for service in topology.services.values():
        tables = {name for (name,) in split.query_service(service.name, TABLES)}
        foreign = {
            table
            for table in tables
            for module in topology.modules
            if module not in service.modules and table.startswith(f"{module}_")
        }
        assert not foreign, (service.name, sorted(foreign))
        for module in service.modules:
            assert any(t.startswith(f"{module}_") for t in tables), (service.name, module)
        assert "seams_events_outbox" in tables  # each service keeps its own outbox
