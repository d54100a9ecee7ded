"""Who sees what, everywhere: every page, API route, export, download and search × every role ×
the records of two customer organisations A and B.

The routes come from the URL configuration (and the API schema is checked to hold no other), the
expected answers from ROLE_PERMISSIONS and accounts.scoping, the rows from FACTORIES in matrix.py:
a new route, role or customer-owned model joins the matrix by itself, or the matrix says what it
needs to know about it.

* Staff roles: an API route answers a read with 200 exactly when the role holds view_ of the
  route's model, a create with 403 unless it holds add_, a change (PUT, PATCH, archive, restore)
  with 403 unless it holds change_; a page showing a form to add or change a record answers 403 to
  a role without that permission (GET and POST); no request of any role writes a row its
  permissions do not grant, and no page is given records of a model the role may not view.
* Customers of A and of B, and a dealer serving A only: over the other organisation's records
  every page, route, export, download and search (?q=, ?search=, filters by the other's ids, GET
  and POST, PUT, PATCH) shows none of its text and changes nothing; over their own records they
  are shown no internal field (no key in JSON, no value on a page or in a file: what they receive
  is the same whatever the internal fields hold), no text of a record kind their role may not
  view, and no link to the other organisation.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from django.test import Client

from aftersales.accounts.roles import EXTERNAL_ROLES, ROLE_PERMISSIONS, Role
from aftersales.accounts.scoping import scope

from .matrix import (
    B_ID,
    FACTORIES,
    INTERNAL,
    Ledger,
    Route,
    World,
    api_body,
    build_world,
    context_violations,
    customer_owned,
    form_body,
    generic_body,
    governed,
    label,
    links,
    login,
    owned_models,
    page_form,
    perm,
    route_of,
    routes,
    set_internal,
    shared,
    text_of,
    write_violations,
)

pytestmark = pytest.mark.django_db

STAFF_ROLES = [r.value for r in Role if r not in EXTERNAL_ROLES]
EXTERNAL_USERS = ["customer_a", "customer_b", "dealer_a"]  # the dealer serves A, not B

# API routes (by URL name) whose view has no model (no queryset, no serializer Meta.model), with the
# reason they hold no records. A new route without a model fails the matrix until declared here.
API_WITHOUT_MODEL = {
    "api-token": "obtains a token from a username and password; opens no record",
    "api-schema": "the OpenAPI description of the routes; no record",
    "api-docs": "the page that shows the OpenAPI description; no record",
    "api-no-such-route": "answers 404 to any path that names no route; no record",
}
# Arguments that are not record ids and that no page links to, with a value to try.
PARAM_SAMPLES = {"uidb64": "MQ", "token": "x-y"}
# Models written under a rule of their own rather than ROLE_PERMISSIONS, with the rule.
WRITE_RULES: dict[str, str] = {}
# A request with a detail route's id changes that record (archive, restore) or reads it.
DETAIL_ACTION_NEEDS = {"get": "view", "head": "view", "options": "view"}  # every other method: change


def perms_of(role_codes) -> set[str]:
    return set().union(*(ROLE_PERMISSIONS.get(code, set()) for code in role_codes))


def drop_language(client) -> None:
    from django.conf import settings

    client.cookies.pop(settings.LANGUAGE_COOKIE_NAME, None)


# --------------------------------------------------------------------------------------------
# The paths of every page: record routes for each organisation, others found in the links
# --------------------------------------------------------------------------------------------

class Pages:
    """Every page path, found by a superuser (the probe): what it shows, the form it offers, the
    body to post to it."""

    def __init__(self, world: World):
        self.client = Client()
        login(self.client, world.users["probe"])
        self.info: dict[str, dict] = {}
        self.by_org: dict[str | None, list[str]] = {None: [], "a": [], "b": []}
        self.unfilled: list[str] = []
        page_routes = [r for r in routes() if not r.is_api]
        self.route: dict[str, Route] = {}
        for r in page_routes:
            if r.fillable and r.params:
                for org in world.orgs.values():
                    self._probe(r, r.path(org.pk), org.key)
            elif r.fillable:
                self._probe(r, r.path(0), None)
        found = {}
        for info in list(self.info.values()):
            for link in info["links"]:
                found.setdefault(route_of(link), set()).add(link)
        for r in page_routes:
            if r.fillable:
                continue
            concrete = sorted(found.get(r.route, ()))[:4]
            if not concrete:
                path = r.path(B_ID)
                path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: PARAM_SAMPLES.get(m.group(1), m.group(0)), path)
                concrete = [path] if "<" not in path and "(?P" not in path else []
            if not concrete:
                self.unfilled.append(r.route)
            for path in concrete:
                self._probe(r, path, None)
        del self.client

    def _probe(self, r: Route, path: str, org: str | None) -> None:
        self.route[path] = r
        response = self.client.get(path)
        drop_language(self.client)
        form = page_form(response)
        info = {"status": response.status_code, "form": None, "body": None, "links": set()}
        if response.get("Content-Type", "").startswith("text/html"):
            info["links"] = links(response.content.decode("utf-8", "replace"))
        if form is not None:
            info["body"] = form_body(form)
            model = getattr(getattr(form, "_meta", None), "model", None)
            if model is not None:
                info["form"] = (model, "change" if form.instance.pk else "add")
        self.info[path] = info
        self.by_org[org].append(path)

    def body(self, path: str) -> dict:
        info = self.info.get(path)
        body = dict(info["body"]) if info and info["body"] else generic_body()
        return {k: (generic_body()["file"] if hasattr(v, "read") else v) for k, v in body.items()}


_DISCOVERED: dict[str, Pages] = {}


def discover(world: World) -> Pages:
    """The pages, probed once per database (every test builds the same world)."""
    from django.db import connection

    if connection.vendor not in _DISCOVERED:
        _DISCOVERED[connection.vendor] = Pages(world)
    return _DISCOVERED[connection.vendor]


def ordered(paths):
    """Archiving last, so that the other writes meet live records."""
    return sorted(paths, key=lambda p: ("archive" in p or "restore" in p))


# --------------------------------------------------------------------------------------------
# One user walking
# --------------------------------------------------------------------------------------------

class Walker:
    def __init__(self, actor, world: World, api, role_codes):
        self.actor = actor
        self.world = world
        self.perms = perms_of(role_codes)
        self.page = Client()
        login(self.page, actor)
        self.rest = api(actor)
        self.probe_rest = api(world.users["probe"])
        self.ledger = Ledger()
        self.problems: list[str] = []
        self.samples: dict = {}

    def fail(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def send(self, where: str, send):
        response, changes = self.ledger.request(send)
        drop_language(self.page)
        if "_auth_user_id" not in self.page.session:  # the walk reached the logout
            login(self.page, self.actor)
            self.ledger.rebase()
        for problem in write_violations(changes, self.actor, self.perms, allowed=WRITE_RULES):
            self.fail(where, problem)
        if response.status_code >= 500:
            self.fail(where, f"answered {response.status_code}")
        return response

    def get(self, path, data=None):
        where = f"GET {path}" + (f"?{urlencode(data)}" if data else "")
        response = self.send(where, lambda: self.page.get(path, data or {}))
        if response.status_code == 200:
            for problem in context_violations(response, self.actor, self.perms):
                self.fail(where, problem)
        return response

    def post(self, path, body):
        return self.send(f"POST {path}", lambda: self.page.post(path, body))

    def call(self, method, path, body=None, data=None):
        where = f"{method.upper()} {path}" + (f"?{urlencode(data)}" if data else "")
        if method == "get":
            return self.send(where, lambda: self.rest.get(path, data or {}))
        return self.send(where, lambda: getattr(self.rest, method)(path, body or {}, format="json"))

    def sample(self, r: Route, pk: int) -> dict:
        """The probe's view of the record ``pk`` of the route's model, as the body of writes."""
        key = (r.view_class, pk)
        if key not in self.samples:
            self.samples[key] = self._sample(r, pk)
        return self.samples[key]

    def _sample(self, r: Route, pk: int) -> dict:
        detail = next((d for d in routes() if d.view_class is r.view_class and "retrieve" in d.actions.values()), None)
        if detail is None:
            return {}
        answer = self.probe_rest.get(detail.path(pk))
        return answer.json() if answer.status_code == 200 else {}


def api_routes() -> list[Route]:
    """The API routes of records. One whose model the matrix cannot tell or make a row of is left to
    test_every_api_route_has_a_model_and_every_model_a_factory, which names it."""
    return [r for r in routes() if r.is_api and r.name not in API_WITHOUT_MODEL and r.model is not None
            and label(r.model) in FACTORIES]


def need_of(r: Route, method: str) -> str:
    action = r.actions.get(method)
    if action in ("list", "retrieve") or method in ("get", "head", "options"):
        return "view"
    if action == "create":
        return "add"
    if action in ("update", "partial_update"):
        return "change"
    return DETAIL_ACTION_NEEDS.get(method, "change")


def needs_of(r: Route, method: str) -> set[str]:
    """Every permission the route's method asks for: the model's (an action may name its own in the
    view's ``action_permissions``) and any a permission class adds (``extra_permissions``)."""
    action = r.actions.get(method)
    needs = {perm(r.model, getattr(r.view_class, "action_permissions", {}).get(action) or need_of(r, method))}
    for permission_class in getattr(r.view_class, "permission_classes", ()):
        extra = getattr(permission_class, "extra_permissions", {}).get((action, method.upper()))
        if extra:
            needs.add(extra)
    return needs


def view_need(model) -> str:
    """The permission that shows a row: its model's own, or for a part of a record (a timeline entry,
    a clock) the view permission of the record it belongs to (the first step of its customer_path)."""
    if label(model) in governed():
        return perm(model, "view")
    parent = model._meta.get_field(model.customer_path.split("__")[0]).related_model
    return view_need(parent)


# Archiving that a business rule may refuse with 400 and its reason (never 403/404) to a granted user.
ARCHIVE_RULES = {
    "api-stock-location-archive": "a store that holds stock is not archived (its stock is moved out first)",
}


def is_step(r: Route, method: str) -> bool:
    """An action that moves a record through its states (acknowledge, pause, ...): it may refuse a
    granted user with 400 and the reason (the record's state, a missing reason), never with 403/404."""
    return method != "get" and r.actions.get(method) not in ("create", "update", "partial_update", "archive",
                                                             "restore")


# --------------------------------------------------------------------------------------------
# The shape of the matrix: every route, model and schema operation is known
# --------------------------------------------------------------------------------------------

def test_every_api_route_has_a_model_and_every_model_a_factory():
    problems = []
    for r in routes():
        if not r.is_api or r.name in API_WITHOUT_MODEL:
            continue
        if r.model is None:
            problems.append(f"{r.route}: the matrix cannot tell its model (no queryset, no serializer Meta.model); "
                            "give the view one, or declare the route in API_WITHOUT_MODEL with the reason")
        elif label(r.model) not in FACTORIES:
            problems.append(f"{r.route}: add a factory for {label(r.model)} to FACTORIES in "
                            "aftersales/accounts/tests/matrix.py")
    for model in owned_models():
        if label(model) not in FACTORIES:
            problems.append(f"{label(model)} belongs to customers (customer_path): add a factory for it to "
                            "FACTORIES in aftersales/accounts/tests/matrix.py")
    assert not problems, "\n".join(problems)


def test_every_schema_operation_is_a_walked_route():
    from drf_spectacular.generators import SchemaGenerator

    def shape(path: str) -> str:
        path = re.sub(r"\{\w+\}|\(\?P<\w+>[^)]*\)", "{}", path.replace("^", "").replace("$", ""))
        return "/" + path.lstrip("/")

    walked = {(shape(r.route), m) for r in routes() if r.is_api for m in (r.actions or {"post": None})}
    schema = SchemaGenerator().get_schema(request=None, public=True)
    missing = [(path, method) for path, operations in schema["paths"].items() for method in operations
               if (shape(path), method) not in walked]
    assert not missing, f"operations of the schema that no URL pattern of the walk serves: {missing}"
    assert len(walked) >= 40


def test_the_world_has_a_row_of_every_organisation_in_every_customer_owned_model(world):
    for model in owned_models():
        if label(model) not in FACTORIES:
            continue  # test_every_api_route_has_a_model_and_every_model_a_factory says so
        for org in world.orgs.values():
            row = model._default_manager.get(pk=org.pk)
            assert scope(model._default_manager.filter(pk=row.pk), world.users[f"customer_{org.key}"]).exists(), (
                f"the factory of {label(model)} must make the row {org.pk} belong to customer {org.pk}")


def test_no_record_links_to_another_organisation(world):
    """Every link between records of customers that the models' validation accepts across two
    organisations is made by build_world; there must be none (a page about one's own record would
    show the other organisation's)."""
    assert not world.links, f"links across organisations that validation accepts: {world.links}"


def test_every_page_route_is_walked(world):
    pages = discover(world)
    assert not pages.unfilled, (
        f"routes with arguments that are not record ids and that no page links to: {pages.unfilled}; "
        "add a sample value to PARAM_SAMPLES")
    assert len(pages.info) >= 40


@pytest.fixture
def world(db) -> World:
    return build_world()


# --------------------------------------------------------------------------------------------
# Staff: ROLE_PERMISSIONS, route by route
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_role_does_exactly_what_its_permissions_grant(role, world, make_user, api):
    actor = make_user(role)
    pages = discover(world)
    walker = Walker(actor, world, api, [role])
    paths = pages.by_org[None] + pages.by_org["b"]

    for path in paths:
        response = walker.get(path)
        form = pages.info[path]["form"]
        if form is not None:
            need = perm(form[0], form[1])
            expected = 200 if need in walker.perms else 403
            if response.status_code != expected:
                walker.fail(f"GET {path}", f"form to {form[1]} {label(form[0])}: {response.status_code}, "
                                           f"expected {expected} ({need} {'granted' if expected == 200 else 'not granted'})")

    writes = []  # (path, send, check): sent after every read, archiving last
    for path in paths:
        def post_page(path=path):
            response = walker.post(path, pages.body(path))
            form = pages.info[path]["form"]
            if form is not None and perm(form[0], form[1]) not in walker.perms and response.status_code not in (403, 405):
                walker.fail(f"POST {path}", f"form to {form[1]} {label(form[0])}: {response.status_code}, "
                                            f"expected 403 or 405 ({perm(form[0], form[1])} not granted)")
        writes.append((path, post_page))

    for r in api_routes():
        path = r.path(B_ID)
        for method in r.actions:
            needs = needs_of(r, method)
            need = ", ".join(sorted(needs))
            granted = needs <= walker.perms
            if method != "get":
                def write(r=r, method=method, path=path, need=need, granted=granted):
                    body = api_body(r.view_class.serializer_class, walker.sample(r, B_ID), None,
                                    suffix="新" if r.actions.get(method) == "create" else "改")
                    response = walker.call(method, path, body)
                    refused = response.status_code in (401, 403, 404, 405) if (
                        is_step(r, method) or r.name in ARCHIVE_RULES) else (response.status_code >= 300)
                    if granted and refused:
                        walker.fail(f"{method.upper()} {path}", f"{response.status_code} although {need} is granted: "
                                                                f"{response.content[:200]!r}")
                    if not granted and response.status_code != 403:
                        walker.fail(f"{method.upper()} {path}", f"{response.status_code}, expected 403 "
                                                                f"({need} not granted)")
                writes.append((path, write))
                continue
            response = walker.call("get", path)
            expected = 200 if granted else 403
            if response.status_code != expected:
                walker.fail(f"GET {path}", f"{response.status_code}, expected {expected} ({need} "
                                           f"{'granted' if granted else 'not granted'})")
        if r.names_a_record and role == Role.ADMIN:  # refused before any permission is asked: one role suffices
            response = walker.call("delete", path)
            if response.status_code != 405:
                walker.fail(f"DELETE {path}", f"{response.status_code}, expected 405: records are never deleted")
    for _path, write in sorted(writes, key=lambda w: "archive" in w[0] or "restore" in w[0]):
        write()
    assert not walker.problems, f"{role}:\n" + "\n".join(walker.problems)


# --------------------------------------------------------------------------------------------
# Customers and dealers
# --------------------------------------------------------------------------------------------

def external(world: World, who: str):
    actor = world.users[who]
    own = world.orgs["a"] if who == "dealer_a" else world.orgs[who.rsplit("_", 1)[1]]
    return actor, own, world.other(own)


def refers_to(response, text: str, pk: int) -> bool:
    """A link to the row ``pk`` on a page, or a reference to it in JSON (any key but a record's own
    ``id``: rows of shared reference data have ids of both organisations)."""
    if response.get("Content-Type", "").startswith("application/json"):
        def walk(node, key=None):
            if isinstance(node, dict):
                return any(walk(v, k) for k, v in node.items())
            if isinstance(node, list):
                return any(walk(v, key) for v in node)
            return key != "id" and node == pk
        return walk(response.json())
    return any(f"/{pk}/" in link for link in links(text))


def filters_naming(org) -> dict:
    """Every list filter that takes a record of a customer: set to the organisation's id."""
    names = {"archived": "1"}
    for model in owned_models():
        for f in model._meta.get_fields():
            if f.is_relation and (f.many_to_one or f.many_to_many) and customer_owned(f.related_model):
                names[f.name] = org.pk
    return names


@pytest.mark.parametrize("who", EXTERNAL_USERS)
def test_external_user_reads_and_changes_nothing_of_another_organisation(who, world, api):
    actor, own, other = external(world, who)
    pages = discover(world)
    walker = Walker(actor, world, api, actor.role_codes)
    before = walker.ledger.snapshot()

    def check(where, response):
        text = text_of(response)
        if other.mark in text:
            found = sorted(set(re.findall(re.escape(other.mark) + r":\w+", text))) or [other.mark]
            walker.fail(where, f"{response.status_code} shows {', '.join(found)} of the other organisation")

    paths = pages.by_org[None] + pages.by_org[other.key]
    for path in paths:
        check(f"GET {path}", walker.get(path))
        if not pages.route[path].names_a_record:  # a list, a search, an export: ask for the other's rows
            check(f"GET {path}?q=", walker.get(path, {"q": other.mark[:2], "search": other.mark[:2]}))
            check(f"GET {path}?filters", walker.get(path, filters_naming(other)))
    for path in ordered(paths):
        check(f"POST {path}", walker.post(path, pages.body(path)))

    for r in api_routes():
        model, path = r.model, r.path(other.pk)
        for method in r.actions:
            granted = needs_of(r, method) <= walker.perms
            if method == "get":
                response = walker.call("get", path)
                check(f"GET {path}", response)
                if r.names_a_record:
                    expected = 403 if not granted else (200 if shared(model) else 404)
                    if response.status_code != expected:
                        walker.fail(f"GET {path}", f"{response.status_code}, expected {expected}")
                else:
                    check(f"GET {path}?search=", walker.call("get", path, data={"search": other.mark[:2],
                                                                                "q": other.mark[:2]}))
                    check(f"GET {path}?filters", walker.call("get", path, data=filters_naming(other)))
                    if response.status_code != (200 if granted else 403):
                        walker.fail(f"GET {path}", f"{response.status_code}, expected {200 if granted else 403}")
                continue
            body = api_body(r.view_class.serializer_class, walker.sample(r, other.pk), None)
            body.update({name: other.pk for name in filters_naming(other) if name in body})
            response = walker.call(method, path, body)
            check(f"{method.upper()} {path}", response)
            if response.status_code not in ((403,) if not granted else (400, 403, 404)):
                walker.fail(f"{method.upper()} {path}", f"{response.status_code}: the other organisation's record")
        if r.names_a_record:
            walker.call("delete", path)
    for r in routes():  # the API routes without records: nothing of the other organisation either
        if r.is_api and r.name in API_WITHOUT_MODEL and r.fillable:
            check(f"GET {r.path(other.pk)}", walker.call("get", r.path(other.pk)))
            check(f"POST {r.path(other.pk)}", walker.call("post", r.path(other.pk), {"username": "customer-b"}))
    if walker.ledger.snapshot() != before:
        walker.fail("the walk", "the database changed")
    assert not walker.problems, f"{who} over organisation {other.key}:\n" + "\n".join(walker.problems)


@pytest.mark.parametrize("who", EXTERNAL_USERS)
def test_external_user_sees_no_internal_field_of_its_own_records(who, world, api):
    actor, own, other = external(world, who)
    pages = discover(world)
    walker = Walker(actor, world, api, actor.role_codes)
    not_viewable = [own.token(m) for m in owned_models() if view_need(m) not in walker.perms]
    seen: dict[str, dict[int, str]] = {}

    def check(where, response, variant):
        text = text_of(response)
        seen.setdefault(where, {})[variant] = text
        if INTERNAL in text:
            found = sorted(set(re.findall(re.escape(INTERNAL) + r"[:\w.]*", text)))
            walker.fail(where, f"shows internal fields: {found}")
        if other.mark in text:
            found = sorted(set(re.findall(re.escape(other.mark) + r":\w+", text)))
            walker.fail(where, f"shows {found} of the other organisation")
        if response.status_code == 200 and refers_to(response, text, other.pk):
            walker.fail(where, f"refers to a record of the other organisation (id {other.pk})")
        for token in not_viewable:
            if token in text:
                walker.fail(where, f"shows {token}: the role may not view that kind of record")
        return text

    paths = pages.by_org[None] + pages.by_org[own.key]
    shown: set[str] = set()  # what answered 200 in the first round: asked again in the second
    for variant in (1, 2):
        set_internal(world, variant)
        walker.ledger.rebase()
        for path in paths:
            if variant == 2 and f"GET {path}" not in shown:
                continue
            response = walker.get(path)
            check(f"GET {path}", response, variant)
            if response.status_code == 200:
                shown.add(f"GET {path}")
        for r in api_routes():
            if "get" not in r.actions:
                continue
            model, path = r.model, r.path(own.pk)
            if variant == 2 and f"GET {path}" not in shown:
                continue
            response = walker.call("get", path)
            if response.status_code == 200:
                shown.add(f"GET {path}")
            check(f"GET {path}", response, variant)
            needs = needs_of(r, "get")
            granted = needs <= walker.perms
            if response.status_code != (200 if granted else 403):
                walker.fail(f"GET {path}", f"{response.status_code}, expected {200 if granted else 403} "
                                           f"({', '.join(sorted(needs))} {'granted' if granted else 'not granted'})")
            if response.status_code == 200 and response.get("Content-Type", "").startswith("application/json"):
                body = response.json()
                records = body.get("results", [body]) if isinstance(body, dict) else body
                internal = set(getattr(model, "internal_fields", ()))
                for record in records if isinstance(records, list) else []:
                    leaked = sorted(internal & set(record)) if isinstance(record, dict) else []
                    if leaked:
                        walker.fail(f"GET {path}", f"internal fields {leaked} of {label(model)}")
    changed = [where for where, answers in seen.items() if where in shown and answers.get(1) != answers.get(2)]
    if changed:  # was it the internal fields, or does the page change by itself (a clock)?
        set_internal(world, 1)
        walker.ledger.rebase()
        for where in changed:
            path = where.split(" ", 1)[1]
            again = text_of(walker.call("get", path) if path.startswith("/api/") else walker.get(path))
            first, second = seen[where][1], seen[where][2]
            if again != first:  # it does: compare what is not a number
                first, second = re.sub(r"\d+", "#", first), re.sub(r"\d+", "#", second)
            if first != second:
                walker.fail(where, "what is shown changes with the internal fields (a value derived from them?)")

    before = walker.ledger.snapshot()
    for path in ordered(paths):
        walker.post(path, pages.body(path))
    for r in api_routes():
        model, path = r.model, r.path(own.pk)
        for method in r.actions:
            if method == "get":
                continue
            needs = needs_of(r, method)
            body = api_body(r.view_class.serializer_class, walker.sample(r, own.pk), None)
            response = walker.call(method, path, body)
            if not needs <= walker.perms and response.status_code != 403:
                walker.fail(f"{method.upper()} {path}", f"{response.status_code}, expected 403 "
                                                        f"({', '.join(sorted(needs - walker.perms))} not granted)")
    if walker.ledger.snapshot() != before:
        walker.fail("the walk", "the database changed")
    assert not walker.problems, f"{who} over its own organisation {own.key}:\n" + "\n".join(walker.problems)
