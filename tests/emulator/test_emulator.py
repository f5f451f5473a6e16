# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tests of the Cloudflare origin cloud regions emulator: endpoints, codes, decisions, faults, limits, CLI.

Decision numbers (``D<n>``) refer to docs/emulator.md.
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

import pytest
import requests

from .loader import EMULATOR_PATH, load_emulator

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE_PATH = os.path.join(os.path.dirname(EMULATOR_PATH), "supported_regions.json")


EMU = load_emulator()

ZONE = "023e105f4ecef8ad9ca31a8372d0c353"
OTHER_ZONE = "9a7806061c88ada191ed06f989cc3dac"
UNKNOWN_ZONE = "ffffffffffffffffffffffffffffffff"
TOKEN = "test-token"
EMAIL, KEY = "ops@example.com", "c2547eb745079dac9320b638f5e225cf483cc5cfdda41"
T0 = 1767225600  # 2026-01-01T00:00:00Z
RFC3339_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

with open(FIXTURE_PATH, encoding="utf-8") as _fixture:
    FIXTURE = json.load(_fixture)


class FakeClock:
    """Epoch-seconds clock the tests move by hand, so modified_on values are exact."""

    def __init__(self):
        self.now = T0

    def __call__(self):
        return self.now


class Api:
    """Thin requests wrapper: one keep-alive session, paths relative to /client/v4."""

    def __init__(self, base_url, zone=ZONE, headers=None):
        self.base_url = base_url
        self.zone = zone
        self.session = requests.Session()
        self.session.headers.update({"Authorization": "Bearer %s" % TOKEN} if headers is None else headers)

    def call(self, method, path, **kwargs):
        """Any request below /client/v4."""
        kwargs.setdefault("timeout", 30)
        return self.session.request(method, self.base_url + path, **kwargs)

    def v2(self, method, suffix="", **kwargs):
        """A request below /zones/{zone}/origin/cloud_regions."""
        return self.call(method, "/zones/%s/origin/cloud_regions%s" % (self.zone, suffix), **kwargs)

    def v1(self, method, suffix="", **kwargs):
        """A request below /zones/{zone}/cache/origin_cloud_regions."""
        return self.call(method, "/zones/%s/cache/origin_cloud_regions%s" % (self.zone, suffix), **kwargs)

    def put(self, ip, vendor="aws", region="us-east-1", path_ip=None, **kwargs):
        """v2 single PUT."""
        return self.v2("PUT", "/" + (path_ip or ip), json={"origin_ip": ip, "vendor": vendor, "region": region}, **kwargs)


def ok(response):
    """Assert a success envelope and return ``result``."""
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] is True
    assert body["errors"] == []
    assert body["messages"] == []
    assert response.headers["Content-Type"] == "application/json"
    return body["result"]


def assert_error(response, status, code, message=None):
    """Assert a failure envelope with exactly one error."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is False
    assert body["result"] is None
    assert body["messages"] == []
    assert len(body["errors"]) == 1
    assert body["errors"][0]["code"] == code
    if message is not None:
        assert body["errors"][0]["message"] == message
    return body["errors"][0]["message"]


def v2_entry(ip, vendor="aws", region="us-east-1", modified_on="2026-01-01T00:00:00Z"):
    """The expected v2 entry."""
    return {"origin_ip": ip, "region": region, "vendor": vendor, "modified_on": modified_on}


def v1_entry(ip, vendor="aws", region="us-east-1", modified_on="2026-01-01T00:00:00Z"):
    """The expected v1 entry."""
    return {"origin-ip": ip, "region": region, "vendor": vendor, "modified_on": modified_on}


def v1_wrapped(value, modified_on):
    """The expected v1 setting wrapper."""
    return {"id": "origin_public_cloud_region", "editable": True, "value": value, "modified_on": modified_on}


def item(ip, vendor="aws", region="us-east-1", key="origin_ip"):
    """One batch request item."""
    return {key: ip, "vendor": vendor, "region": region}


NO_FAULTS = {"dropped": 0, "500": 0, "503": 0, "status": 0, "drop": 0, "drop_after_apply": 0, "delay": 0,
             "delay_after_apply": 0, "body": 0, "empty_page": 0, "repeat_page": 0, "ignore_paging": 0, "result_info": 0}


class SleepRecorder:
    """Stands in for ``Emulator.app.sleep``: records each delay instead of waiting on a clock."""

    def __init__(self):
        self.calls = []

    def __call__(self, seconds):
        self.calls.append(seconds)
        return False


class ManualClock:
    """Monotonic clock for the rate limiter that only moves when a test moves it."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def seq_ips(count, prefix="10.0"):
    """``count`` distinct IPv4 addresses in numeric order."""
    return ["%s.%d.%d" % (prefix, index // 250, index % 250 + 1) for index in range(count)]


# --------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def server():
    """One emulator for the module; reset before every test by ``emu``."""
    clock = FakeClock()
    emulator = EMU.Emulator(zones={"example.com": ZONE, "example.org": OTHER_ZONE}, api_email=EMAIL, api_key=KEY, clock=clock)
    emulator.clock = clock
    emulator.start()
    yield emulator
    emulator.stop()


@pytest.fixture
def emu(server):
    """The shared emulator, empty, with counters zeroed and no faults or limits."""
    server.configure(rate_limit=None, max_mappings=3500, fail_rate=0.0, drop_rate=0.0, delay=0.0)
    server.reset()
    server.clock.now = T0
    return server


@pytest.fixture
def api(emu):
    """A client for the shared emulator."""
    client = Api(emu.base_url)
    yield client
    client.session.close()


@pytest.fixture
def admin(emu):
    """GET/POST helper for /__emulator__ endpoints."""
    def call(method, name, **kwargs):
        return requests.request(method, emu.admin_url + "/" + name, timeout=10, **kwargs)
    return call


# --------------------------------------------------------------------------- conventions: envelope, routing, auth, zones

def test_success_envelope_is_exact(api):
    response = api.v2("GET")
    assert response.status_code == 200
    assert response.json() == {"success": True, "errors": [], "messages": [], "result": [],
                               "result_info": {"page": 1, "per_page": 20, "count": 0, "total_count": 0, "total_pages": 0}}
    assert response.headers["Content-Length"] == str(len(response.content))


def test_error_envelope_is_exact(api):
    response = api.v2("GET", "/192.0.2.1")
    assert response.status_code == 404
    assert response.json() == {"success": False, "messages": [], "result": None, "errors": [
        {"code": 1142, "message": "Unable to retrieve origin_public_cloud_region setting value. The zone setting does not exist."}]}


def test_unknown_route_is_404_7000(api):
    assert_error(api.call("GET", "/zones/%s/nothing_here" % ZONE), 404, 7000, "No route for that URI")
    assert_error(api.call("GET", ""), 404, 7000)


def test_path_outside_api_namespace_is_404_7000(emu):
    response = requests.get(emu.root_url + "/v4/zones", timeout=10)
    assert_error(response, 404, 7000)


def test_wrong_method_is_405_7001_with_allow_header(api):
    """D37: batch/supported_regions are reserved names, so GET /batch is 405, not an invalid IP."""
    response = api.v2("GET", "/batch")
    assert_error(response, 405, 7001, "Method not allowed")
    assert response.headers["Allow"] == "DELETE, PUT"
    response = api.v2("POST", json={})
    assert_error(response, 405, 7001)
    assert response.headers["Allow"] == "GET"
    assert api.v1("PUT", "/batch", json=[]).headers["Allow"] == "DELETE, PATCH"
    assert api.v2("DELETE", "/supported_regions").headers["Allow"] == "GET"


@pytest.mark.parametrize("suffix", ["", "/192.0.2.1", "/supported_regions"])
@pytest.mark.parametrize("generation", ["v1", "v2"])
def test_unknown_zone_is_404_7003(emu, generation, suffix):
    client = Api(emu.base_url, zone=UNKNOWN_ZONE)
    response = getattr(client, generation)("GET", suffix)
    base = "origin/cloud_regions" if generation == "v2" else "cache/origin_cloud_regions"
    assert_error(response, 404, 7003, "Could not route to /zones/%s/%s%s, perhaps your object identifier is invalid?" % (UNKNOWN_ZONE, base, suffix))


def test_unknown_zone_write_is_404_7003_and_stores_nothing(emu):
    client = Api(emu.base_url, zone=UNKNOWN_ZONE)
    assert_error(client.put("192.0.2.1"), 404, 7003)
    assert emu.app.store.snapshot() == {}


def test_missing_auth_is_400_9106(emu):
    client = Api(emu.base_url, headers={})
    assert_error(client.v2("GET"), 400, 9106, "Missing X-Auth-Key, X-Auth-Email or Authorization headers")


@pytest.mark.parametrize("headers", [
    {"Authorization": "Bearer wrong-token"},
    {"Authorization": "Bearer"},
    {"Authorization": "Basic dGVzdC10b2tlbg=="},
    {"Authorization": "test-token"},
    {"X-Auth-Email": EMAIL, "X-Auth-Key": "wrong"},
    {"X-Auth-Email": "other@example.com", "X-Auth-Key": KEY},
])
def test_wrong_credentials_are_403_10000(emu, headers):
    assert_error(Api(emu.base_url, headers=headers).v2("GET"), 403, 10000, "Authentication error")


@pytest.mark.parametrize("headers", [{"X-Auth-Email": EMAIL}, {"X-Auth-Key": KEY}])
def test_half_of_the_key_pair_is_400_9106(emu, headers):
    assert_error(Api(emu.base_url, headers=headers).v2("GET"), 400, 9106)


@pytest.mark.parametrize("headers", [
    {"Authorization": "Bearer test-token"},
    {"Authorization": "bearer test-token"},
    {"X-Auth-Email": EMAIL, "X-Auth-Key": KEY},
])
def test_accepted_credentials(emu, headers):
    assert ok(Api(emu.base_url, headers=headers).v2("GET")) == []


def test_auth_is_checked_before_routing(emu):
    """D8: a bogus path without credentials says 9106, not 7000."""
    assert_error(Api(emu.base_url, headers={}).call("GET", "/nothing"), 400, 9106)


def test_authorization_header_wins_over_key_pair(emu):
    """D11: when both schemes are sent, the Authorization header decides."""
    headers = {"Authorization": "Bearer wrong", "X-Auth-Email": EMAIL, "X-Auth-Key": KEY}
    assert_error(Api(emu.base_url, headers=headers).v2("GET"), 403, 10000)


def test_zone_ids_are_case_sensitive(emu):
    """D34."""
    assert_error(Api(emu.base_url, zone=ZONE.upper()).v2("GET"), 404, 7003)


def test_trailing_slash_is_not_a_route(api):
    """D36."""
    assert_error(api.v2("GET", "/"), 404, 7000)
    assert_error(api.call("GET", "/zones/"), 404, 7000)


def test_repeated_query_parameter_last_wins(api, emu):
    """D35."""
    emu.seed_mappings(ZONE, [item(ip) for ip in seq_ips(5)])
    assert api.v2("GET", params=[("per_page", "1"), ("per_page", "3")]).json()["result_info"]["per_page"] == 3
    assert_error(api.v2("GET", params=[("per_page", "3"), ("per_page", "0")]), 400, 1148)


def test_is_loopback():
    """D49: what counts as loopback for the admin endpoints and the --host warning."""
    assert [EMU.is_loopback(host) for host in ("127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1", "localhost")] == [True] * 5
    assert [EMU.is_loopback(host) for host in ("0.0.0.0", "192.0.2.1", "::", "2001:db8::1", "example.com")] == [False] * 5


def test_zones_list_by_name(api):
    response = api.call("GET", "/zones", params={"name": "example.com"})
    result = ok(response)
    assert [zone["id"] for zone in result] == [ZONE]
    assert result[0]["name"] == "example.com"
    assert result[0]["status"] == "active"
    assert response.json()["result_info"] == {"page": 1, "per_page": 20, "count": 1, "total_count": 1, "total_pages": 1}


def test_zones_list_name_is_case_insensitive(api):
    assert [zone["id"] for zone in ok(api.call("GET", "/zones?name=EXAMPLE.ORG"))] == [OTHER_ZONE]


def test_zones_list_unknown_name_is_empty(api):
    response = api.call("GET", "/zones", params={"name": "nope.example"})
    assert ok(response) == []
    assert response.json()["result_info"] == {"page": 1, "per_page": 20, "count": 0, "total_count": 0, "total_pages": 0}


def test_zones_list_all_sorted_by_name(api):
    assert [zone["name"] for zone in ok(api.call("GET", "/zones"))] == ["example.com", "example.org"]


@pytest.mark.parametrize("per_page", ["4", "51"])
def test_zones_list_per_page_bounds(api, per_page):
    """D33: the zones list pages like Cloudflare's zones API, per_page 5..50."""
    assert_error(api.call("GET", "/zones", params={"per_page": per_page}), 400, 1148)


def test_zone_get(api):
    zone = ok(api.call("GET", "/zones/%s" % OTHER_ZONE))
    assert zone["id"] == OTHER_ZONE
    assert zone["name"] == "example.org"


def test_zone_get_unknown_is_404_7003(api):
    assert_error(api.call("GET", "/zones/%s" % UNKNOWN_ZONE), 404, 7003)


# --------------------------------------------------------------------------- v2 list and pagination

def test_v2_list_order_is_numeric_ipv4_before_ipv6(api, emu):
    """D1: sorted by address value, every IPv4 before every IPv6 (mapped IPv6 included)."""
    for ip in ["2001:db8::1", "::ffff:192.0.2.1", "192.0.2.10", "10.0.0.2", "9.9.9.9", "192.0.2.9", "::1"]:
        ok(api.put(ip))
    expected = ["9.9.9.9", "10.0.0.2", "192.0.2.9", "192.0.2.10", "::1", "::ffff:192.0.2.1", "2001:db8::1"]
    assert [entry["origin_ip"] for entry in ok(api.v2("GET"))] == expected
    assert [entry["origin_ip"] for entry in emu.mappings(ZONE)] == expected


def test_v2_list_pages_and_result_info(api, emu):
    emu.seed_mappings(ZONE, [item(ip) for ip in seq_ips(45)])
    response = api.v2("GET")
    assert len(ok(response)) == 20
    assert response.json()["result_info"] == {"page": 1, "per_page": 20, "count": 20, "total_count": 45, "total_pages": 3}
    response = api.v2("GET", params={"page": 3})
    assert [entry["origin_ip"] for entry in ok(response)] == seq_ips(45)[40:]
    assert response.json()["result_info"] == {"page": 3, "per_page": 20, "count": 5, "total_count": 45, "total_pages": 3}
    response = api.v2("GET", params={"page": 2, "per_page": 7})
    assert [entry["origin_ip"] for entry in ok(response)] == seq_ips(45)[7:14]
    assert response.json()["result_info"] == {"page": 2, "per_page": 7, "count": 7, "total_count": 45, "total_pages": 7}


def test_v2_list_per_page_100_is_allowed(api, emu):
    emu.seed_mappings(ZONE, [item(ip) for ip in seq_ips(150)])
    response = api.v2("GET", params={"per_page": 100})
    assert len(ok(response)) == 100
    assert response.json()["result_info"]["total_pages"] == 2


def test_v2_list_page_past_the_end_is_200_and_empty(api, emu):
    """D3: the SDK paginator stops on the first empty page, so this must not be an error."""
    emu.seed_mappings(ZONE, [item(ip) for ip in seq_ips(3)])
    response = api.v2("GET", params={"page": 2})
    assert ok(response) == []
    assert response.json()["result_info"] == {"page": 2, "per_page": 20, "count": 0, "total_count": 3, "total_pages": 1}
    response = api.v2("GET", params={"page": 999999999999})
    assert ok(response) == []


@pytest.mark.parametrize("params, name", [
    ({"page": "0"}, "page"), ({"page": "-1"}, "page"), ({"page": "abc"}, "page"), ({"page": "1.5"}, "page"),
    ({"page": ""}, "page"), ({"per_page": "0"}, "per_page"), ({"per_page": "101"}, "per_page"),
    ({"per_page": "x"}, "per_page"), ({"per_page": "+5"}, "per_page"),
])
def test_v2_list_invalid_pagination_is_400_1148(api, params, name):
    """D2: invalid pagination -> 400, emulator code 1148, naming the parameter."""
    message = assert_error(api.v2("GET", params=params), 400, 1148)
    assert message.startswith("Invalid pagination parameters: %s must be an integer" % name)


def test_v2_list_ignores_unknown_query_parameters(api):
    """D35."""
    assert ok(api.v2("GET", params={"order": "desc", "foo": "bar"})) == []


# --------------------------------------------------------------------------- v2 single get / put / delete

def test_v2_put_creates_and_returns_entry(api, emu):
    assert ok(api.put("192.0.2.1")) == v2_entry("192.0.2.1")
    assert emu.mappings(ZONE) == [v2_entry("192.0.2.1")]


def test_v2_put_replaces(api, emu):
    ok(api.put("192.0.2.1"))
    emu.clock.now = T0 + 60
    assert ok(api.put("192.0.2.1", "gcp", "us-central1")) == v2_entry("192.0.2.1", "gcp", "us-central1", "2026-01-01T00:01:00Z")
    assert len(emu.mappings(ZONE)) == 1


def test_v2_identical_put_keeps_modified_on(api, emu):
    """D18: modified_on moves only when vendor or region changes."""
    ok(api.put("192.0.2.1"))
    emu.clock.now = T0 + 3600
    assert ok(api.put("192.0.2.1"))["modified_on"] == "2026-01-01T00:00:00Z"
    assert ok(api.put("192.0.2.1", region="us-east-2"))["modified_on"] == "2026-01-01T01:00:00Z"


def test_modified_on_is_rfc3339_utc_z(emu):
    client = Api(emu.base_url)
    emu.clock.now = time.time()
    assert RFC3339_Z.match(ok(client.put("192.0.2.1"))["modified_on"])


def test_v2_get(api):
    ok(api.put("2001:db8::1", "oci", "eu-frankfurt-1"))
    assert ok(api.v2("GET", "/2001:db8::1")) == v2_entry("2001:db8::1", "oci", "eu-frankfurt-1")


@pytest.mark.parametrize("spelling", ["2001:DB8::1", "2001:db8:0:0:0:0:0:1", "2001%3Adb8%3A%3A1", "2001%3ADB8%3A0%3A%3A1"])
def test_v2_path_ip_is_decoded_and_normalized(api, spelling):
    """D27: path IPs are percent-decoded once, then normalized."""
    ok(api.put("2001:db8::1"))
    assert ok(api.v2("GET", "/" + spelling))["origin_ip"] == "2001:db8::1"


def test_v2_get_missing_is_404_1142(api):
    """D23."""
    ok(api.put("192.0.2.1"))
    assert_error(api.v2("GET", "/192.0.2.2"), 404, 1142, EMU.MSG_NOT_FOUND)


@pytest.mark.parametrize("bad", ["not-an-ip", "192.0.2.001", "192.0.2.0%2F24", "fe80::1%25eth0", "256.1.1.1", "%20"])
def test_v2_invalid_path_ip_is_400_1146(api, bad):
    """D6: an unparsable path IP is 400/1146 on GET, PUT and DELETE."""
    assert_error(api.v2("GET", "/" + bad), 400, 1146, "Invalid or missing origin IP address.")
    assert_error(api.v2("DELETE", "/" + bad), 400, 1146)
    assert_error(api.put("192.0.2.1", path_ip=bad), 400, 1146, "Invalid or missing origin IP address.")


def test_v2_put_mismatch_is_400_1146(api, emu):
    assert_error(api.put("192.0.2.2", path_ip="192.0.2.1"), 400, 1146, "body origin_ip does not match URL")
    assert emu.mappings(ZONE) == []


def test_v2_put_mismatch_is_compared_after_normalization(api):
    """D7: path 2001:DB8::1 and body 2001:db8:0:0::1 are the same address."""
    assert ok(api.put("2001:db8:0:0::1", path_ip="2001:DB8::1"))["origin_ip"] == "2001:db8::1"


def test_ipv4_mapped_ipv6_is_kept_as_ipv6(api):
    """D26: ::ffff:c000:201 is stored as ::ffff:192.0.2.1, a different key from 192.0.2.1."""
    assert ok(api.put("::ffff:c000:201"))["origin_ip"] == "::ffff:192.0.2.1"
    ok(api.put("192.0.2.1", "gcp", "us-east1"))
    assert [entry["origin_ip"] for entry in ok(api.v2("GET"))] == ["192.0.2.1", "::ffff:192.0.2.1"]
    assert ok(api.v2("GET", "/::FFFF:192.0.2.1"))["vendor"] == "aws"


@pytest.mark.parametrize("body", [
    {"vendor": "aws", "region": "us-east-1"},
    {"origin_ip": "", "vendor": "aws", "region": "us-east-1"},
    {"origin_ip": 3232235521, "vendor": "aws", "region": "us-east-1"},
    {"origin_ip": "192.0.2.0/24", "vendor": "aws", "region": "us-east-1"},
])
def test_v2_put_missing_or_invalid_body_ip_is_400_1146(api, body):
    assert_error(api.v2("PUT", "/192.0.2.1", json=body), 400, 1146, "Invalid or missing origin IP address.")


@pytest.mark.parametrize("vendor, region", [
    ("AWS", "us-east-1"), ("Aws", "us-east-1"), ("amazon", "us-east-1"), ("aws", "US-EAST-1"),
    ("aws", "us-central1"), ("gcp", "us-east-1"), ("azure", "eastus9"), ("oci", ""), (None, "us-east-1"), ("aws", None),
    ("aws", 1), (["aws"], "us-east-1"),
])
def test_v2_put_bad_vendor_or_region_is_400_1157(api, emu, vendor, region):
    """D5: vendor and region must match the fixture exactly (case-sensitive)."""
    body = {"origin_ip": "192.0.2.1"}
    if vendor is not None:
        body["vendor"] = vendor
    if region is not None:
        body["region"] = region
    message = assert_error(api.v2("PUT", "/192.0.2.1", json=body), 400, 1157)
    assert "does not exist for the specified cloud vendor" in message
    assert emu.mappings(ZONE) == []


def test_v2_vendor_region_message_names_the_values(api):
    assert_error(api.put("192.0.2.1", "AWS", "us-east-1"), 400, 1157,
                 'vendor "AWS" doesn\'t exist or the region "us-east-1" does not exist for the specified cloud vendor')
    assert_error(api.v2("PUT", "/192.0.2.1", json={"origin_ip": "192.0.2.1", "region": "x"}), 400, 1157,
                 'vendor (missing) doesn\'t exist or the region "x" does not exist for the specified cloud vendor')


@pytest.mark.parametrize("data, message", [
    (b"", "Request body is required: expected a JSON object."),
    (b"{not json", "Malformed JSON in request body."),
    (b"\xff\xfe", "Malformed JSON in request body."),
    (b"[]", "Request body must be a JSON object."),
    (b'"192.0.2.1"', "Request body must be a JSON object."),
])
def test_v2_put_malformed_body_is_400_1149(api, data, message):
    """D9: a missing, unparsable or wrongly typed body -> 400, emulator code 1149."""
    assert_error(api.v2("PUT", "/192.0.2.1", data=data), 400, 1149, message)


def test_v2_put_validation_order(api):
    """D6/D8: path IP first, then body shape, body IP, mismatch, vendor/region."""
    assert_error(api.v2("PUT", "/bad", data=b"nope"), 400, 1146)
    assert_error(api.v2("PUT", "/192.0.2.1", data=b"nope"), 400, 1149)
    assert_error(api.v2("PUT", "/192.0.2.1", json={"origin_ip": "192.0.2.2", "vendor": "x", "region": "y"}), 400, 1146,
                 "body origin_ip does not match URL")


def test_v2_put_ignores_extra_body_fields(api):
    """D40: unknown fields (even modified_on) are ignored."""
    body = {"origin_ip": "192.0.2.1", "vendor": "aws", "region": "us-east-1", "modified_on": "1999-01-01T00:00:00Z", "x": 1}
    assert ok(api.v2("PUT", "/192.0.2.1", json=body)) == v2_entry("192.0.2.1")


def test_v2_put_ignores_content_type(api):
    """D38: the body is parsed as JSON whatever Content-Type says."""
    data = json.dumps(item("192.0.2.1")).encode()
    assert ok(api.v2("PUT", "/192.0.2.1", data=data, headers={"Content-Type": "text/plain"}))["origin_ip"] == "192.0.2.1"


def test_get_request_bodies_are_ignored(api):
    """D38."""
    assert ok(api.v2("GET", data=b"{garbage")) == []


def test_v2_delete(api, emu):
    ok(api.put("192.0.2.1"))
    ok(api.put("192.0.2.2"))
    assert ok(api.v2("DELETE", "/192.0.2.1")) == {"origin_ip": "192.0.2.1"}
    assert [entry["origin_ip"] for entry in emu.mappings(ZONE)] == ["192.0.2.2"]


def test_v2_delete_normalizes_and_returns_canonical_ip(api):
    ok(api.put("2001:db8::1"))
    assert ok(api.v2("DELETE", "/2001:0DB8:0000::1")) == {"origin_ip": "2001:db8::1"}


def test_v2_delete_missing_is_404_1142(api):
    """D23."""
    assert_error(api.v2("DELETE", "/192.0.2.1"), 404, 1142, EMU.MSG_NOT_FOUND)


def test_deleting_the_last_mapping_removes_the_zone_record(api, emu):
    """The reference: removing the last mapping removes the zone's record; an empty zone answers like a missing IP."""
    ok(api.put("192.0.2.1"))
    ok(api.v2("DELETE", "/192.0.2.1"))
    assert emu.app.store.snapshot() == {}
    assert_error(api.v2("GET", "/192.0.2.1"), 404, 1142)


def test_zones_are_isolated(api, emu):
    ok(api.put("192.0.2.1"))
    other = Api(emu.base_url, zone=OTHER_ZONE)
    assert ok(other.v2("GET")) == []
    assert_error(other.v2("GET", "/192.0.2.1"), 404, 1142)
    ok(other.put("192.0.2.1", "gcp", "us-east1"))
    assert ok(api.v2("GET", "/192.0.2.1"))["vendor"] == "aws"


# --------------------------------------------------------------------------- the zone cap

@pytest.fixture
def capped(emu):
    """Cap of 3 with the zone full."""
    emu.configure(max_mappings=3)
    emu.seed_mappings(ZONE, [item(ip) for ip in ["192.0.2.1", "192.0.2.2", "192.0.2.3"]])
    return emu


def test_v2_put_new_ip_at_cap_is_403_1164(api, capped):
    assert_error(api.put("192.0.2.4"), 403, 1164, "Maximum number of IP mappings configured for zone.")
    assert len(capped.mappings(ZONE)) == 3


def test_v2_put_existing_ip_at_cap_succeeds(api, capped):
    assert ok(api.put("192.0.2.2", "gcp", "us-central1"))["vendor"] == "gcp"


def test_v1_post_at_cap_is_403_1164(api, capped):
    """D20."""
    assert_error(api.v1("POST", json=item("192.0.2.9", key="ip")), 403, 1164)


def test_v1_post_duplicate_at_cap_is_1145_not_1164(api, capped):
    """D20: the duplicate check wins over the cap."""
    assert_error(api.v1("POST", json=item("192.0.2.1", key="ip")), 400, 1145)


def test_v1_patch_at_cap(api, capped):
    assert_error(api.v1("PATCH", json=item("192.0.2.9", key="ip")), 403, 1164)
    assert len(ok(api.v1("PATCH", json=item("192.0.2.1", "gcp", "us-east1", key="ip")))["value"]) == 3


def test_batch_crossing_the_cap_is_rejected_whole(api, emu):
    """D15: 2 free slots, a batch with 3 new IPs -> 403/1164 and nothing applied."""
    emu.configure(max_mappings=4)
    emu.seed_mappings(ZONE, [item("192.0.2.1"), item("192.0.2.2")])
    body = [item("192.0.2.1", "gcp", "us-east1"), item("198.51.100.1"), item("198.51.100.2"), item("198.51.100.3")]
    assert_error(api.v2("PUT", "/batch", json=body), 403, 1164)
    assert [entry["vendor"] for entry in emu.mappings(ZONE)] == ["aws", "aws"]
    assert_error(api.v1("PATCH", "/batch", json=[{"ip": b["origin_ip"], "vendor": b["vendor"], "region": b["region"]} for b in body]), 403, 1164)


def test_batch_filling_exactly_to_the_cap_succeeds(api, emu):
    """D15: replacements and invalid items do not count toward the cap."""
    emu.configure(max_mappings=4)
    emu.seed_mappings(ZONE, [item("192.0.2.1"), item("192.0.2.2")])
    body = [item("192.0.2.1", "gcp", "us-east1"), item("198.51.100.1"), item("198.51.100.2"), item("bad")]
    result = ok(api.v2("PUT", "/batch", json=body))
    assert [entry["origin_ip"] for entry in result["succeeded"]] == ["192.0.2.1", "198.51.100.1", "198.51.100.2"]
    assert len(emu.mappings(ZONE)) == 4


def test_real_cap_of_3500(api, emu):
    emu.seed_mappings(ZONE, [item(ip) for ip in seq_ips(3500)])
    assert_error(api.put("192.0.2.1"), 403, 1164)
    assert ok(api.put(seq_ips(1)[0], "azure", "eastus"))["vendor"] == "azure"
    assert ok(api.v2("GET", params={"per_page": 1})) and api.v2("GET").json()["result_info"]["total_count"] == 3500


# --------------------------------------------------------------------------- v2 batch upsert

def test_v2_batch_upsert(api, emu):
    body = [item("192.0.2.1"), item("2001:DB8::1", "gcp", "us-central1")]
    assert ok(api.v2("PUT", "/batch", json=body)) == {
        "succeeded": [{"origin_ip": "192.0.2.1", "region": "us-east-1", "vendor": "aws"},
                      {"origin_ip": "2001:db8::1", "region": "us-central1", "vendor": "gcp"}],
        "failed": []}
    assert emu.mappings(ZONE) == [v2_entry("192.0.2.1"), v2_entry("2001:db8::1", "gcp", "us-central1")]


def test_v2_batch_upsert_merges(api, emu):
    emu.seed_mappings(ZONE, [item("192.0.2.1"), item("192.0.2.2")])
    ok(api.v2("PUT", "/batch", json=[item("192.0.2.2", "oci", "us-ashburn-1"), item("192.0.2.3")]))
    assert [(m["origin_ip"], m["vendor"]) for m in emu.mappings(ZONE)] == [("192.0.2.1", "aws"), ("192.0.2.2", "oci"), ("192.0.2.3", "aws")]


def test_v2_batch_upsert_per_item_failures(api, emu):
    """D16: valid items are applied; failed items keep request order and carry an error string."""
    body = [item("nope"), item("192.0.2.1"), item("192.0.2.2", "AWS"), {"origin_ip": 7}, "text", item("192.0.2.3", "gcp", "us-east-1")]
    assert ok(api.v2("PUT", "/batch", json=body)) == {
        "succeeded": [{"origin_ip": "192.0.2.1", "region": "us-east-1", "vendor": "aws"}],
        "failed": [
            {"origin_ip": "nope", "error": "Invalid or missing origin IP address."},
            {"origin_ip": "192.0.2.2", "error": 'vendor "AWS" doesn\'t exist or the region "us-east-1" does not exist for the specified cloud vendor'},
            {"origin_ip": "", "error": "Invalid or missing origin IP address."},
            {"origin_ip": "", "error": "each item must be a JSON object with origin_ip, region and vendor"},
            {"origin_ip": "192.0.2.3", "error": 'vendor "gcp" doesn\'t exist or the region "us-east-1" does not exist for the specified cloud vendor'},
        ]}
    assert [m["origin_ip"] for m in emu.mappings(ZONE)] == ["192.0.2.1"]


def test_v2_batch_failed_item_echoes_the_raw_ip(api):
    """D41: a failed item's origin_ip is the string that was sent (not normalized, since it may not parse)."""
    result = ok(api.v2("PUT", "/batch", json=[item("2001:DB8::1", "aws", "nowhere")]))
    assert result["failed"] == [{"origin_ip": "2001:DB8::1", "error": result["failed"][0]["error"]}]


def test_v2_batch_duplicates_first_wins_later_fail(api, emu):
    """D14: duplicates are detected after normalization; the first occurrence is applied."""
    body = [item("2001:db8::1", "gcp", "us-east1"), item("192.0.2.1"), item("2001:DB8:0::1", "aws", "us-east-2")]
    result = ok(api.v2("PUT", "/batch", json=body))
    assert result["succeeded"] == [{"origin_ip": "2001:db8::1", "region": "us-east1", "vendor": "gcp"},
                                   {"origin_ip": "192.0.2.1", "region": "us-east-1", "vendor": "aws"}]
    assert result["failed"] == [{"origin_ip": "2001:db8::1", "error": "duplicate origin IP in batch: already listed at index 0"}]
    assert ok(api.v2("GET", "/2001:db8::1"))["vendor"] == "gcp"


def test_v2_batch_empty_array_is_200_and_changes_nothing(api, emu):
    """D13."""
    assert ok(api.v2("PUT", "/batch", json=[])) == {"succeeded": [], "failed": []}
    assert ok(api.v2("DELETE", "/batch", json=[])) == {"succeeded": [], "failed": []}
    assert emu.app.store.snapshot() == {}


def test_v2_batch_100_items_allowed_101_rejected(api, emu):
    """D12: more than 100 items -> 400, emulator code 1150, nothing applied."""
    assert len(ok(api.v2("PUT", "/batch", json=[item(ip) for ip in seq_ips(100)]))["succeeded"]) == 100
    emu.reset()
    assert_error(api.v2("PUT", "/batch", json=[item(ip) for ip in seq_ips(101)]), 400, 1150,
                 "A batch may contain at most 100 items; got 101.")
    assert emu.mappings(ZONE) == []
    assert_error(api.v2("DELETE", "/batch", json=seq_ips(101)), 400, 1150)


@pytest.mark.parametrize("data", [b"", b"{}", b'{"items": []}', b"[", b"null"])
def test_v2_batch_upsert_body_must_be_an_array(api, data):
    assert_error(api.v2("PUT", "/batch", data=data), 400, 1149)


def test_v2_batch_identical_items_keep_modified_on(api, emu):
    ok(api.put("192.0.2.1"))
    emu.clock.now = T0 + 10
    ok(api.v2("PUT", "/batch", json=[item("192.0.2.1"), item("192.0.2.2")]))
    assert [m["modified_on"] for m in emu.mappings(ZONE)] == ["2026-01-01T00:00:00Z", "2026-01-01T00:00:10Z"]


# --------------------------------------------------------------------------- v2 batch delete

def test_v2_batch_delete(api, emu):
    emu.seed_mappings(ZONE, [item("192.0.2.1"), item("2001:db8::1", "azure", "westeurope"), item("192.0.2.3")])
    result = ok(api.v2("DELETE", "/batch", json=["2001:DB8::1", "192.0.2.1", "198.51.100.1", "junk", "192.0.2.1", 5]))
    assert result == {
        "succeeded": [{"origin_ip": "2001:db8::1", "region": "westeurope", "vendor": "azure"},
                      {"origin_ip": "192.0.2.1", "region": "us-east-1", "vendor": "aws"}],
        "failed": [{"origin_ip": "198.51.100.1", "error": "No origin cloud region mapping exists for this origin IP."},
                   {"origin_ip": "junk", "error": "Invalid or missing origin IP address."},
                   {"origin_ip": "192.0.2.1", "error": "duplicate origin IP in batch: already listed at index 1"},
                   {"origin_ip": "", "error": "Invalid or missing origin IP address."}]}
    assert [m["origin_ip"] for m in emu.mappings(ZONE)] == ["192.0.2.3"]


@pytest.mark.parametrize("data", [None, b"", b'{"ips": []}', b"not json"])
def test_v2_batch_delete_without_array_body_is_400_1149(api, emu, data):
    """D17: no body (the SDK's bulk_delete() default) is a 400, never 'delete everything'."""
    emu.seed_mappings(ZONE, [item("192.0.2.1")])
    assert_error(api.v2("DELETE", "/batch", data=data), 400, 1149)
    assert len(emu.mappings(ZONE)) == 1


# --------------------------------------------------------------------------- supported regions

@pytest.mark.parametrize("generation", ["v1", "v2"])
def test_supported_regions_is_the_fixture(api, generation):
    """D44: identical for both generations, never wrapped."""
    assert ok(getattr(api, generation)("GET", "/supported_regions")) == FIXTURE


def test_fixture_shape_and_real_names():
    assert set(FIXTURE) == {"obtained_codes", "vendors"}
    assert FIXTURE["obtained_codes"] is True
    assert sorted(FIXTURE["vendors"]) == ["aws", "azure", "gcp", "oci"]
    names = {vendor: [region["name"] for region in regions] for vendor, regions in FIXTURE["vendors"].items()}
    for vendor, regions in FIXTURE["vendors"].items():
        assert len(names[vendor]) == len(set(names[vendor]))
        for region in regions:
            assert set(region) == {"name", "upper_tier_colos"}
            assert region["upper_tier_colos"] and all(re.fullmatch(r"[A-Z]{3}", colo) for colo in region["upper_tier_colos"])
    assert {"us-east-1", "us-east-2", "us-west-1", "us-west-2", "af-south-1", "ap-southeast-5", "ca-west-1", "eu-south-2",
            "il-central-1", "me-central-1", "mx-central-1", "sa-east-1"} <= set(names["aws"])
    assert {"eastus", "westus3", "polandcentral", "spaincentral", "qatarcentral", "mexicocentral", "israelcentral"} <= set(names["azure"])
    assert {"us-central1", "us-east5", "us-south1", "europe-west12", "me-central2", "africa-south1", "asia-south2"} <= set(names["gcp"])
    assert {"us-ashburn-1", "sa-vinhedo-1", "uk-cardiff-1", "me-abudhabi-1", "ap-chuncheon-1", "mx-queretaro-1"} <= set(names["oci"])


# --------------------------------------------------------------------------- v1

def test_v1_list_empty(api):
    """D19: empty list -> value [] and modified_on null."""
    assert ok(api.v1("GET")) == v1_wrapped([], None)


def test_v1_list_is_unpaged_sorted_and_wrapped(api, emu):
    emu.seed_mappings(ZONE, [item(ip) for ip in seq_ips(150)])
    emu.clock.now = T0 + 5
    ok(api.put("2001:db8::1"))
    response = api.v1("GET", params={"page": 2, "per_page": 5})
    result = ok(response)
    assert "result_info" not in response.json()
    assert [entry["origin-ip"] for entry in result["value"]] == seq_ips(150) + ["2001:db8::1"]
    assert result["modified_on"] == "2026-01-01T00:00:05Z"
    assert result["value"][0] == v1_entry("10.0.0.1")


def test_v1_post_creates(api, emu):
    result = ok(api.v1("POST", json={"ip": "2001:DB8::5", "vendor": "azure", "region": "uksouth"}))
    assert result == v1_wrapped(v1_entry("2001:db8::5", "azure", "uksouth"), "2026-01-01T00:00:00Z")
    assert emu.mappings(ZONE) == [v2_entry("2001:db8::5", "azure", "uksouth")]


def test_v1_post_duplicate_is_400_1145(api, emu):
    ok(api.v1("POST", json=item("192.0.2.1", key="ip")))
    assert_error(api.v1("POST", json=item("192.0.2.1", "gcp", "us-east1", key="ip")), 400, 1145, EMU.MSG_ALREADY_EXISTS)
    assert_error(api.v1("POST", json=item("192.0.2.01", key="ip")), 400, 1146)
    ok(api.v1("POST", json=item("::ffff:192.0.2.1", key="ip")))  # D26: a different key from 192.0.2.1
    assert [(m["origin_ip"], m["vendor"]) for m in emu.mappings(ZONE)] == [("192.0.2.1", "aws"), ("::ffff:192.0.2.1", "aws")]


def test_v1_requests_use_ip_not_origin_ip(api):
    assert_error(api.v1("POST", json=item("192.0.2.1")), 400, 1146, "Invalid or missing origin IP address.")


@pytest.mark.parametrize("body, code", [
    ({"ip": "192.0.2.256", "vendor": "aws", "region": "us-east-1"}, 1146),
    ({"ip": "192.0.2.1", "vendor": "aws", "region": "eastus"}, 1157),
    ({"ip": "192.0.2.1", "vendor": "AWS", "region": "us-east-1"}, 1157),
])
def test_v1_post_validation(api, body, code):
    assert_error(api.v1("POST", json=body), 400, code)


def test_v1_post_malformed_body(api):
    assert_error(api.v1("POST", data=b"[1]"), 400, 1149)


def test_v1_patch_upserts_and_returns_whole_list(api, emu):
    """D21."""
    ok(api.v1("POST", json=item("192.0.2.2", key="ip")))
    emu.clock.now = T0 + 120
    result = ok(api.v1("PATCH", json=item("192.0.2.1", "gcp", "us-west4", key="ip")))
    assert result == v1_wrapped([v1_entry("192.0.2.1", "gcp", "us-west4", "2026-01-01T00:02:00Z"), v1_entry("192.0.2.2")],
                                "2026-01-01T00:02:00Z")
    result = ok(api.v1("PATCH", json=item("192.0.2.2", "oci", "ap-tokyo-1", key="ip")))
    assert [entry["vendor"] for entry in result["value"]] == ["gcp", "oci"]


def test_v1_patch_validation(api):
    assert_error(api.v1("PATCH", json={"ip": "x", "vendor": "aws", "region": "us-east-1"}), 400, 1146)
    assert_error(api.v1("PATCH", json={"ip": "192.0.2.1", "vendor": "aws"}), 400, 1157)


def test_v1_get(api):
    ok(api.put("192.0.2.1", "azure", "japaneast"))
    assert ok(api.v1("GET", "/192.0.2.1")) == v1_wrapped(v1_entry("192.0.2.1", "azure", "japaneast"), "2026-01-01T00:00:00Z")


def test_v1_get_missing_is_404_1142(api):
    assert_error(api.v1("GET", "/192.0.2.1"), 404, 1142, EMU.MSG_NOT_FOUND)
    assert_error(api.v1("GET", "/nope"), 400, 1146)


def test_v1_delete_returns_the_deleted_entry(api, emu):
    ok(api.put("2001:db8::1", "gcp", "europe-west3"))
    assert ok(api.v1("DELETE", "/2001%3ADB8%3A%3A1")) == v1_wrapped(v1_entry("2001:db8::1", "gcp", "europe-west3"), "2026-01-01T00:00:00Z")
    assert emu.mappings(ZONE) == []


def test_v1_delete_missing_is_404_1163(api):
    """D22."""
    assert_error(api.v1("DELETE", "/192.0.2.1"), 404, 1163,
                 "Unable to delete origin_public_cloud_region setting value. The zone setting does not exist.")


def test_v1_batch_patch(api, emu):
    emu.clock.now = T0 + 30
    body = [item("192.0.2.1", key="ip"), item("2001:db8::1", "oci", "il-jerusalem-1", key="ip"), item("bad", key="ip"),
            item("192.0.2.1", "gcp", "us-east1", key="ip")]
    assert ok(api.v1("PATCH", "/batch", json=body)) == v1_wrapped({
        "succeeded": [{"origin-ip": "192.0.2.1", "region": "us-east-1", "vendor": "aws"},
                      {"origin-ip": "2001:db8::1", "region": "il-jerusalem-1", "vendor": "oci"}],
        "failed": [{"origin-ip": "bad", "error": "Invalid or missing origin IP address."},
                   {"origin-ip": "192.0.2.1", "error": "duplicate origin IP in batch: already listed at index 0"}]},
        "2026-01-01T00:00:30Z")
    assert len(emu.mappings(ZONE)) == 2


def test_v1_batch_patch_nothing_applied_has_null_modified_on(api):
    """D25."""
    result = ok(api.v1("PATCH", "/batch", json=[item("bad", key="ip")]))
    assert result["modified_on"] is None
    assert result["value"]["succeeded"] == []
    assert ok(api.v1("PATCH", "/batch", json=[]))["modified_on"] is None


def test_v1_batch_patch_uses_ip_key(api):
    result = ok(api.v1("PATCH", "/batch", json=[item("192.0.2.1")]))
    assert result["value"]["failed"] == [{"origin-ip": "", "error": "Invalid or missing origin IP address."}]


def test_v1_batch_delete_items_carry_only_the_ip(api, emu):
    """D24: v1 batch-delete succeeded items have only origin-ip."""
    emu.seed_mappings(ZONE, [item("192.0.2.1"), item("192.0.2.2")])
    emu.clock.now = T0 + 45
    assert ok(api.v1("DELETE", "/batch", json=["192.0.2.2", "192.0.2.9"])) == v1_wrapped({
        "succeeded": [{"origin-ip": "192.0.2.2"}],
        "failed": [{"origin-ip": "192.0.2.9", "error": "No origin cloud region mapping exists for this origin IP."}]},
        "2026-01-01T00:00:45Z")
    assert ok(api.v1("DELETE", "/batch", json=["192.0.2.9"]))["modified_on"] is None


def test_v1_batch_limits_and_bodies(api):
    assert_error(api.v1("PATCH", "/batch", json=[item(ip, key="ip") for ip in seq_ips(101)]), 400, 1150)
    assert_error(api.v1("DELETE", "/batch"), 400, 1149)
    assert_error(api.v1("PATCH", "/batch", json={"ip": "192.0.2.1"}), 400, 1149)


# --------------------------------------------------------------------------- one store for both generations

def test_v2_writes_are_visible_in_v1_and_back(api, emu):
    """D9/§6.9: one store behind both generations."""
    ok(api.put("192.0.2.1"))
    ok(api.v1("POST", json=item("2001:db8::1", "gcp", "us-central1", key="ip")))
    assert [entry["origin-ip"] for entry in ok(api.v1("GET"))["value"]] == ["192.0.2.1", "2001:db8::1"]
    assert [entry["origin_ip"] for entry in ok(api.v2("GET"))] == ["192.0.2.1", "2001:db8::1"]
    assert_error(api.v1("POST", json=item("192.0.2.1", key="ip")), 400, 1145)
    ok(api.v1("DELETE", "/192.0.2.1"))
    assert_error(api.v2("GET", "/192.0.2.1"), 404, 1142)
    ok(api.v2("DELETE", "/batch", json=["2001:db8::1"]))
    assert ok(api.v1("GET"))["value"] == []


# --------------------------------------------------------------------------- faults

def _outcomes(emulator, count):
    client = Api(emulator.base_url)
    outcomes = []
    for _index in range(count):
        try:
            outcomes.append(client.v2("GET").status_code)
        except requests.exceptions.ConnectionError:
            outcomes.append("drop")
            client.session.close()
            client = Api(emulator.base_url)
    client.session.close()
    return outcomes


def _expected_outcomes(seed, fail_rate, drop_rate, count):
    rng = random.Random(seed)
    expected = []
    for _index in range(count):
        draw = rng.random()
        if draw < drop_rate:
            expected.append("drop")
        elif draw < drop_rate + fail_rate:
            expected.append(500 if draw - drop_rate < fail_rate / 2 else 503)
        else:
            expected.append(200)
    return expected


def test_faults_are_deterministic_with_a_seed():
    """D30: one draw per API request from random.Random(seed)."""
    runs = []
    for _run in range(2):
        with EMU.Emulator(fail_rate=0.3, drop_rate=0.2, seed=1234) as emulator:
            runs.append(_outcomes(emulator, 40))
            stats = emulator.stats()
    assert runs[0] == runs[1] == _expected_outcomes(1234, 0.3, 0.2, 40)
    assert {"drop", 500, 503, 200} <= set(runs[0])
    assert stats["faults"] == dict(NO_FAULTS, dropped=runs[0].count("drop"), **{"500": runs[0].count(500), "503": runs[0].count(503)})
    assert stats["by_status"].get("dropped") == runs[0].count("drop")
    assert stats["requests"] == 40


def test_fail_rate_one_answers_500_or_503_with_envelope_and_applies_nothing(emu):
    emu.configure(fail_rate=1.0, seed=5)
    client = Api(emu.base_url)
    statuses = set()
    for index in range(20):
        response = client.put("192.0.2.%d" % (index + 1))
        statuses.add(response.status_code)
        message = assert_error(response, response.status_code, 1140)
        assert message in ("Internal error.", "Service temporarily unavailable.")
    assert statuses == {500, 503}
    assert emu.mappings(ZONE) == []
    assert emu.stats()["writes"] == 0


def test_drop_rate_one_closes_without_answer(emu):
    emu.configure(drop_rate=1.0)
    with socket.create_connection(("127.0.0.1", emu.port), timeout=30) as sock:
        sock.sendall(b"GET /client/v4/zones HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer test-token\r\n\r\n")
        assert sock.recv(1024) == b""
    with pytest.raises(requests.exceptions.ConnectionError):
        Api(emu.base_url).v2("GET")
    assert emu.stats()["faults"]["dropped"] == 2


def test_delay_slows_every_api_answer(emu, monkeypatch):
    """D31: every API answer (errors too) waits ``delay``; admin answers never do (observed, not timed)."""
    sleeps = SleepRecorder()
    monkeypatch.setattr(emu.app, "sleep", sleeps)
    emu.configure(delay=0.15)
    client = Api(emu.base_url)
    assert_error(client.v2("GET", "/192.0.2.1"), 404, 1142)
    ok(client.v2("GET"))
    assert sleeps.calls == [0.15, 0.15]
    assert requests.get(emu.admin_url + "/stats", timeout=10).status_code == 200
    assert sleeps.calls == [0.15, 0.15]


def test_delay_really_waits(emu):
    """The real sleep: a lower bound only (a slow machine only makes it longer)."""
    emu.configure(delay=0.15)
    started = time.perf_counter()
    assert_error(Api(emu.base_url).v2("GET", "/192.0.2.1"), 404, 1142)
    assert time.perf_counter() - started >= 0.15


def test_faults_do_not_touch_admin_endpoints(emu, admin):
    emu.configure(fail_rate=0.5, drop_rate=0.5, seed=1)
    for _index in range(10):
        assert admin("GET", "stats").status_code == 200


def test_unexpected_exception_is_a_500_envelope(api, emu, monkeypatch, capsys):
    """D50: an internal failure answers 500/1140 instead of dropping the connection."""
    def explode(vendor, region):
        raise RuntimeError("boom")
    monkeypatch.setattr(emu.app.catalog, "check", explode)
    assert_error(api.put("192.0.2.1"), 500, 1140, "Internal error (emulator: RuntimeError).")
    assert "RuntimeError: boom" in capsys.readouterr().err
    monkeypatch.undo()
    assert ok(api.put("192.0.2.1"))["origin_ip"] == "192.0.2.1"


# --------------------------------------------------------------------------- deterministic fault rules (D53)

V2_LIST = "/zones/{zone_id}/origin/cloud_regions"
V2_ITEM = V2_LIST + "/{origin_ip}"


def rules_via_admin(emu, *rules):
    """POST rules to /__emulator__/faults as other processes do; returns the JSON answer."""
    response = requests.post(emu.admin_url + "/faults", json={"rules": list(rules)}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def faults_via_admin(emu):
    return requests.get(emu.admin_url + "/faults", timeout=10).json()["rules"]


def last_log(emu):
    return emu.request_log(1)[0]


def wait_for(condition, what):
    """Wait until a handler thread got somewhere (a hang guard, not a speed check: 60 s is never a verdict on speed)."""
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting for " + what
        time.sleep(0.01)


class HeldSleep:
    """Stands in for ``Emulator.app.sleep`` and holds the handler until the test lets it go.

    ``entered`` is set when the emulator starts its delay; the delay ends at ``release.set()``.
    So a client with a short read timeout gives up while the emulator is provably still waiting,
    whatever the machine's speed.
    """

    def __init__(self, on_enter=None):
        self.calls = []
        self.entered = threading.Event()
        self.release = threading.Event()
        self.on_enter = on_enter
        self.seen_on_enter = None

    def __call__(self, seconds):
        self.calls.append(seconds)
        if self.on_enter:
            self.seen_on_enter = self.on_enter()
        self.entered.set()
        self.release.wait(60)
        return True


# -- the admin endpoints, the Python API, validation

def test_fault_admin_add_list_clear(emu, admin):
    """POST appends and answers how many rules are queued; GET echoes each rule plus hits/remaining; DELETE empties."""
    assert rules_via_admin(emu, {"action": "drop", "method": "PUT"}) == {"ok": True, "rules": 1}
    assert rules_via_admin(emu, {"action": "status", "status": 429, "retry_after": "2", "times": None},
                           {"action": "delay", "seconds": 0, "after": 3, "times": 2}) == {"ok": True, "rules": 3}
    assert faults_via_admin(emu) == [
        {"action": "drop", "method": "PUT", "hits": 0, "remaining": 1},
        {"action": "status", "status": 429, "retry_after": "2", "times": None, "hits": 0, "remaining": None},
        {"action": "delay", "seconds": 0, "after": 3, "times": 2, "hits": 0, "remaining": 2}]
    assert emu.faults() == faults_via_admin(emu)
    assert admin("DELETE", "faults").json() == {"ok": True, "removed": 3}
    assert faults_via_admin(emu) == []


def test_fault_python_api(emu):
    assert emu.add_faults([{"action": "drop"}]) == 1
    assert emu.add_faults(({"action": "drop"}, {"action": "body", "body": "html"})) == 3
    assert [rule["action"] for rule in emu.faults()] == ["drop", "drop", "body"]
    with pytest.raises(ValueError, match=r"rules\[0\]\.seconds"):
        emu.add_faults([{"action": "delay"}])
    with pytest.raises(ValueError, match=r"rules: must be a list"):
        emu.add_faults({"action": "drop"})
    assert emu.add_faults(rule for rule in [{"action": "drop"}]) == 4
    assert emu.clear_faults() == 4
    assert emu.faults() == []


@pytest.mark.parametrize("rule, field", [
    ("drop", "rules[0]: must be a JSON object"),
    ({}, "rules[0].action: required"),
    ({"action": "explode"}, "rules[0].action: required, one of"),
    ({"action": "drop", "method": "get"}, "rules[0].method: must be one of GET, PUT, DELETE, PATCH, POST"),
    ({"action": "drop", "method": "HEAD"}, "rules[0].method"),
    ({"action": "drop", "route": "items"}, "rules[0].route: must be one of list, item, batch, supported_regions, zones, collection"),
    ({"action": "drop", "page": 0}, "rules[0].page: must be an integer >= 1"),
    ({"action": "drop", "page": "2"}, "rules[0].page"),
    ({"action": "drop", "route": "item", "page": 2}, "rules[0].page: matches list requests only"),
    ({"action": "drop", "after": -1}, "rules[0].after: must be an integer >= 0"),
    ({"action": "drop", "after": 1.5}, "rules[0].after"),
    ({"action": "drop", "times": 0}, "rules[0].times: must be an integer >= 1 or null"),
    ({"action": "drop", "times": True}, "rules[0].times"),
    ({"action": "drop", "seconds": 1}, "rules[0].seconds: unknown field for action \"drop\""),
    ({"action": "drop", "tiems": 2}, "rules[0].tiems: unknown field"),
    ({"action": "status", "status": 99}, "rules[0].status: must be an integer HTTP status from 200 to 599"),
    ({"action": "status", "status": 204}, "rules[0].status"),
    ({"action": "status", "status": "503"}, "rules[0].status"),
    ({"action": "status", "code": "971"}, "rules[0].code: must be an integer"),
    ({"action": "status", "message": 5}, "rules[0].message: must be a string"),
    ({"action": "status", "retry_after": 2}, "rules[0].retry_after: must be a string"),
    ({"action": "status", "retry_after": "1\r\nX-Injected: 1"}, "rules[0].retry_after: must be a string without line breaks"),
    ({"action": "status", "headers": ["X-A"]}, "rules[0].headers: must be an object"),
    ({"action": "status", "headers": {"Content-Length": "1"}}, "rules[0].headers.Content-Length: set by the emulator"),
    ({"action": "status", "headers": {"X-A": "one\r\ntwo"}}, "rules[0].headers.X-A: must be a string without line breaks"),
    ({"action": "status", "headers": {"bad name": "x"}}, "rules[0].headers: \"bad name\" is not a valid header name"),
    ({"action": "delay"}, "rules[0].seconds: required"),
    ({"action": "delay_after_apply", "seconds": -1}, "rules[0].seconds"),
    ({"action": "delay", "seconds": "1"}, "rules[0].seconds"),
    ({"action": "body"}, "rules[0].body: required, one of result_empty_object"),
    ({"action": "body", "body": "xml"}, "rules[0].body"),
    ({"action": "body", "body": "raw"}, "rules[0].raw: required with body \"raw\""),
    ({"action": "body", "body": "html", "raw": "x"}, "rules[0].raw: only with body \"raw\""),
    ({"action": "body", "body": "html", "content_type": "text/plain"}, "rules[0].content_type: only with body \"raw\""),
    ({"action": "body", "body": "raw", "raw": "x", "content_type": 5}, "rules[0].content_type"),
    ({"action": "body", "body": "html", "status": 600}, "rules[0].status"),
    ({"action": "result_info"}, "rules[0].result_info: required"),
    ({"action": "result_info", "result_info": {"pages": 1}}, "rules[0].result_info.pages: not a result_info field"),
    ({"action": "empty_page", "route": "item"}, "rules[0].route: action \"empty_page\" acts on list requests only"),
    ({"action": "repeat_page", "method": "PUT"}, "rules[0].method: action \"repeat_page\" acts on GET list requests only"),
])
def test_fault_admin_refuses_invalid_rules_naming_the_field(emu, admin, rule, field):
    response = admin("POST", "faults", json={"rules": [rule]})
    assert response.status_code == 400
    assert field in response.json()["error"], response.json()
    assert faults_via_admin(emu) == []


def test_fault_admin_refuses_the_whole_batch_when_one_rule_is_bad(emu, admin):
    response = admin("POST", "faults", json={"rules": [{"action": "drop"}, {"action": "status", "times": -1}]})
    assert response.status_code == 400
    assert response.json()["error"].startswith("rules[1].times:")
    assert faults_via_admin(emu) == []


@pytest.mark.parametrize("body, message", [
    ({"action": "drop"}, "body must be a JSON object {\"rules\": [RULE, ...]}"),
    ([{"action": "drop"}], "body must be a JSON object"),
    ({"rules": {"action": "drop"}}, "rules: must be a list of rule objects"),
    ({"rules": [], "rule": []}, "rule: unknown field"),
])
def test_fault_admin_body_shape(emu, admin, body, message):
    response = admin("POST", "faults", json=body)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_reset_clears_fault_rules(emu, admin):
    emu.add_faults([{"action": "drop", "times": None}])
    assert admin("POST", "reset").json() == {"ok": True}
    assert emu.faults() == []
    emu.add_faults([{"action": "drop", "times": None}])
    emu.reset()
    assert emu.faults() == []
    ok(Api(emu.base_url).v2("GET"))


def test_fault_rules_do_not_touch_admin_endpoints(emu, admin):
    emu.add_faults([{"action": "drop", "times": None}, {"action": "status", "times": None}])
    for name in ("stats", "state", "log", "faults"):
        assert admin("GET", name).status_code == 200
    assert [rule["hits"] for rule in emu.faults()] == [0, 0]
    assert emu.stats()["requests"] == 0


# -- matching: method, route, page, after, times, order

def _status_of(call):
    try:
        return call().status_code
    except requests.exceptions.ConnectionError:
        return "drop"


def test_fault_rule_matches_method_and_route(api, emu):
    emu.add_faults([{"method": "PUT", "route": "item", "action": "status", "status": 500}])
    assert_error(api.v2("GET", "/192.0.2.1"), 404, 1142)
    ok(api.v2("PUT", "/batch", json=[item("192.0.2.9")]))
    assert_error(api.put("192.0.2.1"), 500, 1140, "Internal error.")
    assert emu.faults()[0]["remaining"] == 0
    ok(api.put("192.0.2.1"))


ROUTE_REQUESTS = {
    "list": [lambda api: api.v2("GET"), lambda api: api.v1("GET")],
    "item": [lambda api: api.v2("GET", "/192.0.2.1"), lambda api: api.put("192.0.2.1"), lambda api: api.v1("DELETE", "/192.0.2.1")],
    "batch": [lambda api: api.v2("PUT", "/batch", json=[]), lambda api: api.v1("PATCH", "/batch", json=[]),
              lambda api: api.v2("DELETE", "/batch", json=[])],
    "supported_regions": [lambda api: api.v2("GET", "/supported_regions"), lambda api: api.v1("GET", "/supported_regions")],
    "zones": [lambda api: api.call("GET", "/zones"), lambda api: api.call("GET", "/zones/%s" % ZONE)],
    "collection": [lambda api: api.v1("POST", json=item("192.0.2.1", key="ip")), lambda api: api.v1("PATCH", json=item("192.0.2.1", key="ip"))],
}


@pytest.mark.parametrize("route", sorted(ROUTE_REQUESTS))
def test_fault_rule_route_kinds(api, emu, route):
    """Each ``route`` value matches its requests (both generations) and no other kind."""
    emu.add_faults([{"route": route, "action": "status", "status": 502, "times": None}])
    for kind, calls in sorted(ROUTE_REQUESTS.items()):
        for call in calls:
            assert (call(api).status_code == 502) is (kind == route), (kind, route)
    assert emu.faults()[0]["hits"] == len(ROUTE_REQUESTS[route])


def test_fault_rule_page(api, emu):
    """``page`` matches list requests for that page; a missing page parameter is page 1 (v1 lists too)."""
    emu.seed_mappings(ZONE, [item(ip) for ip in seq_ips(45)])
    emu.add_faults([{"page": 2, "action": "status", "times": None}, {"page": 1, "action": "status", "status": 502, "times": None}])
    assert api.v2("GET", params={"page": 2}).status_code == 503
    assert api.v2("GET", params={"page": 2, "per_page": 5}).status_code == 503
    assert api.v2("GET", params={"page": 3}).status_code == 200
    assert api.v2("GET", "/192.0.2.1").status_code == 404
    assert api.v2("GET").status_code == 502
    assert api.v2("GET", params={"page": 1}).status_code == 502
    assert api.v1("GET").status_code == 502
    assert_error(api.v2("GET", params={"page": "x"}), 400, 1148)
    assert [rule["hits"] for rule in emu.faults()] == [2, 3]


def test_fault_rule_after_and_times(api, emu):
    emu.add_faults([{"method": "GET", "route": "list", "after": 2, "times": 2, "action": "status"}])
    assert [api.v2("GET").status_code for _index in range(5)] == [200, 200, 503, 503, 200]
    assert emu.faults()[0]["hits"] == 2
    assert emu.faults()[0]["remaining"] == 0


def test_fault_rule_times_null_acts_forever(api, emu):
    emu.add_faults([{"route": "list", "times": None, "action": "status", "status": 429}])
    assert [api.v2("GET").status_code for _index in range(6)] == [429] * 6
    assert emu.faults()[0]["hits"] == 6
    assert emu.faults()[0]["remaining"] is None


def test_fault_rules_first_match_wins_one_rule_per_request(api, emu):
    emu.add_faults([{"route": "list", "action": "status", "status": 500},
                    {"route": "list", "action": "status", "status": 502, "times": 2}])
    assert [api.v2("GET").status_code for _index in range(4)] == [500, 502, 502, 200]
    assert [(rule["hits"], rule["remaining"]) for rule in emu.faults()] == [(1, 0), (2, 0)]
    assert emu.stats()["faults"]["status"] == 3


def test_fault_rule_after_takes_the_request_it_lets_pass(api, emu):
    """The first matching, not used-up rule takes the request: during ``after`` it lets it pass untouched,
    and no later rule sees it."""
    emu.add_faults([{"method": "PUT", "action": "status", "status": 503},
                    {"method": "PUT", "after": 1, "action": "drop"},
                    {"method": "PUT", "action": "status", "status": 502}])
    assert [_status_of(lambda: Api(emu.base_url).put("192.0.2.1")) for _index in range(4)] == [503, 200, "drop", 502]
    assert [rule["hits"] for rule in emu.faults()] == [1, 1, 1]


def test_unmatched_requests_keep_their_log_shape(api, emu):
    ok(api.v2("GET"))
    entry = last_log(emu)
    assert entry["fault"] is None
    assert set(entry) == {"method", "path", "route", "status", "ms", "fault"}
    assert emu.stats()["faults"] == NO_FAULTS


def test_fault_rules_come_before_the_rate_limit_and_auth(emu, clock):
    """D8: a ``status``/``drop`` rule answers before the rate limiter (no slot used) and before auth."""
    emu.configure(rate_limit="1/60")
    emu.add_faults([{"action": "status", "status": 503}, {"action": "drop"}])
    anonymous = Api(emu.base_url, headers={})
    assert_error(anonymous.v2("GET"), 503, 1140)
    assert _status_of(lambda: anonymous.v2("GET")) == "drop"
    ok(Api(emu.base_url).v2("GET"))  # the limiter's one slot was still free
    assert_error(Api(emu.base_url).v2("GET"), 429, 971)


def test_applying_actions_run_the_normal_pipeline_auth_included(emu):
    """``drop_after_apply`` on a request that fails auth: still dropped, nothing written."""
    emu.add_faults([{"action": "drop_after_apply", "method": "PUT"}])
    with pytest.raises(requests.exceptions.ConnectionError):
        Api(emu.base_url, headers={"Authorization": "Bearer wrong"}).put("192.0.2.1")
    assert emu.mappings(ZONE) == []
    stats = emu.stats()
    assert (stats["writes"], stats["faults"]["drop_after_apply"]) == (0, 1)


def test_applying_actions_go_through_the_rate_limiter(emu, clock):
    emu.configure(rate_limit="1/60")
    emu.add_faults([{"action": "body", "body": "html", "times": None}])
    assert Api(emu.base_url).v2("GET").headers["Content-Type"] == "text/html"
    response = Api(emu.base_url).v2("GET")
    assert (response.status_code, response.headers["Content-Type"]) == (200, "text/html")  # the 429 was replaced
    assert emu.request_log(1)[0]["fault"] == "body"
    assert emu.stats()["by_status"] == {"200": 2}


# -- the actions

def test_fault_status_defaults_and_nothing_applied(api, emu):
    emu.add_faults([{"method": "PUT", "action": "status"}])
    response = api.put("192.0.2.1")
    assert response.json() == {"success": False, "errors": [{"code": 1140, "message": "Service temporarily unavailable."}],
                               "messages": [], "result": None}
    assert response.status_code == 503
    assert "Retry-After" not in response.headers
    assert emu.mappings(ZONE) == []
    stats = emu.stats()
    assert (stats["writes"], stats["faults"]["status"], stats["by_status"]) == (0, 1, {"503": 1})
    assert (last_log(emu)["status"], last_log(emu)["fault"]) == (503, "status")


@pytest.mark.parametrize("retry_after", ["2", "1.5", "soon", "Wed, 21 Oct 2015 07:28:00 GMT", ""])
def test_fault_status_429_retry_after_is_verbatim(api, emu, retry_after):
    emu.add_faults([{"action": "status", "status": 429, "retry_after": retry_after}])
    response = api.v2("GET")
    assert_error(response, 429, 971, "Please wait and consider throttling your request speed")
    assert response.headers["Retry-After"] == retry_after
    assert emu.stats()["rate_limited"] == 1


def test_fault_status_code_message_and_headers(api, emu):
    emu.add_faults([{"action": "status", "status": 403, "code": 971, "message": "slow down", "retry_after": "1",
                     "headers": {"X-Fault": "yes", "Ratelimit": "\"default\";r=0;t=30"}},
                    {"action": "status", "status": 502}])
    response = api.v2("GET")
    assert_error(response, 403, 971, "slow down")
    assert (response.headers["Retry-After"], response.headers["X-Fault"], response.headers["Ratelimit"]) == ("1", "yes", "\"default\";r=0;t=30")
    assert_error(api.v2("GET"), 502, 1140, "Bad Gateway.")


def test_fault_drop_closes_without_answer_and_applies_nothing(emu):
    emu.add_faults([{"method": "PUT", "action": "drop"}, {"route": "zones", "action": "drop"}])
    with pytest.raises(requests.exceptions.ConnectionError):
        Api(emu.base_url).put("192.0.2.1")
    with socket.create_connection(("127.0.0.1", emu.port), timeout=30) as sock:
        sock.sendall(b"GET /client/v4/zones HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer test-token\r\n\r\n")
        assert sock.recv(1024) == b""
    assert emu.mappings(ZONE) == []
    stats = emu.stats()
    assert (stats["writes"], stats["faults"]["drop"], stats["faults"]["dropped"], stats["by_status"]) == (0, 2, 0, {"dropped": 2})
    assert [(entry["status"], entry["fault"]) for entry in emu.request_log()] == [(None, "drop"), (None, "drop")]


def test_fault_drop_after_apply_put_loses_the_answer_not_the_write(emu):
    emu.add_faults([{"method": "PUT", "route": "item", "action": "drop_after_apply"}])
    with pytest.raises(requests.exceptions.ConnectionError):
        Api(emu.base_url).put("192.0.2.1", "gcp", "us-central1")
    assert emu.mappings(ZONE) == [v2_entry("192.0.2.1", "gcp", "us-central1")]
    stats = emu.stats()
    assert (stats["writes"], stats["faults"]["drop_after_apply"], stats["by_status"]) == (1, 1, {"dropped": 1})
    assert (last_log(emu)["status"], last_log(emu)["fault"]) == (None, "drop_after_apply")


def test_fault_drop_after_apply_batch_delete(emu):
    emu.seed_mappings(ZONE, [item("192.0.2.1"), item("192.0.2.2")])
    emu.add_faults([{"method": "DELETE", "route": "batch", "action": "drop_after_apply"}])
    with pytest.raises(requests.exceptions.ConnectionError):
        Api(emu.base_url).v2("DELETE", "/batch", json=["192.0.2.1"])
    assert [entry["origin_ip"] for entry in emu.mappings(ZONE)] == ["192.0.2.2"]
    assert emu.stats()["writes"] == 1


def test_fault_delay_waits_then_handles_normally(api, emu, monkeypatch):
    sleeps = SleepRecorder()
    monkeypatch.setattr(emu.app, "sleep", sleeps)
    emu.add_faults([{"method": "PUT", "action": "delay", "seconds": 2.5}])
    assert ok(api.put("192.0.2.1"))["origin_ip"] == "192.0.2.1"
    ok(api.put("192.0.2.2"))
    assert sleeps.calls == [2.5]
    assert emu.stats()["faults"]["delay"] == 1
    assert emu.stats()["writes"] == 2
    assert [entry["fault"] for entry in emu.request_log()] == ["delay", None]


def test_fault_delay_holds_the_request_before_it_is_applied(emu, monkeypatch):
    """``delay`` sleeps BEFORE handling: while it waits, nothing is written."""
    held = HeldSleep(on_enter=lambda: emu.mappings(ZONE))
    monkeypatch.setattr(emu.app, "sleep", held)
    emu.add_faults([{"method": "PUT", "action": "delay", "seconds": 30}])
    try:
        with pytest.raises(requests.exceptions.ReadTimeout):
            Api(emu.base_url).put("192.0.2.1", timeout=(30, 0.2))
        assert held.entered.wait(60)
        assert held.seen_on_enter == []
        assert emu.stats()["requests"] == 0
    finally:
        held.release.set()
    # Then it is handled normally (the client is gone by now); wait so the write cannot leak into the next test.
    wait_for(emu.request_log, "the delayed PUT to be handled")
    assert (last_log(emu)["status"], last_log(emu)["fault"]) == (200, "delay")
    assert emu.mappings(ZONE) == [v2_entry("192.0.2.1")]


def test_fault_delay_after_apply_client_gives_up_after_the_write(emu, monkeypatch):
    """The write happens, then the answer waits; a client whose read timeout is shorter gives up."""
    held = HeldSleep(on_enter=lambda: emu.mappings(ZONE))
    monkeypatch.setattr(emu.app, "sleep", held)
    emu.add_faults([{"method": "PUT", "action": "delay_after_apply", "seconds": 4}])
    try:
        with pytest.raises(requests.exceptions.ReadTimeout):
            Api(emu.base_url).put("192.0.2.1", timeout=(30, 0.2))
        assert held.entered.wait(60)
        assert held.calls == [4]
        assert held.seen_on_enter == [v2_entry("192.0.2.1")]
        stats = emu.stats()
        assert (stats["writes"], stats["faults"]["delay_after_apply"]) == (1, 1)
        assert (last_log(emu)["status"], last_log(emu)["fault"]) == (200, "delay_after_apply")
    finally:
        held.release.set()


def test_fault_delays_really_wait(api, emu):
    """With the real sleep: lower bounds only (a slow machine only makes them longer)."""
    emu.add_faults([{"action": "delay", "seconds": 0.2}, {"action": "delay_after_apply", "seconds": 0.2}])
    started = time.perf_counter()
    ok(api.put("192.0.2.1"))
    ok(api.put("192.0.2.2"))
    assert time.perf_counter() - started >= 0.4
    assert len(emu.mappings(ZONE)) == 2


def test_stop_cuts_a_delayed_request_and_wakes_its_handler():
    """stop() during an hour-long delay rule: the client's connection is cut and the sleeping handler is woken."""
    emulator = EMU.Emulator(fault_rules=[{"action": "delay", "seconds": 3600}])
    emulator.start()
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=60) as sock:
        sock.sendall(b"GET /client/v4/zones HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer test-token\r\n\r\n")
        wait_for(lambda: emulator.stats()["faults"]["delay"], "the delay rule to act")
        emulator.stop()
        assert sock.recv(65536) == b""
    assert emulator.app.stopping.is_set()
    wait_for(emulator.request_log, "the woken handler to finish")


def _put_with_body_rule(emu, **rule):
    emu.add_faults([dict(rule, method="PUT", route="item", action="body")])
    return Api(emu.base_url).put("192.0.2.1")


@pytest.mark.parametrize("kind, result", [("result_empty_object", {}), ("result_empty_list", []), ("result_null", None)])
def test_fault_body_results(emu, kind, result):
    response = _put_with_body_rule(emu, body=kind)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"success": True, "errors": [], "messages": [], "result": result}
    assert emu.mappings(ZONE) == [v2_entry("192.0.2.1")]
    stats = emu.stats()
    assert (stats["writes"], stats["faults"]["body"]) == (1, 1)
    assert (last_log(emu)["status"], last_log(emu)["fault"]) == (200, "body")


def test_fault_body_truncated_json_is_the_real_answer_cut_in_half(emu):
    truncated = _put_with_body_rule(emu, body="truncated_json")
    real = Api(emu.base_url).put("192.0.2.1")  # identical PUT: identical answer (modified_on kept, D18)
    assert truncated.status_code == 200
    assert truncated.headers["Content-Type"] == "application/json"
    assert truncated.content == real.content[:len(real.content) // 2]
    with pytest.raises(ValueError):
        json.loads(truncated.content)


def test_fault_body_html(emu):
    response = _put_with_body_rule(emu, body="html", status=502)
    assert response.status_code == 502
    assert response.headers["Content-Type"] == "text/html"
    assert response.text.startswith("<!DOCTYPE html>")
    assert "502 Bad Gateway" in response.text
    assert emu.mappings(ZONE) == [v2_entry("192.0.2.1")]
    assert emu.stats()["writes"] == 1


def test_fault_body_not_envelope(emu):
    document = _put_with_body_rule(emu, body="not_envelope").json()
    assert isinstance(document, dict)
    assert "success" not in document and "result" not in document


def test_fault_body_raw(emu):
    response = _put_with_body_rule(emu, body="raw", raw="upstream said no \u2603", content_type="text/plain; charset=utf-8",
                                   status=500, headers={"X-Upstream": "1"})
    assert response.status_code == 500
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["X-Upstream"] == "1"
    assert response.content == "upstream said no \u2603".encode("utf-8")
    emu.reset()
    assert _put_with_body_rule(emu, body="raw", raw="{}").headers["Content-Type"] == "text/plain"


def test_fault_body_replaces_an_error_answer_too(api, emu):
    emu.add_faults([{"route": "item", "action": "body", "body": "result_null"}])
    response = api.v2("GET", "/192.0.2.1")  # really a 404
    assert response.status_code == 200
    assert response.json()["result"] is None
    assert emu.stats()["writes"] == 0


@pytest.mark.parametrize("rule", [{"body": "html"}, {"body": "raw", "raw": "x" * 3000}, {"body": "truncated_json"},
                                  {"body": "result_null"}])
def test_fault_body_answers_are_one_write(emu, rule):
    """Like every answer: status line, headers and the whole body arrive in the first recv."""
    emu.seed_mappings(ZONE, [item(ip) for ip in seq_ips(20)])
    emu.add_faults([dict(rule, action="body")])
    with socket.create_connection(("127.0.0.1", emu.port), timeout=30) as sock:
        sock.sendall(b"GET /client/v4/zones/%s/origin/cloud_regions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer test-token\r\n\r\n"
                     % ZONE.encode())
        data = sock.recv(65536)
    head, _sep, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK")
    assert len(body) == int(re.search(rb"Content-Length: (\d+)", head).group(1)) > 0


def _page(api, number, per_page=20):
    response = api.v2("GET", params={"page": number, "per_page": per_page})
    assert response.status_code == 200, response.text
    return response.json()


def test_fault_empty_page(api, emu):
    ips = seq_ips(45)
    emu.seed_mappings(ZONE, [item(ip) for ip in ips])
    emu.add_faults([{"action": "empty_page", "page": 2}])
    assert [entry["origin_ip"] for entry in _page(api, 1)["result"]] == ips[:20]
    second = _page(api, 2)
    assert second["result"] == []
    assert second["result_info"] == {"page": 2, "per_page": 20, "count": 0, "total_count": 45, "total_pages": 3}
    assert [entry["origin_ip"] for entry in _page(api, 2)["result"]] == ips[20:40]
    assert last_log(emu)["fault"] is None
    assert emu.stats()["faults"]["empty_page"] == 1


def test_fault_repeat_page(api, emu):
    ips = seq_ips(45)
    emu.seed_mappings(ZONE, [item(ip) for ip in ips])
    emu.add_faults([{"action": "repeat_page", "times": None}])
    first = _page(api, 1)
    assert [entry["origin_ip"] for entry in first["result"]] == ips[:20]
    assert emu.faults()[0]["hits"] == 0  # page 1 has no page before it: the rule does not take it
    second, third = _page(api, 2), _page(api, 3)
    assert second["result"] == first["result"]
    assert second["result_info"] == {"page": 2, "per_page": 20, "count": 20, "total_count": 45, "total_pages": 3}
    assert [entry["origin_ip"] for entry in third["result"]] == ips[20:40]
    assert third["result_info"] == {"page": 3, "per_page": 20, "count": 5, "total_count": 45, "total_pages": 3}
    assert emu.faults()[0]["hits"] == 2


def test_fault_ignore_paging(api, emu):
    ips = seq_ips(45)
    emu.seed_mappings(ZONE, [item(ip) for ip in ips])
    emu.add_faults([{"action": "ignore_paging", "route": "list", "method": "GET", "times": None}])
    for number in (1, 2, 3, 9):
        answer = _page(api, number)
        assert [entry["origin_ip"] for entry in answer["result"]] == ips[:20]
        assert answer["result_info"] == {"page": 1, "per_page": 20, "count": 20}
    assert emu.stats()["faults"]["ignore_paging"] == 4


def test_fault_result_info_override(api, emu):
    emu.seed_mappings(ZONE, [item(ip) for ip in seq_ips(45)])
    emu.add_faults([{"action": "result_info", "result_info": {"total_count": 300}},
                    {"action": "result_info", "result_info": {"total_pages": 2, "count": None}}])
    first = _page(api, 1)
    assert len(first["result"]) == 20
    assert first["result_info"] == {"page": 1, "per_page": 20, "count": 20, "total_count": 300, "total_pages": 3}
    assert _page(api, 3)["result_info"] == {"page": 3, "per_page": 20, "count": None, "total_count": 45, "total_pages": 2}


def test_paging_actions_only_take_v2_list_requests(api, emu):
    emu.add_faults([{"action": "empty_page"}])
    ok(api.put("192.0.2.1"))
    assert ok(api.v1("GET"))["value"] != []
    assert ok(api.call("GET", "/zones")) != []
    assert emu.faults()[0]["hits"] == 0
    assert _page(api, 1)["result"] == []
    assert emu.faults()[0]["hits"] == 1


def test_paging_action_on_a_failing_list_request_leaves_the_error(emu):
    emu.add_faults([{"action": "empty_page"}])
    assert_error(Api(emu.base_url, headers={}).v2("GET"), 400, 9106)
    assert emu.faults()[0]["hits"] == 1


def test_fault_rules_with_the_sdk_style_paginator(api, emu):
    """A list walked until an empty page (what the official SDK does) stops early on ``empty_page``."""
    ips = seq_ips(45)
    emu.seed_mappings(ZONE, [item(ip) for ip in ips])
    emu.add_faults([{"action": "empty_page", "page": 2}])
    seen, number = [], 1
    while True:
        result = _page(api, number)["result"]
        if not result:
            break
        seen.extend(entry["origin_ip"] for entry in result)
        number += 1
    assert seen == ips[:20]


# -- CLI and the integration harness

def test_cli_fault_flag():
    process, base_url = _start_cli("--fault", '{"route": "list", "action": "status", "status": 502}',
                                   "--fault", '{"route": "zones", "action": "drop", "times": null}')
    try:
        client = Api(base_url)
        assert_error(client.v2("GET"), 502, 1140)
        ok(client.v2("GET"))
        with pytest.raises(requests.exceptions.ConnectionError):
            Api(base_url).call("GET", "/zones")
        admin_url = base_url.replace("/client/v4", "/__emulator__")
        assert [(rule["action"], rule["hits"], rule["remaining"]) for rule in requests.get(admin_url + "/faults", timeout=10).json()["rules"]] == [
            ("status", 1, 0), ("drop", 1, None)]
    finally:
        assert _stop_cli(process) == 0


@pytest.mark.parametrize("value, message", [("nope", "--fault: not JSON"), ('{"action": "status", "status": "x"}', "--fault.status"),
                                            ('{"action": "delay"}', "--fault.seconds"), ("[]", "--fault: must be a JSON object")])
def test_cli_rejects_bad_fault_rules(value, message):
    completed = subprocess.run([sys.executable, EMULATOR_PATH, "--port", "0", "--fault", value], capture_output=True, text=True,
                               timeout=60, check=False)
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert message in completed.stderr


def test_integration_harness_fault_helpers():
    """tests/integration/harness.py EmulatorProcess.add_faults / clear_faults / faults against the real process."""
    spec = importlib.util.spec_from_file_location("_emulator_test_harness", os.path.join(HERE, "..", "integration", "harness.py"))
    harness = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(harness)
    process = harness.EmulatorProcess().start()
    try:
        assert process.add_faults({"method": "PUT", "action": "drop_after_apply"}, {"route": "list", "action": "status"}) == {"ok": True, "rules": 2}
        with pytest.raises(requests.exceptions.ConnectionError):
            process.api("PUT", "/zones/%s/origin/cloud_regions/192.0.2.1" % ZONE, json=item("192.0.2.1"))
        assert process.state() == {"192.0.2.1": ("aws", "us-east-1")}
        assert process.api("GET", "/zones/%s/origin/cloud_regions" % ZONE).status_code == 503
        assert [rule["hits"] for rule in process.faults()] == [1, 1]
        assert process.log(2)[0]["fault"] == "drop_after_apply"
        with pytest.raises(ValueError, match=r"rules\[0\]\.times"):
            process.add_faults({"action": "drop", "times": 0})
        process.clear_faults()
        assert process.faults() == []
    finally:
        process.stop()


# --------------------------------------------------------------------------- rate limit

@pytest.fixture
def clock(emu, monkeypatch):
    """A manual clock for the rate limiter's window: no test here depends on how fast the machine is."""
    manual = ManualClock()
    monkeypatch.setattr(emu.app.limiter, "clock", manual)
    return manual


def test_rate_limit_answers_429_with_retry_after(emu, clock):
    """D29: sliding window; 429 + Retry-After (whole seconds, rounded up) + code 971; 429s do not count."""
    emu.configure(rate_limit="3/1")
    client = Api(emu.base_url)
    for _index in range(3):
        ok(client.v2("GET"))
        clock.now += 0.1
    for _index in range(2):
        response = client.v2("GET")
        assert_error(response, 429, 971, "Please wait and consider throttling your request speed")
        assert response.headers["Retry-After"] == "1"
    clock.now = 1000.0 + 0.99
    assert_error(client.v2("GET"), 429, 971)
    clock.now = 1000.0 + 1.0  # the first request leaves the window
    ok(client.v2("GET"))
    assert_error(client.v2("GET"), 429, 971)
    stats = emu.stats()
    assert stats["rate_limited"] == 4
    assert stats["by_status"] == {"200": 4, "429": 4}


def test_rate_limit_retry_after_rounds_up(emu, clock):
    emu.configure(rate_limit=(1, 2.5))
    client = Api(emu.base_url)
    ok(client.v2("GET"))
    assert client.v2("GET").headers["Retry-After"] == "3"
    clock.now += 1.6
    assert client.v2("GET").headers["Retry-After"] == "1"
    clock.now += 0.3
    assert client.v2("GET").headers["Retry-After"] == "1"


def test_rate_limiter_with_a_manual_clock_unit():
    """The window itself, without HTTP: at most N admitted in any SECONDS."""
    manual = ManualClock()
    limiter = EMU.RateLimiter(2, 10, clock=manual)
    assert [limiter.admit(), limiter.admit(), limiter.admit()] == [None, None, 10]
    manual.now += 9.5
    assert limiter.admit() == 1
    manual.now += 0.5
    assert limiter.admit() is None
    assert limiter.admit() is None
    assert limiter.admit() == 10


def test_rate_limit_counts_every_api_request_but_not_admin(emu, admin, clock):
    emu.configure(rate_limit="2/60")
    client = Api(emu.base_url, headers={})
    assert_error(client.v2("GET"), 400, 9106)
    assert_error(client.v2("GET"), 400, 9106)
    assert_error(client.v2("GET"), 429, 971)
    for _index in range(5):
        assert admin("GET", "stats").status_code == 200


def test_rate_limit_applies_before_auth(emu, clock):
    """D8: order is faults, rate limit, auth, route, zone, handler."""
    emu.configure(rate_limit="1/60")
    ok(Api(emu.base_url).v2("GET"))
    assert_error(Api(emu.base_url, headers={"Authorization": "Bearer wrong"}).v2("GET"), 429, 971)


# --------------------------------------------------------------------------- admin endpoints and in-process API

def test_admin_stats_shape(api, emu, admin):
    ok(api.v2("GET"))
    ok(api.put("192.0.2.1"))
    assert_error(api.v2("GET", "/192.0.2.9"), 404, 1142)
    assert_error(api.v1("POST", json=item("192.0.2.1", key="ip")), 400, 1145)
    stats = admin("GET", "stats").json()
    assert stats.pop("connections") >= 1
    assert stats == {
        "requests": 4,
        "by_method": {"GET": 2, "PUT": 1, "POST": 1},
        "by_route": {"GET /zones/{zone_id}/origin/cloud_regions": 1,
                     "PUT /zones/{zone_id}/origin/cloud_regions/{origin_ip}": 1,
                     "GET /zones/{zone_id}/origin/cloud_regions/{origin_ip}": 1,
                     "POST /zones/{zone_id}/cache/origin_cloud_regions": 1},
        "by_status": {"200": 2, "404": 1, "400": 1},
        "writes": 1,
        "rate_limited": 0,
        "faults": NO_FAULTS,
        "mappings": {ZONE: 1},
        "max_mappings": 3500,
    }


def test_writes_counts_successful_write_requests(api, emu):
    """D47: every write-method API request answered 200 counts, even a no-op; failures do not."""
    ok(api.put("192.0.2.1"))
    ok(api.put("192.0.2.1"))
    ok(api.v2("PUT", "/batch", json=[item("bad")]))
    assert_error(api.v2("DELETE", "/192.0.2.9"), 404, 1142)
    ok(api.v2("GET"))
    assert emu.stats()["writes"] == 3


def test_admin_stats_unmatched_route(api, admin):
    api.call("GET", "/no/such/thing")
    assert admin("GET", "stats").json()["by_route"] == {"GET <unmatched>": 1}


def test_admin_reset_clears_store_and_counters(api, emu, admin):
    ok(api.put("192.0.2.1"))
    assert admin("POST", "reset").json() == {"ok": True}
    stats = admin("GET", "stats").json()
    assert (stats["requests"], stats["writes"], stats["mappings"]) == (0, 0, {})
    assert emu.mappings(ZONE) == []


def test_admin_state(api, admin):
    ok(api.put("2001:db8::1", "gcp", "asia-east1"))
    ok(Api(api.base_url, zone=OTHER_ZONE).put("192.0.2.1"))
    assert admin("GET", "state").json() == {"zones": {ZONE: [v2_entry("2001:db8::1", "gcp", "asia-east1")],
                                                      OTHER_ZONE: [v2_entry("192.0.2.1")]}}


def test_admin_seed_and_config(api, emu, admin, clock):
    response = admin("POST", "seed", json={"zone_id": ZONE, "items": [item(ip) for ip in seq_ips(5)]})
    assert response.json() == {"seeded": 5}
    assert admin("POST", "config", json={"max_mappings": 5}).json() == {"ok": True}
    assert_error(api.put("192.0.2.1"), 403, 1164)
    assert admin("POST", "config", json={"rate_limit": "1/60"}).status_code == 200
    ok(api.v2("GET"))
    assert_error(api.v2("GET"), 429, 971)
    assert admin("POST", "config", json={"rate_limit": None}).status_code == 200
    ok(api.v2("GET"))


def test_admin_bad_requests(admin):
    assert admin("POST", "config", json={"nonsense": 1}).status_code == 400
    assert admin("POST", "config", json={"fail_rate": 2}).status_code == 400
    assert admin("POST", "seed", json={"zone_id": ZONE, "items": [item("x")]}).status_code == 400
    assert admin("POST", "seed", data=b"{").status_code == 400
    response = admin("GET", "nothing")
    assert response.status_code == 404
    assert "GET /__emulator__/stats" in response.json()["endpoints"]
    assert admin("GET", "reset").status_code == 404


def test_admin_log(api, admin):
    ok(api.v2("GET"))
    api.v2("GET", "/nope")
    entries = admin("GET", "log", params={"limit": 1}).json()["requests"]
    assert len(entries) == 1
    assert {key: entries[0][key] for key in ("method", "path", "route", "status")} == {
        "method": "GET", "path": "/client/v4/zones/%s/origin/cloud_regions/nope" % ZONE,
        "route": "/zones/{zone_id}/origin/cloud_regions/{origin_ip}", "status": 400}
    assert len(admin("GET", "log").json()["requests"]) == 2


def test_admin_is_loopback_only(emu):
    """D32: a non-loopback client gets 403 (exercised on the handler, since tests cannot connect from elsewhere)."""
    split = urllib.parse.urlsplit("/__emulator__/stats")
    status, body, _headers = emu.admin.handle("GET", split, b"", "192.0.2.10")
    assert (status, body) == (403, {"error": "emulator admin endpoints answer loopback clients only"})
    assert emu.admin.handle("GET", split, b"", "::1")[0] == 200
    assert emu.admin.handle("GET", split, b"", "::ffff:127.0.0.1")[0] == 200


def test_admin_requests_are_not_counted(emu, admin):
    admin("GET", "stats")
    admin("GET", "state")
    assert emu.stats()["requests"] == 0


def test_in_process_seed_and_mappings(emu):
    assert emu.seed_mappings(ZONE, [{"origin_ip": "2001:DB8::2", "vendor": "oci", "region": "ap-seoul-1", "modified_on": "2025-05-05T05:05:05Z"},
                                    item("192.0.2.1")]) == 2
    assert emu.mappings(ZONE) == [v2_entry("192.0.2.1"), v2_entry("2001:db8::2", "oci", "ap-seoul-1", "2025-05-05T05:05:05Z")]
    with pytest.raises(ValueError, match="Invalid or missing origin IP address"):
        emu.seed_mappings(ZONE, [item("nope")])
    with pytest.raises(ValueError, match="does not exist"):
        emu.seed_mappings(ZONE, [item("192.0.2.1", "aws", "eastus")])
    assert emu.mappings(UNKNOWN_ZONE) == []


def test_in_process_seed_bypasses_the_cap(emu):
    """D48: seeding may exceed max_mappings (to test over-cap zones); the API then refuses new IPs."""
    emu.configure(max_mappings=2)
    assert emu.seed_mappings(ZONE, [item(ip) for ip in seq_ips(4)]) == 4
    assert len(emu.mappings(ZONE)) == 4
    assert_error(Api(emu.base_url).put("192.0.2.1"), 403, 1164)


def test_in_process_request_log(api, emu):
    api.put("192.0.2.1")
    entry = emu.request_log()[-1]
    assert (entry["method"], entry["status"], entry["route"]) == ("PUT", 200, "/zones/{zone_id}/origin/cloud_regions/{origin_ip}")
    assert entry["ms"] >= 0


def test_emulator_context_manager_releases_the_port():
    with EMU.Emulator() as emulator:
        port = emulator.port
        assert emulator.base_url == "http://127.0.0.1:%d/client/v4" % port
        assert ok(Api(emulator.base_url).call("GET", "/zones"))[0]["id"] == ZONE
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(emulator.base_url + "/zones", timeout=2)


def test_stop_cuts_idle_keep_alive_connections():
    emulator = EMU.Emulator()
    client = Api(emulator.start())
    ok(client.v2("GET"))
    emulator.stop()
    with pytest.raises(requests.exceptions.ConnectionError):
        client.v2("GET")


def test_custom_tokens_and_zones():
    with EMU.Emulator(tokens=["a", "b"], zones={"example.net": "abc"}) as emulator:
        assert ok(Api(emulator.base_url, zone="abc", headers={"Authorization": "Bearer b"}).v2("GET")) == []
        assert_error(Api(emulator.base_url, zone="abc").v2("GET"), 403, 10000)
        assert_error(Api(emulator.base_url, zone=ZONE, headers={"Authorization": "Bearer a"}).v2("GET"), 404, 7003)


def test_ipv6_loopback_bind():
    if not socket.has_ipv6:
        pytest.skip("no IPv6")
    try:
        emulator = EMU.Emulator(host="::1")
        base_url = emulator.start()
    except OSError:
        pytest.skip("::1 not available")
    try:
        assert base_url.startswith("http://[::1]:")
        assert ok(Api(base_url).v2("GET")) == []
    finally:
        emulator.stop()


# --------------------------------------------------------------------------- HTTP details

def _raw_request(port, request_bytes):
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request_bytes)
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return data
            data += chunk


def test_chunked_request_body(emu):
    """D39: Transfer-Encoding: chunked bodies are decoded."""
    payload = json.dumps(item("192.0.2.1")).encode()
    body = b"%x\r\n%s\r\n0\r\n\r\n" % (len(payload), payload)
    request = (b"PUT /client/v4/zones/%s/origin/cloud_regions/192.0.2.1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer test-token\r\n"
               b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" % ZONE.encode()) + body
    response = _raw_request(emu.port, request)
    assert response.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"Connection: close\r\n" in response
    assert emu.mappings(ZONE)[0]["origin_ip"] == "192.0.2.1"


def test_expect_100_continue(emu):
    """D39: the 100 Continue arrives BEFORE the client sends the body (no waiting on a timer)."""
    body = json.dumps(item("192.0.2.1")).encode()
    head = (b"PUT /client/v4/zones/%s/origin/cloud_regions/192.0.2.1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer test-token\r\n"
            b"Content-Type: application/json\r\nContent-Length: %d\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n"
            % (ZONE.encode(), len(body)))
    with socket.create_connection(("127.0.0.1", emu.port), timeout=30) as sock:
        sock.sendall(head)
        interim = b""
        while b"\r\n\r\n" not in interim:
            chunk = sock.recv(4096)
            assert chunk, "connection closed before 100 Continue"
            interim += chunk
        assert interim.startswith(b"HTTP/1.1 100 Continue\r\n")
        sock.sendall(body)
        response = interim.partition(b"\r\n\r\n")[2]
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            response += chunk
    assert response.startswith(b"HTTP/1.1 200 OK\r\n")
    assert json.loads(response.partition(b"\r\n\r\n")[2])["result"]["origin_ip"] == "192.0.2.1"


def test_response_is_one_segment_with_status_headers_and_body(emu):
    """The whole answer arrives in one write: first recv holds the status line and the complete body."""
    with socket.create_connection(("127.0.0.1", emu.port), timeout=30) as sock:
        sock.sendall(b"GET /client/v4/zones/%s/origin/cloud_regions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer test-token\r\n\r\n" % ZONE.encode())
        data = sock.recv(65536)
    head, _sep, body = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"Content-Length: (\d+)", head).group(1))
    assert head.startswith(b"HTTP/1.1 200 OK")
    assert len(body) == length
    assert json.loads(body)["success"] is True


# --------------------------------------------------------------------------- performance

def test_keep_alive_reuses_one_connection(emu):
    """50 keep-alive requests on one requests.Session use one TCP connection.

    The timings are printed for a human; nothing here asserts a speed (machines differ).
    """
    client = Api(emu.base_url)
    ok(client.put("192.0.2.1"))
    connections_before = emu.stats()["connections"]
    timings = []
    for _index in range(50):
        started = time.perf_counter()
        response = client.v2("GET", "/192.0.2.1")
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200
    mean = sum(timings) / len(timings)
    print("keep-alive mean %.3f ms, max %.3f ms" % (mean * 1000, max(timings) * 1000))
    assert emu.stats()["connections"] == connections_before


def test_3500_mappings_list_and_batch(emu):
    """A full zone pages correctly and takes a 100-item batch; timings are printed, not asserted."""
    client = Api(emu.base_url)
    emu.seed_mappings(ZONE, [item(ip) for ip in seq_ips(3400)])
    body = [item(ip, "gcp", "us-east4") for ip in seq_ips(100, prefix="172.16")]
    started = time.perf_counter()
    assert len(ok(client.v2("PUT", "/batch", json=body))["succeeded"]) == 100
    batch_seconds = time.perf_counter() - started
    started = time.perf_counter()
    seen = []
    for page in range(1, 37):
        seen.extend(entry["origin_ip"] for entry in ok(client.v2("GET", params={"page": page, "per_page": 100})))
    list_seconds = time.perf_counter() - started
    print("100-item batch at 3400: %.2f ms; 36 pages of 3500: %.1f ms" % (batch_seconds * 1000, list_seconds * 1000))
    assert len(seen) == 3500 == len(set(seen))
    assert len(ok(client.v1("GET"))["value"]) == 3500


# --------------------------------------------------------------------------- persistence

def test_state_file_round_trip_in_process(tmp_path):
    """D43: the state file is rewritten atomically after each write and loaded at start."""
    path = str(tmp_path / "state.json")
    with EMU.Emulator(state_file=path) as emulator:
        client = Api(emulator.base_url)
        ok(client.put("2001:DB8::1", "gcp", "us-central1"))
        ok(client.put("192.0.2.1"))
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
        assert document["version"] == 1
        assert set(document["zones"][ZONE]) == {"192.0.2.1", "2001:db8::1"}
        ok(client.v2("DELETE", "/192.0.2.1"))
        expected = emulator.mappings(ZONE)
    assert [name for name in os.listdir(tmp_path) if name != "state.json"] == []
    with EMU.Emulator(state_file=path) as emulator:
        assert emulator.mappings(ZONE) == expected
        emulator.reset()
    with open(path, encoding="utf-8") as handle:
        assert json.load(handle)["zones"] == {}


def test_state_file_not_rewritten_by_reads_or_noops(tmp_path):
    path = str(tmp_path / "state.json")
    with EMU.Emulator(state_file=path) as emulator:
        client = Api(emulator.base_url)
        ok(client.put("192.0.2.1"))
        stamp = os.stat(path).st_mtime_ns
        os.utime(path, ns=(stamp - 10**9, stamp - 10**9))
        ok(client.v2("GET"))
        ok(client.put("192.0.2.1"))
        assert_error(client.v2("DELETE", "/192.0.2.9"), 404, 1142)
        assert os.stat(path).st_mtime_ns == stamp - 10**9


def test_state_keeps_mappings_of_zones_not_configured(tmp_path):
    """D43: a restart with other --zone values neither serves nor drops the other zones' mappings."""
    path = str(tmp_path / "state.json")
    with EMU.Emulator(state_file=path) as emulator:
        ok(Api(emulator.base_url).put("192.0.2.1"))
    with EMU.Emulator(state_file=path, zones={"example.org": OTHER_ZONE}) as emulator:
        assert_error(Api(emulator.base_url).v2("GET"), 404, 7003)
        ok(Api(emulator.base_url, zone=OTHER_ZONE).put("192.0.2.2"))
        assert emulator.mappings(ZONE) == [v2_entry("192.0.2.1", modified_on=emulator.mappings(ZONE)[0]["modified_on"])]
    with open(path, encoding="utf-8") as handle:
        assert sorted(json.load(handle)["zones"]) == sorted([ZONE, OTHER_ZONE])


def test_missing_state_file_starts_empty_and_is_created_on_first_write(tmp_path):
    """D43."""
    path = tmp_path / "sub" / "state.json"
    path.parent.mkdir()
    with EMU.Emulator(state_file=str(path)) as emulator:
        assert ok(Api(emulator.base_url).v2("GET")) == []
        assert not path.exists()
        ok(Api(emulator.base_url).put("192.0.2.1"))
        assert path.exists()


def _start_cli(*args):
    process = subprocess.Popen([sys.executable, EMULATOR_PATH, "--port", "0", *args],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first_line = process.stdout.readline().strip()
    return process, first_line


def _stop_cli(process, signum=signal.SIGTERM):
    process.send_signal(signum)
    try:
        return process.wait(timeout=60)
    finally:
        process.stdout.close()
        process.stderr.close()


def test_cli_prints_base_url_first_and_exits_cleanly_on_sigterm():
    process, base_url = _start_cli()
    try:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/client/v4", base_url)
        assert ok(Api(base_url).v2("GET")) == []
    finally:
        assert _stop_cli(process) == 0


def test_cli_exits_cleanly_on_sigint():
    process, base_url = _start_cli()
    assert base_url.startswith("http://127.0.0.1:")
    assert _stop_cli(process, signal.SIGINT) == 0


def test_cli_state_persists_across_restart(tmp_path):
    path = str(tmp_path / "state.json")
    process, base_url = _start_cli("--state", path, "--zone", "example.net=11112222333344445555666677778888")
    try:
        client = Api(base_url, zone="11112222333344445555666677778888")
        ok(client.put("2001:db8::7", "azure", "swedencentral"))
        ok(client.v1("POST", json=item("192.0.2.1", key="ip")))
    finally:
        assert _stop_cli(process) == 0
    process, base_url = _start_cli("--state", path, "--zone", "example.net=11112222333344445555666677778888")
    try:
        client = Api(base_url, zone="11112222333344445555666677778888")
        assert [(entry["origin_ip"], entry["region"]) for entry in ok(client.v2("GET"))] == [
            ("192.0.2.1", "us-east-1"), ("2001:db8::7", "swedencentral")]
        assert_error(Api(base_url).v2("GET"), 404, 7003)
    finally:
        assert _stop_cli(process) == 0


def test_cli_flags(tmp_path):
    regions = tmp_path / "regions.json"
    regions.write_text(json.dumps({"obtained_codes": False, "vendors": {"aws": [{"name": "us-east-1", "upper_tier_colos": []}]}}))
    process, base_url = _start_cli("--api-token", "one", "--api-token", "two", "--api-email", EMAIL, "--api-key", KEY,
                                   "--max-mappings", "1", "--rate-limit", "5/86400", "--regions", str(regions))
    try:
        assert_error(Api(base_url).v2("GET"), 403, 10000)
        client = Api(base_url, headers={"Authorization": "Bearer two"})
        assert ok(client.v2("GET", "/supported_regions"))["obtained_codes"] is False
        ok(Api(base_url, headers={"X-Auth-Email": EMAIL, "X-Auth-Key": KEY}).put("192.0.2.1"))
        assert_error(client.put("192.0.2.2"), 403, 1164)
        assert_error(client.put("192.0.2.1", "gcp", "us-central1"), 400, 1157)
        assert_error(client.v2("GET"), 429, 971)
    finally:
        assert _stop_cli(process) == 0


def test_cli_faults_with_seed_are_reproducible():
    sequences = []
    for _run in range(2):
        process, base_url = _start_cli("--fail-rate", "0.5", "--seed", "99")
        try:
            client = Api(base_url)
            sequences.append([client.v2("GET").status_code for _index in range(12)])
        finally:
            assert _stop_cli(process) == 0
    assert sequences[0] == sequences[1] == _expected_outcomes(99, 0.5, 0.0, 12)


def test_cli_delay_and_drop_flags():
    process, base_url = _start_cli("--delay", "0.2", "--drop-rate", "0.0")
    try:
        started = time.perf_counter()
        ok(Api(base_url).v2("GET"))
        assert time.perf_counter() - started >= 0.2
    finally:
        assert _stop_cli(process) == 0


@pytest.mark.parametrize("args", [["--rate-limit", "ten/1"], ["--zone", "nozone"], ["--api-email", EMAIL],
                                  ["--fail-rate", "0.8", "--drop-rate", "0.5"]])
def test_cli_rejects_bad_flags(args):
    completed = subprocess.run([sys.executable, EMULATOR_PATH, "--port", "0", *args], capture_output=True, text=True, timeout=60, check=False)
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert "error:" in completed.stderr


def test_cli_rejects_corrupt_state_file(tmp_path):
    path = tmp_path / "state.json"
    path.write_text("{nope")
    completed = subprocess.run([sys.executable, EMULATOR_PATH, "--state", str(path)], capture_output=True, text=True, timeout=60, check=False)
    assert completed.returncode == 2
    assert completed.stdout == ""
