"""Module-sliced test runs (ADR 0017): which modules a slice installs, the fakes made from api
contracts, and one sliced run in a subprocess (analytics: orders, whose events it consumes,
is a fake, and the test publishes them itself)."""

import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from app.kernel.modulekit import slices
from app.kernel.remote.errors import ApiContractError
from tests import slicing
from tests.app.conftest import clean_env
from tests.fakes import FakeApi, NotProgrammed

ROOT = Path(settings.BASE_DIR)


def plan(module: str) -> slices.Slice:
    return slices.plan(module, settings.SEAMS_MODULES, ROOT)


def test_a_slice_installs_the_module_the_apis_it_calls_transitively_and_the_user_model():
    assert plan("inventory").installed == ("accounts", "catalog", "inventory")
    assert plan("orders").installed == ("accounts", "catalog", "inventory", "orders", "payments")
    assert plan("payments").installed == ("accounts", "payments")


def test_a_module_heard_from_only_through_events_is_faked():
    analytics = plan("analytics")  # depends on orders, consumes its events, calls no api
    assert analytics.installed == ("accounts", "analytics")
    assert "orders" in analytics.faked


def test_an_unknown_module_is_refused_by_name():
    with pytest.raises(ValueError, match=r"no module 'nope'.*catalog"):
        plan("nope")


def test_a_fake_has_the_contracts_keyword_signature_and_refuses_other_arguments():
    payments = FakeApi("payments")
    payments.payment_capture.returns(
        payments.CaptureResult(
            order_id=1, captured=True, status="captured", amount=Decimal("9.50"),
            currency="EUR", reason="",
        )
    )  # fmt: skip
    with pytest.raises(TypeError, match="keyword arguments only"):
        payments.payment_capture(1, 7, Decimal("9.50"))
    with pytest.raises(TypeError, match="unexpected keyword argument 'total'"):
        payments.payment_capture(order_id=1, customer_id=7, amount=Decimal("1"), total=1)
    with pytest.raises(TypeError, match="missing a required argument: 'amount'"):
        payments.payment_capture(order_id=1, customer_id=7)
    with pytest.raises(ApiContractError, match="customer_id: '7' is not of type 'integer'"):
        payments.payment_capture(order_id=1, customer_id="7", amount=Decimal("9.50"))
    assert payments.payment_capture.calls == []
    result = payments.payment_capture(order_id=1, customer_id=7, amount=Decimal("9.50"))
    assert result.captured and result.amount == Decimal("9.50")
    assert payments.payment_capture.calls == [
        {"order_id": 1, "customer_id": 7, "amount": Decimal("9.50")}
    ]


def test_a_fake_answers_only_what_fits_the_contract():
    payments = FakeApi("payments")
    with pytest.raises(ApiContractError, match="'status' is a required property"):
        payments.payment_refund.returns({"order_id": 1, "refunded": True})
    with pytest.raises(ApiContractError, match="not a typed error"):
        payments.payment_refund.raises(RuntimeError("boom"))
    payments.payment_refund.raises(payments.PaymentRefusedError("already charged"))
    with pytest.raises(payments.PaymentRefusedError, match="already charged"):
        payments.payment_refund(order_id=1)


def test_a_call_nothing_was_programmed_for_fails_loudly_and_is_remembered():
    catalog = FakeApi("catalog")
    with pytest.raises(NotProgrammed, match=r"fake catalog.sku_list .*fakes.catalog.sku_list"):
        catalog.sku_list()
    assert catalog.unprogrammed_calls() == ["catalog.sku_list({'active_only': True})"]


def test_the_fakes_fixture_stands_in_for_an_installed_module_with_its_own_errors(fakes):
    from modules.payments import api as payments_api

    fakes.payments.payment_refund.raises(payments_api.PaymentRefusedError("nothing captured"))
    with pytest.raises(payments_api.PaymentRefusedError, match="nothing captured"):
        payments_api.payment_refund(order_id=5)  # the module attribute is the fake now
    assert fakes.payments.payment_refund.calls == [{"order_id": 5}]


def test_needs_modules_naming_no_module_is_a_usage_error():
    class Item:
        nodeid = "tests/modules/x/test_x.py::test_x"

        def iter_markers(self, name):
            return [pytest.mark.needs_modules("analytcs").mark]

    with pytest.raises(pytest.UsageError, match=r"names no module \['analytcs'\]"):
        slicing.pytest_collection_modifyitems(None, [Item()])


# monolith pass only: the sliced run sets its own topology and modules (one subprocess), on
# a SQLite database of its own: this run's test database is not its to create and drop
@pytest.mark.monolith_pass
def test_a_sliced_run_installs_the_slice_only_and_fakes_the_rest(tmp_path):
    env = clean_env(DATABASE_URL=f"sqlite:///{tmp_path / 'slice.sqlite3'}")
    env.pop("TEST_DATABASE_NAME", None)
    result = subprocess.run(
        [
            sys.executable, "-m", "pytest", "--module", "analytics", "-p", "no:cacheprovider",
            "tests/modules/analytics",
            "tests/architecture/sliced_probe.py",
        ],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    out = result.stdout
    assert (
        "module slice of 'analytics': installed accounts, analytics; faked from "
        "contracts/api/: catalog, inventory, notifications, orders, payments"
    ) in out, out
    # every test passes but the one whose fake was called unprogrammed (the error was caught)
    assert re.search(r"\b\d+ passed, 1 error in\b", out), out
    assert "ERROR tests/architecture/sliced_probe.py::test_an_unprogrammed_call_fails" in out
    assert "fakes called with no answer programmed: payments.payment_refund" in out
