"""The edge's routing table: module prefixes to their hosting service, the rest to the front."""

from app.kernel.topology.edge import INTERNAL_PREFIX, Route, public_routes
from app.kernel.topology.files import load


def test_the_monolith_has_one_route_to_itself():
    assert public_routes(load("monolith")) == [Route("/", "monolith")]


def test_extracted_modules_route_to_their_service_and_the_rest_to_the_front():
    assert public_routes(load("split")) == [
        Route("/api/v1/notifications/", "notifications"),
        Route("/api/v1/payments/", "payments"),
        Route("/", "monolith"),
    ]


def test_the_front_is_the_service_on_the_default_database():
    routes = public_routes(load("isolated"))
    assert routes[-1] == Route("/", "accounts")
    assert Route("/api/v1/orders/", "orders") in routes


def test_no_route_claims_the_internal_endpoints():
    for name in ("monolith", "split", "isolated"):
        assert not any(r.prefix.startswith(INTERNAL_PREFIX) for r in public_routes(load(name)))
