# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""run_module glue with a stand-in module object and FakeTransport."""

from __future__ import annotations

from pathlib import Path

import pytest

from ansible_collections.edgeops.cloudflare.plugins.module_utils import _module
from ansible_collections.edgeops.cloudflare.plugins.module_utils._api import (
    CloudflareAPIError,
    IncompleteListingError,
    OriginCloudRegionsClient,
    UnexpectedAnswerError,
)
from ansible_collections.edgeops.cloudflare.plugins.module_utils._http import HTTPTransport, TransportError
from ansible_collections.edgeops.cloudflare.plugins.module_utils._module import (
    COLLECTION_VERSION,
    REQUEST_FAILURES,
    V1_END_OF_LIFE,
    ModuleFailure,
    build_client,
    canonical_ip_option,
    make_transport,
    outcome_unknown,
    resolve_zone,
    run_module,
)
from ansible_collections.edgeops.cloudflare.tests.unit.fake_api import (
    BASE_URL,
    TOKEN,
    V1,
    V2,
    ZONE_ID,
    Call,
    FakeTransport,
    failure,
    key_headers,
    success,
    token_headers,
    v2_entry,
)


class Exit(Exception):
    def __init__(self, kwargs):
        super().__init__(kwargs)
        self.kwargs = kwargs


class Fail(Exception):
    def __init__(self, kwargs):
        super().__init__(kwargs)
        self.kwargs = kwargs


class StubModule:
    """What run_module uses of AnsibleModule."""

    def __init__(self, **params):
        self.params = dict({
            "api_token": None, "api_email": None, "api_key": None, "api_base_url": BASE_URL, "validate_certs": True,
            "timeout": 30.0, "max_retry_wait": 180.0, "api_generation": "v2", "zone_id": ZONE_ID, "zone": None,
        }, **params)
        self.no_log_values = set()
        self.check_mode = False
        self.warnings = []

    def warn(self, warning):
        self.warnings.append(warning)

    def exit_json(self, **kwargs):
        raise Exit(kwargs)

    def fail_json(self, **kwargs):
        kwargs["failed"] = True
        raise Fail(kwargs)


@pytest.fixture(autouse=True)
def no_env_credentials(monkeypatch):
    for name in ("CLOUDFLARE_API_TOKEN", "CLOUDFLARE_EMAIL", "CLOUDFLARE_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def install(monkeypatch, calls, headers=None, params=None):
    fake = FakeTransport(calls, headers=headers, params=params)
    monkeypatch.setattr(_module, "make_transport", fake.make_transport)
    return fake


def test_version_is_galaxy_yml_version():
    # The User-Agent's version is the one place modules know it; galaxy.yml is where releases set it.
    galaxy = Path(__file__).resolve().parents[4] / "galaxy.yml"
    assert "version: %s\n" % COLLECTION_VERSION in galaxy.read_text(encoding="utf-8")


def test_make_transport_builds_the_real_transport():
    transport = make_transport({"Authorization": "Bearer x"}, {"timeout": 12.5, "validate_certs": False, "max_retry_wait": 7.0},
                               secrets=["x"])
    try:
        assert isinstance(transport, HTTPTransport)
        assert transport.timeout == 12.5
        assert transport.session.verify is False
        assert transport.session.headers["Authorization"] == "Bearer x"
        assert transport.budget.limit == 7.0
        assert transport.secrets == ["x"]
    finally:
        transport.close()


def test_make_transport_without_secrets():
    transport = make_transport({}, {"timeout": 30.0, "validate_certs": True, "max_retry_wait": 0.0})
    try:
        assert transport.budget.limit == 0.0
        assert transport.secrets == []
    finally:
        transport.close()


def test_build_client_hands_the_credentials_to_the_transport_as_secrets(monkeypatch):
    seen = {}

    def make(headers, params, secrets=()):
        seen.update(headers=headers, max_retry_wait=params["max_retry_wait"], secrets=list(secrets))
        return FakeTransport([])

    monkeypatch.setattr(_module, "make_transport", make)
    build_client(StubModule(api_email="ops@example.com", api_key=" the-key\n", max_retry_wait=5.0))
    assert seen["secrets"] == ["the-key"]
    assert seen["max_retry_wait"] == 5.0
    assert seen["headers"]["X-Auth-Key"] == "the-key"


def test_build_client_with_a_token(monkeypatch):
    fake = install(monkeypatch, [], headers=token_headers(), params={"timeout": 30.0, "validate_certs": True})
    module = StubModule(api_token=TOKEN)
    client = build_client(module)
    assert client.transport is fake
    assert client.base_url == BASE_URL
    assert client.generation.name == "v2"
    assert module.no_log_values == {TOKEN}
    fake.assert_done()


def test_build_client_with_the_key_pair_from_the_environment(monkeypatch):
    monkeypatch.setenv("CLOUDFLARE_EMAIL", "ops@example.com")
    monkeypatch.setenv("CLOUDFLARE_API_KEY", "env-global-key")
    fake = install(monkeypatch, [], headers=key_headers("ops@example.com", "env-global-key"))
    module = StubModule(api_generation="v1", api_base_url="http://127.0.0.1:9/client/v4/")
    client = build_client(module)
    # secrets read from the environment are masked too
    assert module.no_log_values == {"env-global-key"}
    assert client.generation.name == "v1"
    assert client.base_url == "http://127.0.0.1:9/client/v4"
    assert module.warnings == [V1_WARNING]
    fake.assert_done()


V1_WARNING = ("api_generation=v1 uses Cloudflare's deprecated /cache/origin_cloud_regions API, whose end of life was "
              "2026-10-01; it works only while the account still answers it. Move to api_generation=v2 (the default), "
              "which manages the same mappings.")


def test_v1_warns_about_its_end_of_life(monkeypatch):
    assert V1_END_OF_LIFE == "2026-10-01"
    install(monkeypatch, [])
    module = StubModule(api_token=TOKEN, api_generation="v1")
    build_client(module)
    assert module.warnings == [V1_WARNING]


def test_v2_does_not_warn(monkeypatch):
    install(monkeypatch, [])
    module = StubModule(api_token=TOKEN)
    build_client(module)
    assert module.warnings == []


def test_environment_secrets_reach_no_log_as_given_and_as_sent(monkeypatch):
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", "  env-token-value\n")
    install(monkeypatch, [], headers=token_headers("env-token-value"))
    module = StubModule()
    build_client(module)
    assert module.no_log_values == {"env-token-value", "  env-token-value\n"}


def test_unused_environment_secrets_are_masked_too(monkeypatch):
    # the task's token wins, but a key in the environment is still a secret nobody may see
    monkeypatch.setenv("CLOUDFLARE_API_KEY", "env-key-value ")
    install(monkeypatch, [], headers=token_headers())
    module = StubModule(api_token=TOKEN)
    build_client(module)
    assert module.no_log_values == {TOKEN, "env-key-value "}


def test_credential_with_a_line_break_fails_without_showing_it(monkeypatch):
    fake = install(monkeypatch, [])
    with pytest.raises(Fail) as excinfo:
        build_client(StubModule(api_token="abc\ndef"))
    assert excinfo.value.kwargs == {"failed": True, "msg": (
        "api_token: contains a line break, control or non-ASCII character inside it, which an HTTP header cannot carry; "
        "the value is not shown")}
    assert fake.built_with is None


def test_build_client_empty_base_url_means_the_default_endpoint(monkeypatch):
    # AWX injects CLOUDFLARE_API_BASE_URL="" when the credential's field is left blank.
    fake = install(monkeypatch, [])
    client = build_client(StubModule(api_token=TOKEN, api_base_url=""))
    assert client.base_url == "https://api.cloudflare.com/client/v4"
    fake.assert_done()


def test_build_client_without_credentials_fails(monkeypatch):
    fake = install(monkeypatch, [])
    with pytest.raises(Fail) as excinfo:
        build_client(StubModule())
    assert excinfo.value.kwargs == {"failed": True, "msg": (
        "no Cloudflare credentials: set api_token (or CLOUDFLARE_API_TOKEN), or api_email and api_key "
        "(or CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY)")}
    assert fake.built_with is None


def test_build_client_without_requests(monkeypatch):
    monkeypatch.setattr(_module, "HAS_REQUESTS", False)
    monkeypatch.setattr(_module, "REQUESTS_IMPORT_ERROR", "Traceback: no requests")
    with pytest.raises(Fail) as excinfo:
        build_client(StubModule(api_token=TOKEN))
    assert "requests" in excinfo.value.kwargs["msg"]
    assert excinfo.value.kwargs["exception"] == "Traceback: no requests"


def test_canonical_ip_option():
    assert canonical_ip_option("2001:DB8::1") == "2001:db8::1"
    with pytest.raises(ModuleFailure) as excinfo:
        canonical_ip_option("192.0.2.0/24")
    assert excinfo.value.msg == "origin_ip: '192.0.2.0/24' is a network (CIDR prefix), not a single IP address"
    assert excinfo.value.result == {}
    with pytest.raises(ModuleFailure) as excinfo:
        canonical_ip_option("", option="mappings[0].origin_ip")
    assert excinfo.value.msg == "mappings[0].origin_ip: the IP address is empty"


def test_module_failure_keeps_result():
    failure_ = ModuleFailure("boom", changed=True, created=["192.0.2.1"])
    assert str(failure_) == "boom"
    assert failure_.result == {"changed": True, "created": ["192.0.2.1"]}


def test_resolve_zone_by_id_sends_nothing():
    fake = FakeTransport([])
    assert resolve_zone(OriginCloudRegionsClient(fake, BASE_URL), {"zone_id": "abc", "zone": None}) == "abc"
    fake.assert_done()


def test_resolve_zone_by_id_lower_cases_it():
    fake = FakeTransport([])
    assert resolve_zone(OriginCloudRegionsClient(fake, BASE_URL), {"zone_id": ZONE_ID.upper(), "zone": None}) == ZONE_ID
    fake.assert_done()


def test_resolve_zone_by_name_lower_cases_the_lookup():
    fake = FakeTransport([Call("GET", BASE_URL + "/zones", params={"name": "example.com"},
                               data=success([{"id": ZONE_ID, "name": "example.com"}]))])
    assert resolve_zone(OriginCloudRegionsClient(fake, BASE_URL), {"zone_id": None, "zone": "Example.COM."}) == ZONE_ID
    fake.assert_done()


def test_resolve_zone_by_name_failure_names_the_option():
    fake = FakeTransport([Call("GET", BASE_URL + "/zones", params={"name": "example.org"}, data=success([]))])
    with pytest.raises(ModuleFailure) as excinfo:
        resolve_zone(OriginCloudRegionsClient(fake, BASE_URL), {"zone_id": None, "zone": "example.org"})
    assert excinfo.value.msg == "zone: no zone named 'example.org' is visible with these credentials"
    fake.assert_done()


# -- run_module ------------------------------------------------------------------------


def read_one(module, client, zone_id, prepared):
    return {"changed": False, "mapping": client.get_mapping(zone_id, prepared), "seen_zone": zone_id}


def test_run_module_success(monkeypatch):
    fake = install(monkeypatch, [Call("GET", V2 + "/2001:db8::1", data=success(v2_entry("2001:db8::1", "aws", "us-east-1")))])
    with pytest.raises(Exit) as excinfo:
        run_module(StubModule(api_token=TOKEN), read_one, lambda module: "2001:db8::1")
    assert excinfo.value.kwargs == {
        "changed": False, "seen_zone": ZONE_ID, "zone_id": ZONE_ID, "api_requests": 1,
        "mapping": {"origin_ip": "2001:db8::1", "vendor": "aws", "region": "us-east-1", "modified_on": "2026-03-01T12:00:00Z"},
    }
    fake.assert_done()
    assert fake.closed is True


def test_run_module_zone_by_name(monkeypatch):
    fake = install(monkeypatch, [
        Call("GET", BASE_URL + "/zones", params={"name": "example.com"}, data=success([{"id": "zzz", "name": "example.com"}])),
        Call("GET", BASE_URL + "/zones/zzz/origin/cloud_regions/192.0.2.1", status=404, data=failure((1142, "nope"))),
    ])
    with pytest.raises(Exit) as excinfo:
        run_module(StubModule(api_token=TOKEN, zone_id=None, zone="example.com"), read_one, lambda module: "192.0.2.1")
    assert excinfo.value.kwargs["zone_id"] == "zzz"
    assert excinfo.value.kwargs["api_requests"] == 2
    assert excinfo.value.kwargs["mapping"] is None
    fake.assert_done()


def test_run_module_logic_result_zone_id_is_kept(monkeypatch):
    fake = install(monkeypatch, [])
    with pytest.raises(Exit) as excinfo:
        run_module(StubModule(api_token=TOKEN), lambda module, client, zone_id, prepared: {"zone_id": "from-logic"})
    assert excinfo.value.kwargs == {"zone_id": "from-logic", "api_requests": 0}
    fake.assert_done()


def test_run_module_prepare_failure_sends_nothing_and_builds_no_transport(monkeypatch):
    fake = install(monkeypatch, [])

    def prepare(module):
        raise ModuleFailure("origin_ip: bad", problems=["x"])

    with pytest.raises(Fail) as excinfo:
        run_module(StubModule(api_token=TOKEN), read_one, prepare)
    assert excinfo.value.kwargs == {"failed": True, "msg": "origin_ip: bad", "problems": ["x"]}
    assert fake.built_with is None
    fake.assert_done()


def test_run_module_prepare_failure_comes_before_credentials(monkeypatch):
    # Bad input is reported even without credentials.
    install(monkeypatch, [])

    def prepare(module):
        raise ModuleFailure("origin_ip: bad")

    with pytest.raises(Fail) as excinfo:
        run_module(StubModule(), read_one, prepare)
    assert excinfo.value.kwargs["msg"] == "origin_ip: bad"


def test_run_module_logic_failure(monkeypatch):
    fake = install(monkeypatch, [])

    def logic(module, client, zone_id, prepared):
        raise ModuleFailure("refused", changed=False, counts={"created": 0})

    with pytest.raises(Fail) as excinfo:
        run_module(StubModule(api_token=TOKEN), logic)
    assert excinfo.value.kwargs == {"failed": True, "msg": "refused", "changed": False, "counts": {"created": 0}}
    assert fake.closed is True


def test_run_module_api_error(monkeypatch):
    fake = install(monkeypatch, [Call("GET", V1 + "/192.0.2.1", status=401, data=failure((10000, "Authentication error")))])
    module = StubModule(api_token=TOKEN, api_generation="v1")
    with pytest.raises(Fail) as excinfo:
        run_module(module, read_one, lambda module: "192.0.2.1")
    path = "/zones/%s/cache/origin_cloud_regions/192.0.2.1" % ZONE_ID
    assert excinfo.value.kwargs == {
        "failed": True,
        "msg": "Cloudflare API GET %s answered HTTP 401: [10000] Authentication error" % path,
        "api_error": {"status": 401, "method": "GET", "path": path, "errors": [{"code": 10000, "message": "Authentication error"}]},
    }
    assert module.warnings == [V1_WARNING]
    fake.assert_done()
    assert fake.closed is True


def test_run_module_unexpected_answer(monkeypatch):
    fake = install(monkeypatch, [Call("GET", V2 + "/192.0.2.1", data=success(None))])
    with pytest.raises(Fail) as excinfo:
        run_module(StubModule(api_token=TOKEN), read_one, lambda module: "192.0.2.1")
    path = "/zones/%s/origin/cloud_regions/192.0.2.1" % ZONE_ID
    problem = "result should be a mapping with origin_ip, vendor and region, got None"
    assert excinfo.value.kwargs == {
        "failed": True,
        "msg": "Cloudflare API GET %s answered HTTP 200 with an unusable answer: %s" % (path, problem),
        "api_error": {"status": 200, "method": "GET", "path": path, "errors": [], "problem": problem},
    }
    fake.assert_done()
    assert fake.closed is True


def test_run_module_incomplete_listing(monkeypatch):
    fake = install(monkeypatch, [])

    def logic(module, client, zone_id, prepared):
        raise IncompleteListingError("the listing of zone x is incomplete")

    with pytest.raises(Fail) as excinfo:
        run_module(StubModule(api_token=TOKEN), logic)
    assert excinfo.value.kwargs == {"failed": True, "msg": "the listing of zone x is incomplete"}
    assert fake.closed is True


@pytest.mark.parametrize("params, problems", [
    ({"zone_id": "not-a-zone-id"}, ["zone_id: must be a zone id of 32 hex digits, got 'not-a-zone-id'"]),
    ({"timeout": 0.0}, ["timeout: must be greater than 0 seconds, got 0.0"]),
    ({"max_retry_wait": -1.0}, ["max_retry_wait: must be 0 or more seconds, got -1.0"]),
    ({"api_base_url": "api.cloudflare.com"}, ["api_base_url: must be an http:// or https:// URL with a host, got 'api.cloudflare.com'"]),
    ({"zone_id": None, "zone": "not a zone"}, ["zone: must be a DNS name such as example.com, got 'not a zone'"]),
    ({"timeout": -1.0, "zone_id": "x"}, ["timeout: must be greater than 0 seconds, got -1.0",
                                         "zone_id: must be a zone id of 32 hex digits, got 'x'"]),
])
def test_run_module_refuses_connection_problems_before_anything(monkeypatch, params, problems):
    fake = install(monkeypatch, [])
    prepared = []
    # no credentials at all: the option problems are what the user needs to hear first
    with pytest.raises(Fail) as excinfo:
        run_module(StubModule(**params), read_one, prepared.append)
    assert excinfo.value.kwargs == {"failed": True, "msg": "; ".join(problems), "problems": problems}
    assert prepared == []
    assert fake.built_with is None
    assert fake.received == []


def test_run_module_reports_the_modules_own_problems_with_the_connection_problems(monkeypatch):
    fake = install(monkeypatch, [])
    seen = []

    def problems(params):
        seen.append(params)
        return ["names[0]: bad"]

    prepared = []
    with pytest.raises(Fail) as excinfo:
        run_module(StubModule(timeout=0.0), read_one, prepared.append, problems=problems)
    expected = ["timeout: must be greater than 0 seconds, got 0.0", "names[0]: bad"]
    assert excinfo.value.kwargs == {"failed": True, "msg": "; ".join(expected), "problems": expected}
    assert seen[0]["timeout"] == 0.0
    assert prepared == [] and fake.built_with is None


def test_run_module_without_problems_from_the_module_goes_on(monkeypatch):
    fake = install(monkeypatch, [])
    with pytest.raises(Exit) as excinfo:
        run_module(StubModule(api_token=TOKEN), lambda module, client, zone_id, prepared: {"changed": False},
                   problems=lambda params: [])
    assert excinfo.value.kwargs == {"changed": False, "zone_id": ZONE_ID, "api_requests": 0}
    fake.assert_done()


def test_run_module_without_a_zone_resolves_none_and_returns_no_zone_id(monkeypatch):
    fake = install(monkeypatch, [Call("GET", BASE_URL + "/zones", params={"per_page": 50, "page": 1},
                                      data=success([{"id": ZONE_ID, "name": "example.com", "status": "active"}],
                                                   result_info={"page": 1, "per_page": 50, "count": 1, "total_count": 1,
                                                                "total_pages": 1}))])
    seen = []

    def logic(module, client, zone_id, prepared):
        seen.append((zone_id, prepared))
        return {"changed": False, "zones": client.list_zones()}

    # No zone or zone_id option at all (zone_info's parameters).
    module = StubModule(api_token=TOKEN)
    del module.params["zone_id"], module.params["zone"]
    with pytest.raises(Exit) as excinfo:
        run_module(module, logic, zone=False)
    assert seen == [(None, None)]
    assert excinfo.value.kwargs == {"changed": False, "api_requests": 1, "zones": [
        {"id": ZONE_ID, "name": "example.com", "status": "active", "account_id": None}]}
    fake.assert_done()
    assert fake.closed is True


def test_run_module_without_a_zone_still_turns_failures_into_fail_json(monkeypatch):
    fake = install(monkeypatch, [Call("GET", BASE_URL + "/zones", params={"per_page": 50, "page": 1}, status=403,
                                      data=failure((9109, "Unauthorized to access requested resource")))])
    module = StubModule(api_token=TOKEN, zone_id=None)
    with pytest.raises(Fail) as excinfo:
        run_module(module, lambda module, client, zone_id, prepared: {"zones": client.list_zones()}, zone=False)
    assert excinfo.value.kwargs["msg"] == "Cloudflare API GET /zones answered HTTP 403: [9109] Unauthorized to access requested resource"
    assert excinfo.value.kwargs["api_error"]["status"] == 403
    assert "zone_id" not in excinfo.value.kwargs
    fake.assert_done()
    assert fake.closed is True


def test_run_module_with_an_upper_case_zone_id_uses_it_lower_cased(monkeypatch):
    fake = install(monkeypatch, [Call("GET", V2 + "/192.0.2.1", data=success(v2_entry("192.0.2.1", "aws", "us-east-1")))])
    with pytest.raises(Exit) as excinfo:
        run_module(StubModule(api_token=TOKEN, zone_id=ZONE_ID.upper()), read_one, lambda module: "192.0.2.1")
    assert excinfo.value.kwargs["zone_id"] == ZONE_ID
    assert excinfo.value.kwargs["seen_zone"] == ZONE_ID
    fake.assert_done()


def test_run_module_transport_error(monkeypatch):
    fake = install(monkeypatch, [Call("GET", V2 + "/192.0.2.1", raises=TransportError(
        "GET %s/192.0.2.1 failed: gave up after retries ([Errno 111] Connection refused)" % V2))])
    with pytest.raises(Fail) as excinfo:
        run_module(StubModule(api_token=TOKEN), read_one, lambda module: "192.0.2.1")
    assert excinfo.value.kwargs == {"failed": True, "msg": (
        "Cannot reach the Cloudflare API: GET %s/192.0.2.1 failed: gave up after retries ([Errno 111] Connection refused)" % V2)}
    fake.assert_done()
    assert fake.closed is True


def test_cloudflare_api_error_is_not_swallowed_as_module_failure():
    assert not issubclass(CloudflareAPIError, ModuleFailure)


# -- outcome_unknown: may a failed write have been applied? -------------------------------------


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 429, 499])
def test_a_4xx_answer_is_a_known_no(status):
    assert outcome_unknown(CloudflareAPIError("PUT", "/x", status, [{"code": 1, "message": "no"}])) is False


@pytest.mark.parametrize("error", [
    CloudflareAPIError("PUT", "/x", 500, [{"code": 1140, "message": "Internal error."}]),
    CloudflareAPIError("PUT", "/x", 502, text="<html>Bad gateway</html>"),
    CloudflareAPIError("PUT", "/x", 503),
    # an error envelope on a 2xx or 3xx status is no clear no either
    CloudflareAPIError("PUT", "/x", 200, [{"code": 1140, "message": "Internal error."}]),
    CloudflareAPIError("PUT", "/x", 302),
    UnexpectedAnswerError("PUT", "/x", 200, "the body is not JSON"),
    TransportError("PUT /x failed: gave up after retries (timed out)"),
], ids=["500", "502", "503", "200-envelope", "302", "unexpected-answer", "transport"])
def test_anything_else_leaves_the_outcome_unknown(error):
    assert outcome_unknown(error) is True


def test_request_failures():
    assert set(REQUEST_FAILURES) == {CloudflareAPIError, UnexpectedAnswerError, TransportError}
