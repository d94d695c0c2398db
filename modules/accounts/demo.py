"""Demo data for ``manage.py seed_demo``: a customer and a member of staff.

``LOGINS`` is what the front door shows in development. Outside production the demo staff
may view every module's models in the admin (no add, change or delete: edits belong to a
real staff account); in production it gets no permission at all.
"""

from collections.abc import Iterator

from django.conf import settings
from django.contrib.auth.models import Permission

from app.kernel.modules import manifests
from modules.accounts.models import User

DEMO_CUSTOMER = ("demo@example.com", "demo-pass-123")
DEMO_STAFF = ("staff@example.com", "staff-pass-123")
LOGINS = (("customer", *DEMO_CUSTOMER), ("staff", *DEMO_STAFF))


def _view_permissions() -> list[Permission]:
    """``view_<model>`` of every module's models and the apps the modules own."""
    labels = set()
    for found in manifests().values():
        labels |= {found.name, *found.owns_apps}
    return list(
        Permission.objects.filter(
            codename__startswith="view_", content_type__app_label__in=sorted(labels)
        )
    )


def seed() -> Iterator[str]:
    for (email, password), staff in ((DEMO_CUSTOMER, False), (DEMO_STAFF, True)):
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, password, is_staff=staff)
        if staff and not settings.PRODUCTION:
            user.user_permissions.add(*_view_permissions())
        role = "staff" if staff else "customer"
        yield f"Demo {role}: {email} / {password}"
    yield 'Log in: POST /api/v1/accounts/token/ {"email": ..., "password": ...}'
