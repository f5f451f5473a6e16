# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""zone_info through main(), with the exact HTTP calls each run must send."""

from __future__ import annotations

import json

import pytest

from ansible_collections.edgeops.cloudflare.plugins.module_utils._http import TransportError
from ansible_collections.edgeops.cloudflare.plugins.modules import zone_info
from ansible_collections.edgeops.cloudflare.tests.unit.fake_api import BASE_URL, TOKEN, Call, failure, page_info, run_main, success, token_headers

MAIN = zone_info.main
ZONES = BASE_URL + "/zones"
ACCOUNT = "01a7362d577a6c3019a474fd6f485823"


def args(**overrides):
    base = {"api_token": TOKEN}
    base.update(overrides)
    return {key: value for key, value in base.items() if value is not None}


def run(monkeypatch, module_args, calls, fails=False):
    return run_main(monkeypatch, MAIN, module_args, calls, headers=token_headers(), fails=fails)


def api_zone(name, number, status="active"):
    return {"id": "%032x" % number, "name": name, "status": status, "account": {"id": ACCOUNT, "name": "Ops"}}


def zone(name, number, status="active"):
    return {"id": "%032x" % number, "name": name, "status": status, "account_id": ACCOUNT}


def page(number, entries, total_count, total_pages, **params):
    query = dict({"per_page": 50, "page": number}, **params)
    return Call("GET", ZONES, params=query, data=success(entries, page_info(number, 50, len(entries), total_count, total_pages)))


def test_every_zone_over_two_pages_sorted_without_a_zone_id(monkeypatch):
    entries = [api_zone("zone%02d.example" % number, number) for number in reversed(range(60))]
    result, fake = run(monkeypatch, args(), [page(1, entries[:50], 60, 2), page(2, entries[50:], 60, 2)])
    assert result == {"changed": False, "zones": [zone("zone%02d.example" % number, number) for number in range(60)],
                      "count": 60, "missing": [], "api_requests": 2}
    assert fake.closed


def test_names_one_request_each_missing_ones_listed_and_duplicates_once(monkeypatch):
    result, _fake = run(monkeypatch, args(names=["Example.NET.", " example.com ", "nope.example", "example.com"]), [
        page(1, [api_zone("example.net", 2)], 1, 1, name="example.net"),
        page(1, [api_zone("example.com", 1)], 1, 1, name="example.com"),
        page(1, [], 0, 0, name="nope.example"),
        page(1, [api_zone("example.com", 1)], 1, 1, name="example.com"),
    ])
    assert result == {"changed": False, "zones": [zone("example.com", 1), zone("example.net", 2)], "count": 2,
                      "missing": ["nope.example"], "api_requests": 4}


def test_the_alias_name_and_the_account(monkeypatch):
    result, _fake = run(monkeypatch, args(name="example.com", account_id=ACCOUNT), [
        page(1, [api_zone("example.com", 1, status="pending")], 1, 1, name="example.com", **{"account.id": ACCOUNT}),
    ])
    assert result["zones"] == [zone("example.com", 1, status="pending")]
    assert result["api_requests"] == 1


def test_every_zone_of_an_account(monkeypatch):
    result, _fake = run(monkeypatch, args(account_id=ACCOUNT), [page(1, [], 0, 0, **{"account.id": ACCOUNT})])
    assert result == {"changed": False, "zones": [], "count": 0, "missing": [], "api_requests": 1}


def test_check_mode_reads_the_same(monkeypatch):
    result, _fake = run(monkeypatch, args(_ansible_check_mode=True), [page(1, [api_zone("example.com", 1)], 1, 1)])
    assert result == {"changed": False, "zones": [zone("example.com", 1)], "count": 1, "missing": [], "api_requests": 1}


def test_names_that_are_no_zone_names_fail_with_the_shared_options_before_any_request(monkeypatch):
    result, fake = run(monkeypatch, args(names=["ok.example", "no/such", "bad name"], timeout=0), [], fails=True)
    problems = ["timeout: must be greater than 0 seconds, got 0.0",
                "names[1]: must be a DNS name such as example.com, got 'no/such'",
                "names[2]: must be a DNS name such as example.com, got 'bad name'"]
    assert result == {"failed": True, "msg": "; ".join(problems), "problems": problems}
    assert fake.built_with is None


def test_api_error(monkeypatch):
    result, _fake = run(monkeypatch, args(), [
        Call("GET", ZONES, params={"per_page": 50, "page": 1}, status=403, data=failure((9109, "Unauthorized to access requested resource"))),
    ], fails=True)
    assert result["msg"] == "Cloudflare API GET /zones answered HTTP 403: [9109] Unauthorized to access requested resource"
    assert result["api_error"]["errors"] == [{"code": 9109, "message": "Unauthorized to access requested resource"}]
    assert "zones" not in result and "zone_id" not in result
    assert TOKEN not in json.dumps(result)


def test_pages_that_do_not_add_up_fail_rather_than_return_a_partial_list(monkeypatch):
    entries = [api_zone("zone%02d.example" % number, number) for number in range(50)]
    result, _fake = run(monkeypatch, args(), [page(1, entries, 60, 2), page(2, [], 60, 2)], fails=True)
    assert result == {"failed": True, "msg": (
        "the list of zones is incomplete or inconsistent (50 zone(s) on 2 page(s), but result_info.total_count says 60)")}


def test_unusable_answer(monkeypatch):
    result, _fake = run(monkeypatch, args(), [Call("GET", ZONES, params={"per_page": 50, "page": 1}, data=success(None))],
                        fails=True)
    assert result["api_error"]["problem"] == "result of page 1 should be a list of zones with id and name, got None"


def test_unreachable(monkeypatch):
    result, fake = run(monkeypatch, args(), [
        Call("GET", ZONES, params={"per_page": 50, "page": 1}, raises=TransportError("GET %s failed: connection refused" % ZONES)),
    ], fails=True)
    assert result == {"failed": True, "msg": "Cannot reach the Cloudflare API: GET %s failed: connection refused" % ZONES}
    assert fake.closed


@pytest.mark.parametrize("names, problems", [
    (None, []),
    ([], []),
    (["example.com", "Example.COM."], []),
    (["x/y"], ["names[0]: must be a DNS name such as example.com, got 'x/y'"]),
])
def test_name_problems(names, problems):
    assert zone_info.name_problems({"names": names}) == problems


def test_run_options_check_the_names_and_resolve_no_zone():
    assert zone_info.RUN_OPTIONS == {"problems": zone_info.name_problems, "zone": False}
    assert not {"zone", "zone_id"} & set(zone_info.argument_spec().to_kwargs()["argument_spec"])
