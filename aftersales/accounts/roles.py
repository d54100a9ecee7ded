"""The roles of SPEC §1 and what each may do, as Django groups with model permissions.

Later capabilities add their models' permissions here; `roles_sync` (run after
every migration) makes the groups match this table.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    DESK = "desk", _("Service desk")
    TECHNICIAN = "technician", _("Technician")
    SENIOR_ENGINEER = "senior_engineer", _("Senior engineer")
    PROJECT_MANAGER = "project_manager", _("Project manager")
    SERVICE_MANAGER = "service_manager", _("Service manager")
    DIRECTOR = "director", _("Service director")
    PARTS = "parts", _("Parts keeper")
    FINANCE = "finance", _("Finance")
    GENERAL_MANAGER = "general_manager", _("General manager")
    CUSTOMER = "customer", _("Customer user")
    DEALER = "dealer", _("Dealer")


EXTERNAL_ROLES = {Role.CUSTOMER, Role.DEALER}

RECORDS = [
    "customers.customer",
    "customers.site",
    "customers.contact",
    "catalogue.productmodel",
    "catalogue.productcategory",
    "catalogue.maker",
    "catalogue.part",
    "assets.project",
    "assets.projectdocument",
    "assets.asset",
    "contracts.contract",
    "dealers.dealer",
]
CALENDARS = ["calendars.workingcalendar", "calendars.holidayyear"]
TEMPLATES = ["assets.warrantycardtemplate"]
SERVICE = ["service.servicerequest", "service.servicelevel", "service.breach", "service.emergencyplan"]
SERVICE_SETUP = ["service.servicelevel", "service.escalationrule"]
# Spare-parts stock (SPEC §8): staff only. The stock rows change only through movements (their
# services); the stock API is read-only.
INVENTORY = ["inventory.stocklocation", "inventory.stockbalance", "inventory.stockmovement", "inventory.sparedispatch",
             "inventory.stockreservation"]
# The loaner pool (SPEC D6): company units lent to customers. The store keeps the units; whoever
# works requests lends and takes back.
LOANER_UNITS = ["loaners.loaner"]
LOANS = ["loaners.loan"]
# Tool kits (SPEC P6): kept by the store, issued to technicians.
TOOLKITS = ["toolkits.tool", "toolkits.toolkit", "toolkits.toolevent"]


def perms(models_: list[str], *actions: str) -> set[str]:
    return {f"{m.split('.')[0]}.{a}_{m.split('.')[1]}" for m in models_ for a in actions}


# Work orders (SPEC §7): dispatchers plan them (add), whoever works requests records the visit
# (change: the service checks it is their own work order unless they dispatch), a few make numbers void.
WORK_ORDERS = ["workorders.workorder", "workorders.usedpart", "workorders.visitphoto", "workorders.signature"]
# who dispatches also reserves the parts the job needs (SPEC P1), and releases them
DISPATCH = {"workorders.add_workorder", "inventory.add_stockreservation", "inventory.change_stockreservation"}
VOID_WORK_ORDERS = {"workorders.void_workorder"}
# Charges and quotes (SPEC W5-W9), after-sales policies and returns (W8, W10), depot repairs: each
# app's sets below name its permissions by who holds them; ROLE_PERMISSIONS adds them to the roles.
# charges: what every member of staff may read
CHARGES_VIEW: set[str] = {"charges.view_quote", "charges.view_pricerule", "charges.view_misusefinding",
                          "charges.view_thirdpartycost"}
# charges: the service manager's (set prices before a quote, W6; price rules; costs held against us, W9)
CHARGES_PRICE: set[str] = {"charges.price_quote", "charges.add_pricerule", "charges.change_pricerule",
                           "charges.add_thirdpartycost"}
# charges: whoever works requests (open the quote, record the acceptance, mark misuse)
CHARGES_QUOTE: set[str] = {"charges.add_quote", "charges.change_quote", "charges.accept_quote",
                           "charges.add_misusefinding"}
CHARGES_FINANCE: set[str] = {"charges.add_thirdpartycost"}  # charges: finance
# policies, returns, depot repairs: what every member of staff may read
AFTERCARE_VIEW: set[str] = {"aftercare.view_policysetting", "aftercare.view_returnrequest", "aftercare.view_depotbatch"}
# policies, returns, depot repairs: whoever works requests
AFTERCARE_WORK: set[str] = AFTERCARE_VIEW | {"aftercare.add_returnrequest", "aftercare.add_depotbatch",
                                             "aftercare.change_depotbatch"}
# returns and exchanges: the general manager's approval (W10)
AFTERCARE_APPROVE: set[str] = {"aftercare.approve_returnrequest", "aftercare.change_returnrequest"}
STORE = INVENTORY + LOANER_UNITS + LOANS + TOOLKITS
VIEW_RECORDS = (perms(RECORDS + SERVICE + STORE + WORK_ORDERS, "view") | perms(CALENDARS, "view")
                | {"core.view_auditevent"} | CHARGES_VIEW | AFTERCARE_VIEW)
WORK_REQUESTS = (perms(["service.servicerequest"], "add", "change", "confirm") | perms(LOANS, "add", "change")
                 | {"workorders.change_workorder", "workorders.report_workorder"} | CHARGES_QUOTE | AFTERCARE_WORK)
PLAN_EMERGENCIES = perms(["service.emergencyplan"], "add", "change")
EDIT_SERVICE_RECORDS = perms(
    ["customers.customer", "customers.site", "customers.contact", "assets.asset", "assets.projectdocument"],
    "add",
    "change",
)

ROLE_PERMISSIONS: dict[str, set[str]] = {
    Role.ADMIN: perms(RECORDS + CALENDARS + TEMPLATES + ["aftercare.policysetting"], "view", "add", "change")
    | {"core.view_auditevent", "accounts.view_user", "accounts.add_user", "accounts.change_user"}
    | perms(SERVICE + SERVICE_SETUP, "view", "add", "change") | WORK_REQUESTS | perms(STORE, "view"),
    Role.DESK: VIEW_RECORDS | EDIT_SERVICE_RECORDS | WORK_REQUESTS | DISPATCH | VOID_WORK_ORDERS,
    Role.TECHNICIAN: VIEW_RECORDS | perms(["assets.asset"], "change") | WORK_REQUESTS,
    Role.SENIOR_ENGINEER: VIEW_RECORDS | perms(["assets.asset"], "change") | WORK_REQUESTS,
    Role.PROJECT_MANAGER: VIEW_RECORDS
    | EDIT_SERVICE_RECORDS
    | perms(["assets.project"], "add", "change")
    | WORK_REQUESTS
    | PLAN_EMERGENCIES
    | DISPATCH,
    Role.SERVICE_MANAGER: VIEW_RECORDS
    | EDIT_SERVICE_RECORDS
    | perms(["assets.project", "contracts.contract"], "add", "change")
    | WORK_REQUESTS
    | PLAN_EMERGENCIES
    | DISPATCH
    | VOID_WORK_ORDERS
    | CHARGES_PRICE
    | perms(["aftercare.policysetting"], "change")
    | perms(["service.breach"], "change"),
    Role.DIRECTOR: VIEW_RECORDS | perms(["contracts.contract"], "change") | WORK_REQUESTS | PLAN_EMERGENCIES
    | DISPATCH | VOID_WORK_ORDERS
    | perms(SERVICE_SETUP, "view", "add", "change") | perms(["service.breach"], "change")
    | {"service.approve_emergencyplan"},
    Role.PARTS: VIEW_RECORDS | perms(["catalogue.part", "catalogue.productmodel"], "add", "change")
    | perms(STORE, "add", "change") | {"inventory.collect_stockreservation"},
    Role.FINANCE: VIEW_RECORDS | perms(["contracts.contract"], "add", "change") | perms(["service.breach"], "change")
    | CHARGES_FINANCE | perms(["toolkits.toolevent"], "change"),  # settles what holders owe for lost tools
    Role.GENERAL_MANAGER: VIEW_RECORDS | AFTERCARE_APPROVE,
    # Customers and dealers read what belongs to their own organisation only;
    # which rows that is, is decided in accounts.scoping.
    Role.CUSTOMER: perms(
        ["customers.customer", "customers.site", "customers.contact", "assets.project", "assets.asset",
         "assets.projectdocument", "contracts.contract", "catalogue.productmodel", "service.servicerequest",
         "service.servicelevel"],
        "view",
    )
    | {"service.confirm_servicerequest"}  # the solution of their own requests
    | {"charges.view_quote", "charges.change_quote", "charges.accept_quote"}  # quotes: answer their own
    | {"workorders.report_workorder"},  # their service reports e-mailed to their own address
    Role.DEALER: perms(
        ["customers.customer", "customers.site", "customers.contact", "assets.asset",
         "catalogue.productmodel", "dealers.dealer", "service.servicerequest", "service.servicelevel"],
        "view",
    ),
}
