"""Demo data: a believable Chinese systems integrator's after-sales world (`manage.py demo_data`).

Deterministic (one generator seeded with ``SEED``) and loaded once: a database that already holds
the first demo customer (``MARKER_CODE``) is left alone. Dates are placed relative to the day of
loading, so that on that day some warranties run, some are in their latent-defect period, some
have ended, and a few maintenance contracts are about to end.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from aftersales.accounts.models import User
from aftersales.accounts.roles import Role
from aftersales.accounts.services import user_create
from aftersales.assets.choices import AssetStatus
from aftersales.assets.models import Asset, Project, WarrantyCardTemplate
from aftersales.calendars.services import calendars_seed
from aftersales.catalogue.models import (
    BomLine,
    Maker,
    Part,
    ProductCategory,
    ProductModel,
)
from aftersales.contracts.choices import ContractKind
from aftersales.contracts.models import Contract
from aftersales.core.audit import audit_events_bulk
from aftersales.core.models import AuditAction
from aftersales.customers.models import Contact, Customer, Site
from aftersales.dealers.models import Dealer

from .demo_tables import (  # noqa: F401
    BY_OTHERS,
    CATEGORIES,
    CITIES,
    CUSTOMERS,
    DEALER_OF_CITY,
    DEALERS,
    FAULTS,
    GIVEN,
    KINDS,
    MAKERS,
    MOBILE_PREFIXES,
    MODELS,
    PARTS,
    SOLUTIONS,
    SURNAMES,
    SYSTEMS,
    UNIT_LABELS,
    WAITING_FOR,
)
from .periods import add_months as _add_months

__all__ = ["DEMO_LOGINS", "DEMO_PASSWORD", "MARKER_CODE", "demo_counts", "demo_data_load", "demo_is_loaded"]

DEMO_PASSWORD = "demo-Pass-2026"
MARKER_CODE = "KH0001"
SEED = 2026
MAIL = "example.com"  # reserved (RFC 2606): demo mail never reaches anybody

# username, role, display name, organisation (customer code or dealer code) for external users.
USERS = [
    ("admin", Role.ADMIN, "王海峰", None), ("desk", Role.DESK, "李晓燕", None),
    ("technician", Role.TECHNICIAN, "张伟", None), ("technician2", Role.TECHNICIAN, "刘洋", None),
    ("technician3", Role.TECHNICIAN, "陈磊", None), ("senior_engineer", Role.SENIOR_ENGINEER, "赵志刚", None),
    ("project_manager", Role.PROJECT_MANAGER, "孙立军", None), ("pm2", Role.PROJECT_MANAGER, "吴婷", None),
    ("service_manager", Role.SERVICE_MANAGER, "周明", None), ("director", Role.DIRECTOR, "郑国华", None),
    ("parts", Role.PARTS, "黄丽", None), ("finance", Role.FINANCE, "林静", None),
    ("general_manager", Role.GENERAL_MANAGER, "徐建平", None),
    ("customer", Role.CUSTOMER, "杨帆", "KH0001"), ("customer2", Role.CUSTOMER, "何敏", "KH0002"),
    ("dealer", Role.DEALER, "马超", "JXS-HD"),
]
DEMO_LOGINS = [(username, role.label) for username, role, _name, _org in USERS]

FIRST_START = dt.date(2019, 3, 1)
REPLACEMENTS, FAULTY, UNDER_REPAIR, RETIRED = 8, 8, 5, 6


def _split_name(token: str) -> tuple[str, str]:
    latin = next(i for i, ch in enumerate(token) if ch.isascii())
    return token[:latin], token[latin:]


def _money(value: float) -> Decimal:
    return Decimal(int(round(value, -2)))


def demo_is_loaded() -> bool:
    return Customer.objects.filter(code=MARKER_CODE).exists()


def demo_counts() -> dict[str, int]:
    from aftersales.service.models import ServiceRequest

    return {
        "service requests": ServiceRequest.objects.count(),
        "users": User.objects.count(), "dealers": Dealer.objects.count(), "customers": Customer.objects.count(),
        "sites": Site.objects.count(), "contacts": Contact.objects.count(),
        "product models": ProductModel.objects.count(), "parts": Part.objects.count(),
        "projects": Project.objects.count(), "assets": Asset.objects.count(),
        "warranties": Contract.objects.filter(kind=ContractKind.WARRANTY).count(),
        "maintenance contracts": Contract.objects.filter(kind=ContractKind.MAINTENANCE).count(),
    }


def demo_data_load(*, today: dt.date | None = None) -> dict[str, int] | None:
    """Seed the calendars, then build the demo world; None (and nothing written) when it is already there."""
    calendars_seed()
    if demo_is_loaded():
        return None
    with transaction.atomic():
        _Builder(today or timezone.localdate()).build()
    _escalate()
    return demo_counts()


def _escalate() -> None:
    """One escalation pass, as the job does every minute: breaches recorded, notices in-app. The demo
    people's e-mail addresses are made up: the e-mails go nowhere."""
    from django.test.utils import override_settings

    from aftersales.service.escalation import escalation_pass

    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend", NOTICE_WEBHOOK_URL=""):
        escalation_pass()


def _bulk(model, objects: list, *, exclude: tuple[str, ...] = ()) -> list:
    """Validate, insert in bulk and write one "create" audit row per record."""
    for obj in objects:
        obj.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
    model.objects.bulk_create(objects, batch_size=500)
    audit_events_bulk(objects, action=AuditAction.CREATE, actor=None)
    return objects


class _Builder:
    def __init__(self, today: dt.date) -> None:
        self.rng = random.Random(SEED)
        self.today = today
        self.users: dict[str, User] = {}
        self.serials: dict[int, set[str]] = defaultdict(set)
        self.warranty_months: dict[int, int] = {}

    def build(self) -> None:
        self.create_staff()
        self.create_dealers()
        self.create_customers()
        self.create_external_users()
        self.create_catalogue()
        self.create_projects()
        self.create_assets()
        self.create_warranties()
        self.create_maintenance_contracts()
        self.create_template()
        self.create_service_requests()
        self.create_emergency_plans()
        self.create_inventory()
        self.create_stock_periods()
        self.create_loaners()
        self.create_toolkits()
        self.create_aftercare()
        self.create_work_orders()
        self.create_charges()

    # People and organisations ------------------------------------------------------------

    def mobile(self) -> str:
        return self.rng.choice(MOBILE_PREFIXES.split()) + f"{self.rng.randrange(10**8):08d}"

    def landline(self, city: str, *, extension: bool = False) -> str:
        number = f"{CITIES[city][0]}-{self.rng.choice('5678')}{self.rng.randrange(10**7):07d}"
        return number + (f"-{self.rng.randint(801, 8999)}" if extension else "")

    def person(self) -> tuple[str, str]:
        (surname, s_py), (given, g_py) = (_split_name(self.rng.choice(SURNAMES)), _split_name(self.rng.choice(GIVEN)))
        return surname + given, f"{g_py}.{s_py}"

    def _user(self, username: str, role: Role, name: str, **org) -> None:
        existing = User.objects.filter(username=username).first()
        self.users[username] = existing or user_create(
            username=username, password=None, roles=[role], display_name=name, phone=self.mobile(),
            email=f"{username}@zhihe.{MAIL}", **org,
        )

    def create_staff(self) -> None:
        for username, role, name, org in USERS:
            if org is None:
                self._user(username, role, name)

    def create_external_users(self) -> None:
        for username, role, name, org in USERS:
            if role == Role.CUSTOMER:
                self._user(username, role, name, customer=self.customers[org])
            elif role == Role.DEALER:
                self._user(username, role, name, dealer=self.dealers[org])
        # One hash for every demo login: hashing is slow on purpose, the password is public anyway.
        created = [u.pk for u in self.users.values() if not u.has_usable_password()]
        User.objects.filter(pk__in=created).update(password=make_password(DEMO_PASSWORD))

    def create_dealers(self) -> None:
        dealers = [Dealer(code=c, name=n, region=r, contact_name=p, phone=t) for c, n, r, p, t in DEALERS]
        self.dealers = {d.code: d for d in _bulk(Dealer, dealers)}

    def create_customers(self) -> None:
        managers = [self.users[u] for u in ("service_manager", "project_manager", "pm2")]
        customers, self.kind, self.slug = [], {}, {}
        for number, line in enumerate(CUSTOMERS.splitlines(), start=1):
            city, kind, slug, name = line.split(maxsplit=3)
            code = f"KH{number:04d}"
            level = self.rng.choice(KINDS[kind][0])
            dealer = self.dealers.get(DEALER_OF_CITY.get(city, "")) if kind not in ("bank", "hospital", "gov") else None
            customers.append(Customer(
                code=code, name=name, level=level, city=city, phone=self.landline(city), dealer=dealer,
                is_key=code == MARKER_CODE or (level == "A" and self.rng.random() < 0.6),
                installed_by_others=code in BY_OTHERS,
                documents_reviewed_on=self.today - dt.timedelta(days=160) if BY_OTHERS.get(code) else None,
                account_manager=self.rng.choice(managers),
                internal_notes=self.rng.choice(["", "", "机房钥匙在保卫科，上门需提前一天预约。", "每年春节前安排一次巡检。"]),
            ))
            self.kind[code], self.slug[code] = kind, slug
        self.customers = {c.code: c for c in _bulk(Customer, customers, exclude=("dealer", "account_manager"))}
        self.create_sites()
        self.create_contacts()

    def create_sites(self) -> None:
        sites = []
        for customer in self.customers.values():
            _area, districts, roads = CITIES[customer.city]
            names = KINDS[self.kind[customer.code]][1].split()
            for name in names[: self.rng.choice((1, 1, 2, 2, 3))]:
                address = (f"{customer.city}市{self.rng.choice(districts.split())}{self.rng.choice(roads.split())}"
                           f"{self.rng.randint(1, 999)}号")
                sites.append(Site(customer=customer, name=name, city=customer.city, address=address))
        _bulk(Site, sites, exclude=("customer",))
        self.sites: dict[str, list[Site]] = defaultdict(list)
        for site in sites:
            self.sites[site.customer.code].append(site)
        for customer in self.customers.values():
            customer.address = self.sites[customer.code][0].address
        Customer.objects.bulk_update(self.customers.values(), ["address"])

    def create_contacts(self) -> None:
        contacts = []
        for code, customer in self.customers.items():
            titles = KINDS[self.kind[code]][2].split()
            for n in range(self.rng.randint(1, 3)):
                name, mailbox = self.person()
                mobile = self.mobile() if self.rng.random() < 0.9 else ""
                phone = self.landline(customer.city, extension=True) if not mobile or self.rng.random() < 0.4 else ""
                domain = f"{self.slug[code]}.{KINDS[self.kind[code]][5]}.{MAIL}"
                email = f"{mailbox}@{domain}" if self.rng.random() < 0.6 else ""
                contacts.append(Contact(
                    customer=customer, site=self.rng.choice(self.sites[code]) if n else None, name=name,
                    title=titles[n % len(titles)], mobile=mobile, phone=phone, email=email, is_primary=n == 0,
                ))
        _bulk(Contact, contacts, exclude=("customer", "site"))

    # Catalogue ---------------------------------------------------------------------------

    def create_catalogue(self) -> None:
        categories = {c: ProductCategory(code=c, name=n) for c, n in CATEGORIES}
        _bulk(ProductCategory, list(categories.values()))
        makers = {n: Maker(name=n) for n in MAKERS}
        _bulk(Maker, list(makers.values()))
        parts = {}
        for line in PARTS.splitlines():
            code, life, cost, unit, name = line.split(maxsplit=4)
            parts[code] = Part(code=code, name=name, unit=unit, service_life_months=int(life), unit_cost=Decimal(cost))
        _bulk(Part, list(parts.values()))
        models, bom, self.price, self.by_role = [], [], {}, defaultdict(list)
        for line in MODELS.splitlines():
            category, maker, code, name, role, life, price, part_codes = line.split("|")
            model = ProductModel(code=code, name=name, category=categories[category], maker=makers[maker],
                                 service_life_months=int(life), description=f"{maker} {name}")
            models.append(model)
            self.by_role[role].append(model)
            self.price[code] = int(price)
            bom += [BomLine(product_model=model, part=parts[f"BJ-{p}"], quantity=2 if p == "HDD-8T" else 1)
                    for p in part_codes.split()]
        _bulk(ProductModel, models, exclude=("category", "maker"))
        BomLine.objects.bulk_create(bom)

    # Projects and assets -----------------------------------------------------------------

    def _project_plan(self) -> list[tuple[Customer, str, dt.date]]:
        """(customer, system, acceptance date) for every project, acceptance spread from 2019 to now."""
        plan, first = [], self.customers[MARKER_CODE]
        for years, system in ((6.5, "cctv"), (3.3, "acs"), (0.7, "bas")):
            plan.append((first, system, self.today - dt.timedelta(days=int(years * 365))))
        others = [c for code, c in self.customers.items() if code != MARKER_CODE and code not in BY_OTHERS]
        seconds = set(self.rng.sample(range(len(others)), 20))
        jobs = [(c, n) for i, c in enumerate(others) for n in range(2 if i in seconds else 1)]
        span = (self.today - dt.timedelta(days=14) - FIRST_START).days
        slots = [FIRST_START + dt.timedelta(days=span * i // len(jobs)) for i in range(len(jobs))]
        self.rng.shuffle(slots)
        by_customer = defaultdict(list)
        for (customer, _n), slot in zip(jobs, slots):
            by_customer[customer.code].append(slot)
        for customer in others:
            systems = KINDS[self.kind[customer.code]][4].split()
            for n, day in enumerate(sorted(by_customer[customer.code])):
                plan.append((customer, systems[0] if n == 0 else self.rng.choice(systems[1:]), day))
        return plan

    def create_projects(self) -> None:
        pms = [self.users["project_manager"], self.users["pm2"]]
        techs = [self.users[u] for u in ("technician", "technician2", "technician3")]
        projects, seq = [], defaultdict(int)
        for customer, system, day in sorted(self._project_plan(), key=lambda p: (p[2], p[0].code)):
            seq[day.year] += 1
            site, pm, tech = self.rng.choice(self.sites[customer.code]), self.rng.choice(pms), self.rng.choice(techs)
            issued = day + dt.timedelta(days=self.rng.randint(5, 28))
            project = Project(
                code=f"XM{day.year}-{seq[day.year]:03d}", customer=customer, site=site, project_manager=pm,
                name=f"{site.name}{SYSTEMS[system][0]}{self.rng.choice(['建设工程', '改造工程', '升级工程'])}",
                accepted_on=day, warranty_card_issued_on=issued if issued <= self.today else None,
                responsible_department=self.rng.choice(["售后服务部", "售后服务部", "工程一部", "工程二部"]),
                responsible_people=f"项目经理 {pm.display_name} {pm.phone}；维修工程师 {tech.display_name} {tech.phone}",
            )
            project.system = system
            projects.append(project)
        self.projects = _bulk(Project, projects, exclude=("customer", "site", "project_manager"))
        for project in self.projects:
            self.warranty_months[project.pk] = 36 if self.rng.random() < 0.6 else 24

    def serial(self, model: ProductModel, year: int) -> str:
        d, c, yy = self.rng.randrange, self.rng.choice, year % 100
        formats = {
            "海康威视": lambda: f"{c('DEFGHJKL')}{d(10**8):08d}",
            "大华": lambda: f"{d(1, 10)}{c('ABCDEFGHJK')}{d(16**4):04X}PAZ{d(10**5):05d}",
            "宇视": lambda: f"210235C{c('3456')}{c('ABCDR')}{yy:02d}{d(10**6):06d}",
            "华为": lambda: f"2102{d(10**4):04d}{c('ABCDEFGHK')}{c('0123456789ABCDEFGHJKLMN')}{yy:02d}{d(10**6):06d}",
            "霍尼韦尔": lambda: f"HW{yy:02d}{d(1, 53):02d}{d(10**6):06d}",
            "西门子": lambda: f"S{yy:02d}{d(10**7):07d}",
            "飞利浦": lambda: f"PH{yy:02d}{d(1, 53):02d}{d(10**6):06d}",
            "自研": lambda: f"ZH{year}{d(10**5):05d}",
        }
        taken = self.serials[id(model)]
        while (serial := formats[model.maker.name]()) in taken:
            pass
        taken.add(serial)
        return serial

    def unit(self, role: str, maker: str, site: Site, project, accepted, *, name: str, parent=None) -> Asset:
        same = [m for m in self.by_role[role] if m.maker.name == maker]
        model = self.rng.choice(same if same and self.rng.random() < 0.8 else self.by_role[role])
        installed = accepted - dt.timedelta(days=self.rng.randint(3, 40)) if accepted else None
        return Asset(customer=site.customer, site=site, project=project, product_model=model, parent=parent,
                     serial_number=self.serial(model, (installed or self.today).year), name=name,
                     installed_on=installed, accepted_on=accepted)

    def system_units(self, system: str, site: Site, project, accepted) -> list[Asset]:
        _label, head_role, heads, children, software = SYSTEMS[system]
        maker = self.rng.choice(sorted({m.maker.name for m in self.by_role[head_role]}))
        areas, units, counter = KINDS[self.kind[site.customer.code]][3].split(), [], defaultdict(int)
        room = self.rng.choice(["监控中心", "弱电机房", "消防控制室"])
        for h in range(self.rng.randint(*heads)):
            head = self.unit(head_role, maker, site, project, accepted, name=f"{room}{UNIT_LABELS[head_role]}{h + 1}")
            units.append(head)
            for role, low, high in children:
                for _n in range(self.rng.randint(low, high)):
                    counter[role] += 1
                    name = f"{self.rng.choice(areas)}{UNIT_LABELS[role]}{counter[role]:02d}"
                    units.append(self.unit(role, maker, site, project, accepted, name=name, parent=head))
        if system == "cctv" and len(units) > 20 and self.rng.random() < 0.5:
            units.append(self.unit("storage", "华为", site, project, accepted, name=f"{room}存储阵列"))
        if software:
            units.append(self.unit(software, "自研", site, project, accepted, name=f"{room}{UNIT_LABELS[software]}"))
        return units

    def create_assets(self) -> None:
        self.assets = []
        for project in self.projects:
            self.assets += self.system_units(project.system, project.site, project, project.accepted_on)
        for code, reviewed in BY_OTHERS.items():
            accepted = self.today - dt.timedelta(days=2000) if reviewed else None
            units = self.system_units("cctv", self.sites[code][0], None, accepted)
            for unit in units:
                unit.notes = "非我司安装，资料已审核。" if reviewed else "非我司安装，待技术审核图纸资料。"
            self.assets += units
        self.replacements = self.replace_some()
        self.set_statuses()
        roots = [a for a in self.assets if a.parent is None]
        children = [a for a in self.assets if a.parent is not None]
        exclude = ("customer", "site", "project", "product_model", "parent", "replaces")
        for batch in (roots, children, self.replacements):
            _bulk(Asset, batch, exclude=exclude)
        self.assets += self.replacements

    def replace_some(self) -> list[Asset]:
        """A few units replaced under warranty: the new unit points at the old one (SPEC W4)."""
        candidates = [a for a in self.assets if a.parent is not None and a.project is not None
                      and (self.today - a.accepted_on).days > 120]
        replacements = []
        for old in self.rng.sample(candidates, REPLACEMENTS):
            months = self.warranty_months[old.project.pk]
            latest = min(_add_months(old.accepted_on, months) - dt.timedelta(days=1), self.today - dt.timedelta(days=5))
            day = old.accepted_on + dt.timedelta(days=self.rng.randint(60, (latest - old.accepted_on).days))
            old.status, old.notes = AssetStatus.REPLACED, f"{day:%Y-%m-%d} 保修期内故障，整机更换。"
            replacements.append(Asset(
                customer=old.customer, site=old.site, project=old.project, product_model=old.product_model,
                serial_number=self.serial(old.product_model, day.year), name=old.name, parent=old.parent,
                installed_on=day, accepted_on=day, replaces=old, notes=f"更换原设备 {old.serial_number}",
            ))
        return replacements

    def set_statuses(self) -> None:
        pool = [a for a in self.assets if a.parent is not None and a.status == AssetStatus.IN_SERVICE]
        old = [a for a in pool if a.accepted_on and a.accepted_on.year < 2021]
        for asset in self.rng.sample(old, RETIRED):
            asset.status, asset.notes = AssetStatus.RETIRED, "随改造工程拆除，已停用。"
        pool = [a for a in pool if a.status == AssetStatus.IN_SERVICE]
        picked = self.rng.sample(pool, FAULTY + UNDER_REPAIR)
        for asset in picked[:FAULTY]:
            asset.status, asset.notes = AssetStatus.FAULTY, "客户报修：设备离线，待派工。"
        for asset in picked[FAULTY:]:
            asset.status, asset.notes = AssetStatus.UNDER_REPAIR, "已返厂维修，预计两周。"

    # Contracts ---------------------------------------------------------------------------

    def project_value(self, assets: list[Asset]) -> Decimal:
        return _money(sum(self.price[a.product_model.code] for a in assets) * 1.35)

    def create_warranties(self) -> None:
        by_project = defaultdict(list)
        for asset in self.assets:
            if asset.project is not None and asset.replaces is None:
                by_project[asset.project.pk].append(asset)
        self.project_assets = by_project
        contracts = [
            Contract(
                number=f"ZB{p.code[2:]}", kind=ContractKind.WARRANTY, title=f"{p.name}质保", customer=p.customer,
                project=p, start_date=p.accepted_on, warranty_months=self.warranty_months[p.pk],
                latent_defect_months=24, original_value=self.project_value(by_project[p.pk]),
            )
            for p in self.projects
        ]
        _bulk(Contract, contracts, exclude=("customer", "project", "renews"))
        self._link([(c, by_project[c.project.pk]) for c in contracts])

    def _link(self, pairs) -> None:
        through = Contract.assets.through
        through.objects.bulk_create(
            [through(contract_id=c.pk, asset_id=a.pk) for c, assets in pairs for a in assets], batch_size=1000
        )

    def maintained_customers(self) -> list[str]:
        """About a third of the customers: those whose warranty (or someone else's installation) has ended."""
        ended = sorted({p.customer.code for p in self.projects
                        if _add_months(p.accepted_on, self.warranty_months[p.pk]) < self.today})
        reviewed = [c for c, r in BY_OTHERS.items() if r]
        others = [c for c in ended if c != MARKER_CODE]
        return [MARKER_CODE, *reviewed, *self.rng.sample(others, len(self.customers) // 3 - 1 - len(reviewed))]

    def create_maintenance_contracts(self) -> None:
        codes = self.maintained_customers()
        fates = ["current"] * len(codes)
        fates[-2:], fates[-5:-2] = ["lapsed"] * 2, ["soon"] * 3
        chains = [self.chain(code, fate) for code, fate in zip(codes, fates)]
        contracts = sorted((c for chain in chains for c, _a in chain), key=lambda c: (c.start_date, c.customer.code))
        seq = defaultdict(int)
        for contract in contracts:  # earlier first: a renewal is saved after the contract it renews
            seq[contract.start_date.year] += 1
            contract.number = f"WB{contract.start_date.year}-{seq[contract.start_date.year]:03d}"
            contract.full_clean(exclude=["customer", "project", "renews"], validate_unique=False)
            contract.save()
        audit_events_bulk(contracts, action=AuditAction.CREATE, actor=None)
        self._link([pair for chain in chains for pair in chain])

    def chain(self, code: str, fate: str) -> list[tuple[Contract, list[Asset]]]:
        """Yearly maintenance contracts from the first warranty end to today, each renewing the last."""
        customer, today, rng = self.customers[code], self.today, self.rng
        if code in BY_OTHERS:
            first = customer.documents_reviewed_on + dt.timedelta(days=15)
        else:
            first = min(_add_months(p.accepted_on, self.warranty_months[p.pk]) for p in self.projects
                        if p.customer.code == code) + dt.timedelta(days=1)
        end = {"current": today + dt.timedelta(days=rng.randint(60, 330)),
               "soon": today + dt.timedelta(days=rng.randint(5, 40)),
               "lapsed": today - dt.timedelta(days=rng.randint(20, 200))}[fate]
        if end <= first:
            end = _add_months(first, 12) - dt.timedelta(days=1)
        terms = []
        while True:
            start = max(first, _add_months(end, -12) + dt.timedelta(days=1))
            terms.insert(0, (start, end))
            if start == first:
                break
            end = start - dt.timedelta(days=1)
        free_parts = rng.random() < 0.5
        return self._contracts(customer, terms, free_parts)

    def _contracts(self, customer: Customer, terms, free_parts: bool) -> list[tuple[Contract, list[Asset]]]:
        chain, previous = [], None
        for start, end in terms:
            covered = [a for a in self.assets if a.customer is customer and a.status not in
                       (AssetStatus.RETIRED, AssetStatus.REPLACED) and self._ended_before(a, end)]
            value = self.project_value([a for a in covered if a.replaces is None])
            contract = Contract(
                kind=ContractKind.MAINTENANCE, title=f"{customer.name} 维保服务合同（{start:%Y.%m}–{end:%Y.%m}）",
                customer=customer, start_date=start, end_date=end, free_labour=True, free_parts=free_parts,
                original_value=value, renewal_rate=Decimal("0.05"), renews=previous,
                price=_money(float(value) * 0.05 * ((end - start).days + 1) / 365),
                notes="续签价格按原合同额的5%/年计。" if previous else "",
            )
            chain.append((contract, covered))
            previous = contract
        return chain

    def _ended_before(self, asset: Asset, end: dt.date) -> bool:
        if asset.project is None:
            return True
        return _add_months(asset.project.accepted_on, self.warranty_months[asset.project.pk]) < end

    def create_template(self) -> None:
        if WarrantyCardTemplate.objects.filter(is_active=True).exists():
            return
        try:
            from aftersales.assets.warranty_card import DEFAULT_PRINCIPLES as principles
        except ImportError:
            principles = ("一、保修期自验收合格之日起计算，期限以合同约定为准。\n\n"
                          "二、保修期内因质量问题引起的故障免费维修；人为损坏、使用不当除外。\n\n"
                          "三、保修期满后另有24个月潜在缺陷保证期。")
        template = WarrantyCardTemplate.objects.create(title="工程保修卡", principles=principles)
        audit_events_bulk([template], action=AuditAction.CREATE, actor=None)

    # Service requests ---------------------------------------------------------------------

    def create_service_requests(self) -> None:
        """About two months of calls, registered and worked through the real services (numbers,
        clocks, timeline), ending with a live queue: new, acknowledged, in progress, waiting,
        some late, plus resolved and closed ones with their history."""
        from aftersales.service import services
        from aftersales.service.choices import (
            Channel,
            RemoteMethod,
            RequestType,
            Severity,
        )
        from aftersales.service.models import ServiceLevel

        office = ServiceLevel.objects.filter(code="STD-5X8").first()
        if office is not None:  # a third of the maintenance contracts are served in office hours
            ids = list(Contract.objects.filter(kind=ContractKind.MAINTENANCE).values_list("pk", flat=True))
            Contract.objects.filter(pk__in=ids[::3]).update(service_level=office)
        rng = self.rng
        now = timezone.now()
        desk, tech = self.users["desk"], [self.users[u] for u in ("technician", "technician2", "technician3")]
        assets = [a for a in self.assets if a.status == AssetStatus.IN_SERVICE]
        types = [RequestType.REPAIR] * 8 + [RequestType.CONSULTATION, RequestType.UPGRADE, RequestType.COMPLAINT,
                                              RequestType.INSTALLATION, RequestType.EMERGENCY]
        channels = [Channel.PHONE] * 6 + [Channel.EMAIL, Channel.PORTAL, Channel.PLATFORM, Channel.FAX]
        for index in range(160):
            asset = rng.choice(assets)
            # older calls are finished; the last ~30 are still on the desk
            live = index >= 130
            minutes_ago = rng.randint(10, 600) if live else rng.randint(24 * 60, 60 * 24 * 60)
            reported = now - dt.timedelta(minutes=minutes_ago)
            kind = rng.choice(types)
            fault = rng.choice(FAULTS)
            severity = Severity.CRITICAL if kind == RequestType.EMERGENCY else rng.choice([1, 2, 2, 3, 3, 3, 4])
            contact, phone = self.person()[0], self.mobile()
            request = services.request_register(actor=desk, now=reported + dt.timedelta(minutes=2), data={
                "customer": asset.customer, "site": asset.site, "asset": asset, "reported_at": reported,
                "reporter_name": contact, "reporter_phone": phone, "channel": rng.choice(channels),
                "request_type": kind, "severity": severity, "description": fault,
                "tried_by_others": rng.random() < 0.1,
            })
            step = reported
            fate = rng.random()
            if live and fate < 0.3:
                continue  # new: waiting for the desk
            step += dt.timedelta(minutes=rng.choice([8, 15, 25, 40, 70]))
            if step >= now:
                continue
            services.request_acknowledge(request=request, actor=desk, at=step)
            services.request_assign(request=request, actor=desk, assignee=rng.choice(tech))
            if live and fate < 0.45:
                continue
            step += dt.timedelta(minutes=rng.randint(10, 90))
            if step >= now:
                continue
            services.request_start(request=request, actor=request.assignee, at=step)
            if live and fate < 0.6:
                services.request_pause(request=request, actor=request.assignee, at=step + dt.timedelta(minutes=5),
                                       reason=rng.choice(WAITING_FOR))
                continue
            if live:
                continue
            remote = rng.random() < 0.35
            if not remote:
                step += dt.timedelta(minutes=rng.randint(40, 300))
                services.request_arrive(request=request, actor=request.assignee, at=step)
            step += dt.timedelta(minutes=rng.randint(20, 600))
            services.request_resolve(
                request=request, actor=request.assignee, at=step, resolution=rng.choice(SOLUTIONS),
                remote_method=rng.choice([RemoteMethod.PHONE, RemoteMethod.REMOTE_LOGIN]) if remote else "")
            if severity <= 2 and rng.random() < 0.8:
                services.request_file_report(request=request, actor=request.assignee,
                                             at=step + dt.timedelta(hours=rng.randint(2, 30)),
                                             text="问题类型：硬件故障；原因：" + fault + "；处理方法：更换/调整；损失：无。")
            if rng.random() < 0.85:
                services.request_close(request=request, actor=desk, confirmed=rng.random() < 0.8,
                                       reason="客户电话确认恢复正常，未能取得签字", at=step + dt.timedelta(days=1))

    def create_emergency_plans(self) -> None:
        """Four emergency repairs called in within the last hours, one at each step of SPEC §6: a plan
        written, agreed by the customer, approved by the service director, the team on its way."""
        from aftersales.service import emergency, services
        from aftersales.service.choices import Channel, RequestType, Severity

        desk, pm, manager = self.users["desk"], self.users["project_manager"], self.users["service_manager"]
        director = self.users["director"]
        now = timezone.now()
        assets = [a for a in self.assets if a.status == AssetStatus.IN_SERVICE]
        faults = ["监控中心全部画面中断，疑似主干光纤被挖断", "录像服务器阵列两块硬盘同时故障，录像中断",
                  "门禁控制器全部离线，大门无法开启", "消防联动报警主机死机，整栋楼报警信号中断"]
        for stage, fault in enumerate(faults):
            asset = self.rng.choice(assets)
            reported = now - dt.timedelta(minutes=25 + 20 * stage)
            request = services.request_register(actor=desk, now=reported + dt.timedelta(minutes=1), data={
                "customer": asset.customer, "site": asset.site, "asset": asset, "reported_at": reported,
                "reporter_name": self.person()[0], "reporter_phone": self.mobile(), "channel": Channel.PHONE,
                "request_type": RequestType.EMERGENCY, "severity": Severity.CRITICAL, "description": fault})
            services.request_acknowledge(request=request, actor=desk, at=reported + dt.timedelta(minutes=3))
            lead = self.users["technician"]
            services.request_assign(request=request, actor=desk, assignee=lead)
            emergency.plan_write(request=request, actor=pm, data={
                "expected_hours": Decimal(("2", "3.5", "4", "6")[stage]), "people": f"{lead}、张工",
                "lead": lead, "tools": "熔接机、万用表、笔记本电脑", "parts": "硬盘 4TB x2、电源模块 x1",
                "work_items": "排查故障点，更换损坏部件，恢复系统运行并试验", "estimated_cost": Decimal("1800")})
            if stage >= 1:
                emergency.plan_consent(request=request, actor=manager, consent_by=request.reporter_name)
            if stage >= 2:
                emergency.plan_approve(request=request, actor=director)
            if stage >= 3:
                emergency.plan_depart(request=request, actor=manager, expected_arrival=now + dt.timedelta(minutes=50))

    # Spare parts -------------------------------------------------------------------------

    def create_inventory(self) -> None:
        """A central store, two branch stores and a van per technician; every catalogue part received,
        spread to the branches and vans, issued to requests, swapped parts returned defective, some
        repaired, one scrapped; minimum levels set so that the reorder list has lines (SPEC §8)."""
        from aftersales.inventory import posting
        from aftersales.inventory import services as stock
        from aftersales.inventory.choices import Condition, LocationKind, MovementKind
        from aftersales.inventory.models import StockLocation

        keeper = self.users["parts"]
        central = StockLocation.objects.create(code="ZXK", name="杭州中心库", kind=LocationKind.CENTRAL)
        branches = [StockLocation.objects.create(code=code, name=name, kind=LocationKind.BRANCH)
                    for code, name in (("FK-NB", "宁波分库"), ("FK-WZ", "温州分库"))]
        vans = [StockLocation.objects.create(code=f"CZK-{username}", name=f"{self.users[username]}车载库",
                                             kind=LocationKind.VAN, holder=self.users[username])
                for username in ("technician", "technician2", "technician3")]
        parts = list(Part.objects.order_by("code"))
        rows = [{"kind": MovementKind.RECEIPT, "part": p, "quantity": self.rng.randint(6, 30), "to_location": central,
                 "reference": f"CG-{self.today:%Y%m}-{i + 1:03d}"} for i, p in enumerate(parts)]
        for n, place in enumerate(branches + vans):
            for p in self.rng.sample(parts, 8 if place.kind == LocationKind.BRANCH else 4):
                rows.append({"kind": MovementKind.TRANSFER, "part": p, "quantity": 2 if n < 2 else 1,
                             "from_location": central, "to_location": place, "reference": f"DB-{n + 1:03d}"})
        posting.movements_post(actor=keeper, rows=rows)
        for p in parts[::3]:
            stock.stock_minimum_set(actor=keeper, part=p, location=central, minimum=self.rng.randint(10, 35))
        for place in branches:
            for balance in place.balances.all()[:3]:
                stock.stock_minimum_set(actor=keeper, part=balance.part, location=place, minimum=4)
        defective = []  # (part, serial): swapped out at customers, sent back to the central store (SPEC P3)
        for n, van in enumerate(vans):
            for balance in van.balances.filter(quantity__gt=0)[:2]:
                part, ticket = balance.part, f"BX-{self.today.year}-{9000 + 10 * n}"
                stock.stock_issue(actor=keeper, part=part, location=van, quantity=1, reference=ticket)
                serial = f"SN{self.rng.randrange(10**8):08d}"
                stock.stock_defective_return(actor=keeper, part=part, location=van, quantity=1, reference=ticket,
                                             serial_number=serial, reason="现场换下的坏件")
                stock.stock_transfer(actor=keeper, part=part, from_location=van, to_location=central, quantity=1,
                                     condition=Condition.DEFECTIVE, reference=ticket, serial_number=serial)
                defective.append((part, serial))
        for part, serial in defective[:-1]:  # repaired: good spares again, each unit by its serial number
            stock.stock_repaired(actor=keeper, part=part, location=central, quantity=1, reference="WX-001",
                                 serial_number=serial)
        if defective:
            part, serial = defective[-1]
            stock.stock_scrap(actor=keeper, part=part, location=central, quantity=1, reason="无法修复",
                              serial_number=serial)
        returned = vans[0].balances.filter(condition=Condition.GOOD, quantity__gt=0).select_related("part").first()
        if returned is not None:
            stock.stock_return_unused(actor=keeper, part=returned.part, location=central, quantity=1,
                                      reference="TK-001")
            stock.stock_adjust(actor=keeper, part=returned.part, location=vans[0], counted=returned.quantity - 1,
                               reason="月度盘点")

    def create_toolkits(self) -> None:
        from aftersales.toolkits.demo import demo_toolkits

        demo_toolkits(keeper=self.users["parts"], today=self.today,
                      technicians=[self.users[u] for u in ("technician", "technician2", "technician3",
                                                          "senior_engineer")])

    def create_aftercare(self) -> None:
        from aftersales.aftercare.demo import demo_aftercare

        demo_aftercare(desk=self.users["desk"], gm=self.users["general_manager"], today=self.today)

    def create_loaners(self) -> None:
        from aftersales.loaners.demo import demo_loaners

        demo_loaners(actor=self.users["parts"], lender=self.users["technician"], today=self.today)

    def create_work_orders(self) -> None:
        from aftersales.workorders.demo import demo_reservations, demo_work_orders
        from aftersales.workorders.demo_board import demo_board

        demo_work_orders(desk=self.users["desk"], today=self.today,
                         technicians=[self.users[u] for u in ("technician", "technician2", "technician3")])
        demo_board(actor=self.users["desk"], today=self.today, count=3)  # tomorrow's plan; the rest still waits
        demo_reservations(desk=self.users["desk"], keeper=self.users["parts"])  # parts held for planned jobs

    def create_stock_periods(self) -> None:
        from aftersales.inventory.demo_periods import demo_periods

        demo_periods(actor=self.users["parts"], today=self.today)  # last month locked; a stocktake posted, one counting

    def create_charges(self) -> None:
        from aftersales.charges.demo import demo_charges

        demo_charges(manager=self.users["service_manager"], finance=self.users["finance"], today=self.today)
