from celery import shared_task


@shared_task(name="benchbaseline.noop", ignore_result=True)
def noop() -> None:
    """Does nothing: what the project's worker costs per task, handler aside."""
