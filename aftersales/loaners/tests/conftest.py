"""Fixtures of the loaner pool's tests: the store keeper, a technician, and units of two kinds."""

from __future__ import annotations

import pytest

from aftersales.accounts.roles import Role
from aftersales.catalogue.tests.factories import (
    ProductCategoryFactory,
    ProductModelFactory,
)


@pytest.fixture
def keeper(make_user):
    return make_user(Role.PARTS)


@pytest.fixture
def tech(make_user):
    return make_user(Role.TECHNICIAN)


@pytest.fixture
def camera_model(db):
    return ProductModelFactory(code="DS-2CD3T46", name="400万像素网络摄像机",
                               category=ProductCategoryFactory(code="CCTV", name="视频监控"))


@pytest.fixture
def nvr_model(db):
    return ProductModelFactory(code="DS-8632N", name="32路网络硬盘录像机",
                               category=ProductCategoryFactory(code="NVR", name="录像存储"))


@pytest.fixture
def register(keeper, camera_model):
    """register(code=..., **fields) -> a unit in store, registered through the service."""
    from aftersales.loaners import services

    def make(code: str = "BYJ-001", **fields):
        data = {"code": code, "product_model": camera_model, "serial_number": f"SN-{code}",
                "grade": "400万像素摄像机", **fields}
        return services.loaner_register(actor=keeper, data=data)

    return make
