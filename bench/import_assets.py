"""Benchmark: import 10,000 equipment rows from one Excel workbook into a fresh SQLite database.

    .venv/bin/python bench/import_assets.py [--rows 10000] [--limit 60]

Prints the rows, the seconds and the rows per second of `import_workbook`; exits non-zero when
the import fails or takes longer than the limit.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django(database: Path) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DEBUG"] = "1"
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def build_world(models: int):
    from aftersales.accounts.models import User
    from aftersales.catalogue.models import Maker, ProductCategory, ProductModel
    from aftersales.customers.models import Customer, Site

    actor = User.objects.create_superuser("bench", password=None)
    customer = Customer.objects.create(code="BENCH", name="基准测试客户", city="杭州")
    site = Site.objects.create(customer=customer, name="主校区", address="文三路 1 号")
    category = ProductCategory.objects.create(code="CCTV", name="视频监控")
    maker = Maker.objects.create(name="海康威视")
    product_models = [ProductModel.objects.create(code=f"DS-{n:04d}", name="网络摄像机", category=category,
                                                  maker=maker) for n in range(models)]
    return actor, customer, site, product_models


def build_workbook(rows: int, customer, site, product_models) -> bytes:
    from openpyxl import Workbook

    from aftersales.transfer.specs import ASSETS

    book = Workbook()
    sheet = book.active
    sheet.append(ASSETS.headers)
    installed = dt.date(2024, 6, 1)
    for n in range(rows):
        model = product_models[n % len(product_models)]
        values = {"客户编码": customer.code, "地址名称": site.name, "型号": model.code, "序列号": f"SN{n:08d}",
                  "名称": f"摄像机 {n}", "安装日期": installed, "验收日期": "2024-06-28", "状态": "在用"}
        sheet.append([values.get(header) for header in ASSETS.headers])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--models", type=int, default=30)
    parser.add_argument("--limit", type=float, default=60.0, help="seconds the import may take")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-import-") as folder:
        setup_django(Path(folder) / "bench.sqlite3")
        from aftersales.assets.models import Asset
        from aftersales.core.models import AuditEvent
        from aftersales.transfer.services import import_workbook

        actor, customer, site, product_models = build_world(args.models)
        content = build_workbook(args.rows, customer, site, product_models)
        print(f"workbook: {args.rows} rows, {len(content) / 1024 / 1024:.1f} MB")

        started = time.perf_counter()
        result = import_workbook(kind="assets", file=io.BytesIO(content), actor=actor)
        seconds = time.perf_counter() - started

        saved, audited = Asset.objects.count(), AuditEvent.objects.filter(action="import").count()
        print(f"rows: {result.created}  seconds: {seconds:.2f}  rows/s: {result.created / seconds:.0f}")
        print(f"saved: {saved} assets, {audited} audit rows")
        if not result.ok:
            for error in result.errors[:10]:
                print(f"  row {error.row} {error.column}: {error.message}", file=sys.stderr)
            print(f"FAILED: {len(result.errors)} problem(s)", file=sys.stderr)
            return 1
        if saved != args.rows or audited != args.rows:
            print("FAILED: not every row was saved with its audit row", file=sys.stderr)
            return 1
        if seconds > args.limit:
            print(f"FAILED: slower than {args.limit:g} s", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
