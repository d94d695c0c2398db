"""Reading a module's uses of other modules' api functions from its source."""

from __future__ import annotations

from app.kernel.extraction.api_uses import uses

API = {"payments": {"payment_capture": True, "balance_get": True}, "orders": {"x": False}}


def test_every_import_style_is_resolved_and_only_api_functions_count(tmp_path):
    package = tmp_path / "orders"
    (package / "migrations").mkdir(parents=True)
    (package / "services.py").write_text(
        "from modules.payments import api as payments_api\n"
        "from modules.payments.api import balance_get as balance\n"
        "import modules.payments.api\n"
        "def charge():\n"
        "    payments_api.payment_capture(order_id=1)\n"  # line 5
        "    balance(customer_id=1)\n"  # line 6
        "    modules.payments.api.balance_get(customer_id=2)\n"  # line 7
        "    payments_api.CaptureResult\n"  # a DTO: not a call
        "    payments_api.refund_everything()\n",  # no such api function
        encoding="utf-8",
    )
    (package / "views.py").write_text(
        "from modules.payments import api\nhandler = api.payment_capture\n", encoding="utf-8"
    )
    (package / "migrations" / "0001.py").write_text(
        "from modules.payments import api\napi.balance_get()\n", encoding="utf-8"
    )
    found = uses({"orders": package}, API, tmp_path)
    assert [(u.qualname, u.where) for u in found] == [
        ("payments.payment_capture", "orders/services.py:5"),
        ("payments.balance_get", "orders/services.py:6"),
        ("payments.balance_get", "orders/services.py:7"),
        ("payments.payment_capture", "views.py:2".join(["orders/", ""])),
    ]


def test_a_module_using_its_own_api_is_no_coupling(tmp_path):
    package = tmp_path / "orders"
    package.mkdir()
    (package / "a.py").write_text("from modules.orders import api\napi.x()\n", encoding="utf-8")
    assert uses({"orders": package}, API, tmp_path) == []
