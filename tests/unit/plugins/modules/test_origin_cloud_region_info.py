# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""origin_cloud_region_info through main(), with the exact HTTP calls each run must send."""

from __future__ import annotations

import json

import pytest

from ansible_collections.edgeops.cloudflare.plugins.modules import origin_cloud_region_info
from ansible_collections.edgeops.cloudflare.tests.unit.fake_api import (
    BASE_URL,
    NOT_FOUND_1142,
    SUPPORTED_REGIONS,
    TOKEN,
    V1,
    V2,
    ZONE_ID,
    Call,
    failure,
    page_info,
    run_main,
    success,
    token_headers,
    v1_entry,
    v1_setting,
    v2_entry,
)

MAIN = origin_cloud_region_info.main
T0 = "2026-03-01T12:00:00Z"


def args(**overrides):
    base = {"zone_id": ZONE_ID, "api_token": TOKEN}
    base.update(overrides)
    return {key: value for key, value in base.items() if value is not None}


def run(monkeypatch, module_args, calls, fails=False):
    return run_main(monkeypatch, MAIN, module_args, calls, headers=token_headers(), fails=fails)


def m(ip, vendor="aws", region="us-east-1", modified_on=T0):
    return {"origin_ip": ip, "vendor": vendor, "region": region, "modified_on": modified_on}


def test_list_all_pages_sorted(monkeypatch):
    # 205 mappings over 3 pages, answered in no particular order
    ips = ["10.0.%d.%d" % (n // 256, n % 256) for n in range(200)]
    ips += ["2001:db8::2", "2001:db8::1", "9.9.9.9", "::ffff:192.0.2.1", "192.0.2.1"]
    ips_unsorted = list(reversed(ips))
    entries = [v2_entry(ip, "aws", "us-east-1") for ip in ips_unsorted]
    result, fake = run(monkeypatch, args(), [
        Call("GET", V2, params={"page": 1, "per_page": 100}, data=success(entries[:100], page_info(1, 100, 100, 205, 3))),
        Call("GET", V2, params={"page": 2, "per_page": 100}, data=success(entries[100:200], page_info(2, 100, 100, 205, 3))),
        Call("GET", V2, params={"page": 3, "per_page": 100}, data=success(entries[200:], page_info(3, 100, 5, 205, 3))),
    ])
    expected_order = ["9.9.9.9"] + ["10.0.%d.%d" % (n // 256, n % 256) for n in range(200)] + [
        "192.0.2.1", "::ffff:192.0.2.1", "2001:db8::1", "2001:db8::2"]
    assert [mapping["origin_ip"] for mapping in result["mappings"]] == expected_order
    assert result["mappings"][0] == m("9.9.9.9")
    assert result["count"] == 205
    assert result["changed"] is False
    assert result["zone_id"] == ZONE_ID
    assert result["api_requests"] == 3
    assert "supported_regions" not in result
    assert len(fake.received) == 3


def test_list_empty_zone(monkeypatch):
    result, _fake = run(monkeypatch, args(), [
        Call("GET", V2, params={"page": 1, "per_page": 100}, data=success([], page_info(1, 100, 0, 0, 0))),
    ])
    assert result == {"changed": False, "mappings": [], "count": 0, "zone_id": ZONE_ID, "api_requests": 1}


def test_one_ip(monkeypatch):
    result, _fake = run(monkeypatch, args(origin_ip="2001:DB8:0::1"), [
        Call("GET", V2 + "/2001:db8::1", data=success(v2_entry("2001:db8::1", "gcp", "us-central1"))),
    ])
    assert result == {"changed": False, "mappings": [m("2001:db8::1", "gcp", "us-central1")], "count": 1,
                      "zone_id": ZONE_ID, "api_requests": 1}


def test_one_ip_missing(monkeypatch):
    result, _fake = run(monkeypatch, args(ip="192.0.2.77"), [Call("GET", V2 + "/192.0.2.77", status=404, data=NOT_FOUND_1142)])
    assert result["mappings"] == []
    assert result["count"] == 0


def test_supported_regions(monkeypatch):
    result, _fake = run(monkeypatch, args(origin_ip="192.0.2.1", supported_regions=True), [
        Call("GET", V2 + "/192.0.2.1", data=success(v2_entry("192.0.2.1", "aws", "us-east-1"))),
        Call("GET", V2 + "/supported_regions", data=success(SUPPORTED_REGIONS)),
    ])
    assert result["supported_regions"] == SUPPORTED_REGIONS
    assert result["api_requests"] == 2


def test_check_mode_reads_the_same(monkeypatch):
    result, _fake = run(monkeypatch, args(supported_regions=True, _ansible_check_mode=True), [
        Call("GET", V2, params={"page": 1, "per_page": 100},
             data=success([v2_entry("192.0.2.1", "aws", "us-east-1")], page_info(1, 100, 1, 1, 1))),
        Call("GET", V2 + "/supported_regions", data=success(SUPPORTED_REGIONS)),
    ])
    assert result["count"] == 1
    assert result["changed"] is False


def test_v1_list(monkeypatch):
    result, _fake = run(monkeypatch, args(api_generation="v1"), [
        Call("GET", V1, data=success(v1_setting([v1_entry("2001:db8::1", "aws", "us-east-1"), v1_entry("192.0.2.1", "gcp", "us-central1")]))),
    ])
    assert result["mappings"] == [m("192.0.2.1", "gcp", "us-central1"), m("2001:db8::1")]


def test_zone_by_name(monkeypatch):
    result, _fake = run(monkeypatch, args(zone_id=None, zone="example.com", origin_ip="192.0.2.1"), [
        Call("GET", BASE_URL + "/zones", params={"name": "example.com"}, data=success([{"id": "abc", "name": "example.com"}])),
        Call("GET", BASE_URL + "/zones/abc/origin/cloud_regions/192.0.2.1", status=404, data=NOT_FOUND_1142),
    ])
    assert result["zone_id"] == "abc"
    assert result["count"] == 0


def test_bad_ip_fails_before_any_request(monkeypatch):
    result, fake = run(monkeypatch, args(origin_ip="2001:db8::/64"), [], fails=True)
    assert result == {"failed": True, "msg": "origin_ip: '2001:db8::/64' is a network (CIDR prefix), not a single IP address"}
    assert fake.built_with is None


def test_api_error(monkeypatch):
    result, _fake = run(monkeypatch, args(), [
        Call("GET", V2, params={"page": 1, "per_page": 100}, status=403, data=failure((9109, "Unauthorized to access requested resource"))),
    ], fails=True)
    assert result["msg"] == ("Cloudflare API GET /zones/%s/origin/cloud_regions answered HTTP 403: "
                             "[9109] Unauthorized to access requested resource" % ZONE_ID)
    assert result["api_error"]["errors"] == [{"code": 9109, "message": "Unauthorized to access requested resource"}]
    assert TOKEN not in json.dumps(result)


# -- the listing is checked: an incomplete one fails instead of being reported --------------------------


def ips(start, stop):
    return ["10.0.%d.%d" % (n // 256, n % 256) for n in range(start, stop)]


def page_call(number, addresses, info):
    return Call("GET", V2, params={"page": number, "per_page": 100}, data=success([v2_entry(ip, "aws", "us-east-1") for ip in addresses], info))


def incomplete_message(problem):
    return ("the listing of zone %s is incomplete or inconsistent (%s); nothing was planned on it. Run again; if it persists, "
            "the API or a proxy in between is not answering pages correctly" % (ZONE_ID, problem))


@pytest.mark.parametrize("calls, problem", [
    # a server (or a cache in front of it) that ignores "page": page 1 again
    ([page_call(1, ips(0, 100), page_info(1, 100, 100, 250, 3)), page_call(2, ips(0, 100), page_info(2, 100, 100, 250, 3))],
     "page 2 repeats 100 mapping(s) of earlier pages (first: 10.0.0.0)"),
    # an empty page in the middle
    ([page_call(1, ips(0, 100), page_info(1, 100, 100, 250, 3)), page_call(2, [], page_info(2, 100, 0, 250, 3))],
     "page 2 of 3 holds 0 mapping(s), not a full page of 100"),
    # a short page in the middle
    ([page_call(1, ips(0, 100), page_info(1, 100, 100, 250, 3)), page_call(2, ips(100, 150), page_info(2, 100, 50, 250, 3))],
     "page 2 of 3 holds 50 mapping(s), not a full page of 100"),
    # "1 page" of a zone said to hold 250
    ([page_call(1, ips(0, 100), page_info(1, 100, 100, 250, 1))],
     "100 mapping(s) on 1 page(s), but result_info.total_count says 250"),
    # a page whose items disagree with its own count
    ([page_call(1, ips(0, 100), page_info(1, 100, 100, 250, 3)), page_call(2, ips(100, 199), page_info(2, 100, 100, 250, 3))],
     "page 2 holds 99 mappings but its result_info.count says 100"),
    # the zone changed while it was read
    ([page_call(1, ips(0, 100), page_info(1, 100, 100, 250, 3)), page_call(2, ips(100, 200), page_info(2, 100, 100, 240, 3))],
     "result_info.total_count changed from 250 on page 1 to 240 on page 2; the zone changed while it was read"),
], ids=["page-ignored", "empty-page", "short-page", "total-pages-too-small", "count-mismatch", "total-changed"])
def test_incomplete_listing_fails_and_reports_no_mappings(monkeypatch, calls, problem):
    result, _fake = run(monkeypatch, args(), calls, fails=True)
    assert result == {"failed": True, "msg": incomplete_message(problem)}
    assert "mappings" not in result and "count" not in result


def test_listing_that_never_ends_stops_at_a_bound(monkeypatch):
    # no totals announced and every page full: stop after 36 pages (a full zone is 35), do not loop on
    calls = [page_call(number, ips((number - 1) * 100, number * 100), {"page": number, "per_page": 100}) for number in range(1, 37)]
    result, fake = run(monkeypatch, args(), calls, fails=True)
    assert result["msg"] == incomplete_message(
        "the server announces no total_pages or total_count and still answers full pages after 36 pages")
    assert len(fake.received) == 36


def test_listing_without_totals_ends_at_a_short_page(monkeypatch):
    result, _fake = run(monkeypatch, args(), [
        page_call(1, ips(0, 100), {"page": 1, "per_page": 100}),
        page_call(2, ips(100, 130), {"page": 2, "per_page": 100}),
    ])
    assert result["count"] == 130


def test_unusable_list_answer_fails(monkeypatch):
    result, _fake = run(monkeypatch, args(), [Call("GET", V2, params={"page": 1, "per_page": 100}, data=success(None))], fails=True)
    path = "/zones/%s/origin/cloud_regions" % ZONE_ID
    assert result == {
        "failed": True,
        "msg": "Cloudflare API GET %s answered HTTP 200 with an unusable answer: result of page 1 should be a list, got None" % path,
        "api_error": {"status": 200, "method": "GET", "path": path, "errors": [], "problem": "result of page 1 should be a list, got None"},
    }


def test_unusable_single_answer_fails(monkeypatch):
    result, _fake = run(monkeypatch, args(origin_ip="192.0.2.1"), [Call("GET", V2 + "/192.0.2.1", data=success(None))], fails=True)
    assert result["msg"].endswith("with an unusable answer: result should be a mapping with origin_ip, vendor and region, got None")


def test_unusable_supported_regions_answer_fails(monkeypatch):
    result, _fake = run(monkeypatch, args(origin_ip="192.0.2.1", supported_regions=True), [
        Call("GET", V2 + "/192.0.2.1", data=success(v2_entry("192.0.2.1", "aws", "us-east-1"))),
        Call("GET", V2 + "/supported_regions", data=success({"obtained_codes": True})),
    ], fails=True)
    assert result["api_error"]["problem"] == "result should be {obtained_codes, vendors: {...}}, got {'obtained_codes': True}"


def test_bad_zone_id_fails_before_any_request(monkeypatch):
    result, fake = run(monkeypatch, args(zone_id="example.com"), [], fails=True)
    problem = "zone_id: must be a zone id of 32 hex digits, got 'example.com'"
    assert result == {"failed": True, "msg": problem, "problems": [problem]}
    assert fake.built_with is None
