"""Demo data for ``manage.py seed_demo``: a customer and a member of staff."""

from collections.abc import Iterator

from modules.accounts.models import User

DEMO_CUSTOMER = ("demo@example.com", "demo-pass-123")
DEMO_STAFF = ("staff@example.com", "staff-pass-123")


def seed() -> Iterator[str]:
    for (email, password), staff in ((DEMO_CUSTOMER, False), (DEMO_STAFF, True)):
        if not User.objects.filter(email=email).exists():
            User.objects.create_user(email, password, is_staff=staff)
        role = "staff" if staff else "customer"
        yield f"Demo {role}: {email} / {password}"
    yield 'Log in: POST /api/v1/accounts/token/ {"email": ..., "password": ...}'
