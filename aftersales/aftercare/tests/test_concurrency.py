"""Two general managers deciding the same return at once: one decision wins, the other is refused
(PostgreSQL, real threads)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from aftersales.aftercare import services
from aftersales.aftercare.models import ReturnRequest
from aftersales.core.errors import ServiceError
from aftersales.core.models import AuditEvent


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_decisions_at_once_one_wins(desk, make_user, return_data):
    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL")
    ret = services.return_register(actor=desk, data=return_data())
    gms = [make_user("general_manager"), make_user("general_manager")]
    barrier, results = threading.Barrier(2), []

    def decide(i):
        from django.db import connections

        try:
            barrier.wait()
            if i == 0:
                services.return_approve(actor=gms[0], ret=ret)
            else:
                services.return_refuse(actor=gms[1], ret=ret, reason="不同意")
            results.append("ok")
        except ServiceError as exc:
            results.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=decide, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["already_decided", "ok"]
    ret = ReturnRequest.objects.get(pk=ret.pk)
    assert ret.state in ("approved", "refused")
    assert AuditEvent.objects.filter(object_id=str(ret.pk), action="update").count() == 1
