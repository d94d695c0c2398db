"""``manage.py saga_expire``: time out and compensate checkouts stuck past their deadline,
and finish compensations left unfinished (a crash, a callee that was down).

The same as the ``orders.saga_expire_overdue`` beat task, for operators and tests.
``--resume ORDER_ID`` instead drives one order's saga on from its persisted state.
"""

from django.core.management.base import BaseCommand

from app.kernel.ownership import acting_as
from modules.orders import checkout


class Command(BaseCommand):
    help = (
        "Time out and compensate checkout sagas past their deadline and finish unfinished "
        "compensations (or resume one saga)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--resume", type=int, metavar="ORDER_ID", help="resume one saga")

    def handle(self, *args, resume=None, **options):
        with acting_as("orders"):
            if resume is not None:
                state = checkout.saga_advance(order_id=resume)
                self.stdout.write(f"order {resume}: saga {state or 'not found'}")
                return
            cancelled = checkout.saga_expire_overdue()
        self.stdout.write(f"cancelled {len(cancelled)} saga(s): {cancelled}")
