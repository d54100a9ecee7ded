"""Two people answering the same quote at once: exactly one answer counts (PostgreSQL row locks)."""

import threading

import pytest
from django.db import connection

from aftersales.charges import services
from aftersales.charges.choices import QuoteState
from aftersales.charges.models import Quote
from aftersales.charges.tests.test_services import _quoted
from aftersales.workorders.tests.factories import signature_data_url

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_accept_and_decline_at_once_one_wins(crew, job):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's")
    quote = _quoted(crew, job(covered=False, parts=[("10", 1)]))
    barrier = threading.Barrier(2)
    outcomes = []

    def run(step):
        from django.db import connection as thread_connection

        barrier.wait()
        try:
            step()
            outcomes.append("ok")
        except Exception as exc:  # noqa: BLE001 - the loser's refusal is the point
            outcomes.append(getattr(exc, "code", type(exc).__name__))
        finally:
            thread_connection.close()

    accept = lambda: services.quote_accept(actor=crew["tech"], quote=quote, signer_name="赵主任",  # noqa: E731
                                           signature=signature_data_url())
    decline = lambda: services.quote_decline(actor=crew["desk"], quote=quote, reason="太贵")  # noqa: E731
    threads = [threading.Thread(target=run, args=(step,)) for step in (accept, decline)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["not_quoted", "ok"]
    assert Quote.objects.get(pk=quote.pk).state in {QuoteState.ACCEPTED, QuoteState.DECLINED}
