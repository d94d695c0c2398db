from celery import shared_task

from bench.events_fixture.handlers import note_task_start


@shared_task(name="benchlat.probe", ignore_result=True)
def probe(n: int) -> None:
    note_task_start(n)
