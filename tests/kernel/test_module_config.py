"""Every hosted module is configured by its own ModuleConfig subclass (so its subscriptions
are wired), though each ``apps.py`` also imports the base class."""

from django.apps import apps

from app.kernel.events.bus import bus
from app.kernel.modules import ModuleConfig, manifests


def test_each_module_runs_its_own_module_config():
    for name in manifests():
        config = apps.get_app_config(name)
        assert isinstance(config, ModuleConfig) and type(config) is not ModuleConfig, name


def test_subscription_tables_are_wired():
    assert bus.subscriptions_for("orders.OrderPlaced")
    assert bus.subscriptions_for("orders.OrderConfirmed")
