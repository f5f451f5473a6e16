# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""origin_cloud_regions (batch) through main(), with the exact HTTP calls each run must send."""

from __future__ import annotations

import json

import pytest

from ansible_collections.edgeops.cloudflare.plugins.module_utils._http import TransportError
from ansible_collections.edgeops.cloudflare.plugins.modules import origin_cloud_regions
from ansible_collections.edgeops.cloudflare.tests.unit.fake_api import (
    BASE_URL,
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

MAIN = origin_cloud_regions.main
BATCH_PATH = "/zones/%s/origin/cloud_regions/batch" % ZONE_ID


def args(mappings, **overrides):
    base = {"zone_id": ZONE_ID, "api_token": TOKEN, "mappings": mappings}
    base.update(overrides)
    return {key: value for key, value in base.items() if value is not None}


def run(monkeypatch, module_args, calls, fails=False):
    return run_main(monkeypatch, MAIN, module_args, calls, headers=token_headers(), fails=fails)


def ipv4(n):
    return "10.%d.%d.%d" % (n // 65536, (n // 256) % 256, n % 256)


def item(ip, vendor="aws", region="us-east-1", state=None):
    """One entry of the mappings option; None values are left out, as a user would."""
    result = {"origin_ip": ip, "vendor": vendor, "region": region, "state": state}
    return {key: value for key, value in result.items() if value is not None}


def body(ip, vendor="aws", region="us-east-1"):
    return {"origin_ip": ip, "vendor": vendor, "region": region}


def listing(entries, base=V2, per_page=100):
    """The list calls for a zone holding ``entries`` (v2 paged by 100)."""
    if base == V1:
        return [Call("GET", V1, data=success(v1_setting([v1_entry(e["origin_ip"], e["vendor"], e["region"]) for e in entries])))]
    total = len(entries)
    pages = max(1, -(-total // per_page))
    calls = []
    for page in range(1, pages + 1):
        chunk = entries[(page - 1) * per_page:page * per_page]
        calls.append(Call("GET", V2, params={"page": page, "per_page": per_page}, data=success(
            [v2_entry(e["origin_ip"], e["vendor"], e["region"]) for e in chunk],
            page_info(page, per_page, len(chunk), total, pages if total else 0))))
    return calls


def supported(base=V2):
    return Call("GET", base + "/supported_regions", data=success(SUPPORTED_REGIONS))


def batch_put(bodies, failed=None, base=V2, method="PUT"):
    failed = failed or {}
    answer = {"succeeded": [b for b in bodies if b["origin_ip"] not in failed],
              "failed": [{"origin_ip": ip, "error": error} for ip, error in failed.items()]}
    return Call(method, base + "/batch", json=bodies, data=success(answer))


def batch_delete(ips, failed=None, base=V2):
    failed = failed or {}
    answer = {"succeeded": [{"origin_ip": ip} for ip in ips if ip not in failed],
              "failed": [{"origin_ip": ip, "error": error} for ip, error in failed.items()]}
    return Call("DELETE", base + "/batch", json=ips, data=success(answer))


# A zone with four mappings
CURRENT = [
    item("192.0.2.1"),                          # listed the same: unchanged
    item("192.0.2.2"),                          # listed in us-west-2: update
    item("2001:db8::1", "gcp", "us-central1"),  # listed absent: delete
    item("192.0.2.50", "gcp", "europe-west1"),  # not listed: kept unless purge
]

WANTED = [
    item("192.0.2.1"),
    item("192.0.2.2", "aws", "us-west-2"),
    item("2001:DB8:0::1", state="absent", vendor=None, region=None),
    item("198.51.100.7", "gcp", "us-central1"),
]


def test_create_update_delete_unchanged(monkeypatch):
    result, _fake = run(monkeypatch, args(WANTED), listing(CURRENT) + [
        supported(),
        batch_delete(["2001:db8::1"]),
        batch_put([body("198.51.100.7", "gcp", "us-central1"), body("192.0.2.2", "aws", "us-west-2")]),
    ])
    assert result == {
        "changed": True,
        "created": ["198.51.100.7"],
        "updated": ["192.0.2.2"],
        "deleted": ["2001:db8::1"],
        "unchanged": ["192.0.2.1"],
        "counts": {"created": 1, "updated": 1, "deleted": 1, "unchanged": 1, "failed": 0},
        "zone_id": ZONE_ID,
        "api_requests": 4,
    }


def test_unchanged_is_one_list_request(monkeypatch):
    result, _fake = run(monkeypatch, args([item("192.0.2.1"), item("192.0.2.2"), item("192.0.2.99", state="absent")]),
                        listing(CURRENT))
    assert result == {
        "changed": False, "created": [], "updated": [], "deleted": [], "unchanged": ["192.0.2.1", "192.0.2.2"],
        "counts": {"created": 0, "updated": 0, "deleted": 0, "unchanged": 2, "failed": 0},
        "zone_id": ZONE_ID, "api_requests": 1,
    }


def test_purge_deletes_unlisted(monkeypatch):
    result, _fake = run(monkeypatch, args([item("192.0.2.1"), item("192.0.2.2")], purge=True), listing(CURRENT) + [
        batch_delete(["192.0.2.50", "2001:db8::1"]),
    ])
    assert result["deleted"] == ["192.0.2.50", "2001:db8::1"]
    assert result["unchanged"] == ["192.0.2.1", "192.0.2.2"]
    assert result["changed"] is True
    assert result["api_requests"] == 2


def test_without_purge_unlisted_are_kept(monkeypatch):
    result, _fake = run(monkeypatch, args([item("192.0.2.1")]), listing(CURRENT))
    assert result["deleted"] == []
    assert result["changed"] is False


def purge_all_refusal(items, absent):
    return ("mappings: lists no mapping in state present (%d item(s), %d absent), so purge=true would delete every mapping of "
            "the zone; nothing was written. Set allow_purge_all=true if that is intended, or list the mappings to keep"
            % (items, absent))


def test_empty_purge_is_refused_with_no_request(monkeypatch):
    result, fake = run(monkeypatch, args([], purge=True), [], fails=True)
    assert result == {"failed": True, "msg": purge_all_refusal(0, 0)}
    assert fake.built_with is None
    assert fake.received == []


@pytest.mark.parametrize("mappings, items, absent", [
    ([item("192.0.2.1", state="absent")], 1, 1),
    ([item("192.0.2.1", state="absent", vendor=None, region=None), item("2001:db8::1", state="absent")], 2, 2),
    # the same IP twice counts once among the absent
    ([item("192.0.2.1", state="absent"), item("192.0.2.1", state="absent"), item("198.51.100.9", state="absent")], 3, 2),
])
def test_purge_with_only_absent_items_is_refused_with_no_request(monkeypatch, mappings, items, absent):
    # a list of only absent items keeps nothing: purge would empty the zone just like an empty list
    result, fake = run(monkeypatch, args(mappings, purge=True), [], fails=True)
    assert result == {"failed": True, "msg": purge_all_refusal(items, absent)}
    assert fake.built_with is None
    assert fake.received == []


def test_purge_all_refusal_needs_no_credentials(monkeypatch):
    result, fake = run(monkeypatch, args([item("192.0.2.1", state="absent")], purge=True, api_token=None), [], fails=True)
    assert result["msg"] == purge_all_refusal(1, 1)
    assert fake.built_with is None


def test_purge_with_only_absent_items_and_allow_purge_all(monkeypatch):
    result, _fake = run(monkeypatch, args([item("2001:db8::1", state="absent")], purge=True, allow_purge_all=True), listing(CURRENT) + [
        batch_delete(["192.0.2.1", "192.0.2.2", "192.0.2.50", "2001:db8::1"]),
    ])
    assert result["deleted"] == ["192.0.2.1", "192.0.2.2", "192.0.2.50", "2001:db8::1"]
    assert result["changed"] is True


def test_purge_with_one_present_item_is_not_refused(monkeypatch):
    result, _fake = run(monkeypatch, args([item("192.0.2.1"), item("2001:db8::1", state="absent")], purge=True), listing(CURRENT) + [
        batch_delete(["192.0.2.2", "192.0.2.50", "2001:db8::1"]),
    ])
    assert result["deleted"] == ["192.0.2.2", "192.0.2.50", "2001:db8::1"]
    assert result["unchanged"] == ["192.0.2.1"]


def test_allow_purge_all_without_purge_deletes_nothing(monkeypatch):
    result, _fake = run(monkeypatch, args([], allow_purge_all=True), listing(CURRENT))
    assert result["changed"] is False
    assert result["api_requests"] == 1


def test_empty_purge_with_allow_purge_all(monkeypatch):
    result, _fake = run(monkeypatch, args([], purge=True, allow_purge_all=True), listing(CURRENT) + [
        batch_delete(["192.0.2.1", "192.0.2.2", "192.0.2.50", "2001:db8::1"]),
    ])
    assert result["deleted"] == ["192.0.2.1", "192.0.2.2", "192.0.2.50", "2001:db8::1"]
    assert result["counts"]["deleted"] == 4


def test_empty_mappings_without_purge_does_nothing(monkeypatch):
    result, _fake = run(monkeypatch, args([]), listing(CURRENT))
    assert result["changed"] is False
    assert result["api_requests"] == 1


def test_conflicting_duplicates_are_refused_with_no_request(monkeypatch):
    result, fake = run(monkeypatch, args([
        item("192.0.2.1"),
        item("2001:db8::1", "gcp", "us-central1"),
        item("192.0.2.1", "aws", "us-west-2"),
        item("2001:DB8::1", state="absent", vendor=None, region=None),
        item("192.0.2.0/24"),
    ]), [], fails=True)
    problems = [
        "mappings[2] (192.0.2.1) conflicts with mappings[0]: aws/us-west-2 versus aws/us-east-1",
        "mappings[3] (2001:db8::1) conflicts with mappings[1]: state=absent versus gcp/us-central1",
        "mappings[4].origin_ip: '192.0.2.0/24' is a network (CIDR prefix), not a single IP address",
    ]
    assert result == {"failed": True, "problems": problems,
                      "msg": "3 invalid item(s) in mappings, nothing was written: " + "; ".join(problems)}
    assert fake.built_with is None


def test_agreeing_duplicates_are_merged(monkeypatch):
    result, _fake = run(monkeypatch, args([item("2001:db8::5"), item("2001:0db8::0005")]), listing([]) + [
        supported(),
        batch_put([body("2001:db8::5")]),
    ])
    assert result["created"] == ["2001:db8::5"]


def test_item_without_vendor_is_refused_by_the_argument_spec(monkeypatch):
    result, fake = run(monkeypatch, args([{"origin_ip": "192.0.2.1", "region": "us-east-1"}]), [], fails=True)
    assert "vendor" in result["msg"]
    assert fake.built_with is None


def test_invalid_region_is_refused_after_only_the_reads(monkeypatch):
    result, fake = run(monkeypatch, args([
        item("192.0.2.1"),                        # unchanged: not checked
        item("192.0.2.2", "aws", "us-east-9"),    # update to an unknown region
        item("198.51.100.7", "azure", "eastus"),  # vendor not offered
        item("198.51.100.8", "gcp", "europe-west1"),
    ]), listing(CURRENT) + [supported()], fails=True)
    assert result["failed"] is True
    assert result["problems"] == [
        "198.51.100.7: vendor 'azure' is not supported for this zone; supported vendors: aws, gcp",
        "192.0.2.2: region 'us-east-9' is not valid for vendor 'aws'; valid regions: eu-west-1, us-east-1, us-west-2",
    ]
    assert result["msg"] == ("2 mapping(s) with an unsupported vendor or region, nothing was written: " + "; ".join(result["problems"]))
    assert [call["method"] for call in fake.received] == ["GET", "GET"]


def test_validate_region_false_skips_the_lookup(monkeypatch):
    result, _fake = run(monkeypatch, args([item("198.51.100.7", "aws", "xx-nowhere-1")], validate_region=False), listing([]) + [
        batch_put([body("198.51.100.7", "aws", "xx-nowhere-1")]),
    ])
    assert result["created"] == ["198.51.100.7"]
    assert result["api_requests"] == 2


def test_plan_over_the_zone_limit_is_refused(monkeypatch):
    current = [item(ipv4(n)) for n in range(3400)]
    wanted = [item("172.16.%d.%d" % (n // 256, n % 256)) for n in range(101)]
    result, fake = run(monkeypatch, args(wanted), listing(current), fails=True)
    assert result == {"failed": True, "msg": (
        "the zone would hold 3501 mappings (3400 now, 101 to create, 0 to delete), more than its limit of 3500; nothing was written")}
    assert len(fake.received) == 34
    assert all(call["method"] == "GET" for call in fake.received)


def test_plan_exactly_at_the_zone_limit_is_allowed(monkeypatch):
    current = [item(ipv4(n)) for n in range(3400)]
    wanted = [item("172.16.%d.%d" % (n // 256, n % 256)) for n in range(101)] + [item(ipv4(0), state="absent", vendor=None, region=None)]
    result, _fake = run(monkeypatch, args(wanted, _ansible_check_mode=True), listing(current) + [supported()])
    assert result["counts"] == {"created": 101, "updated": 0, "deleted": 1, "unchanged": 0, "failed": 0}


def test_creates_are_written_in_chunks_of_100(monkeypatch):
    wanted = [item(ipv4(n), "gcp", "us-central1") for n in range(250)]
    bodies = [body(ipv4(n), "gcp", "us-central1") for n in range(250)]
    result, _fake = run(monkeypatch, args(wanted), listing([]) + [
        supported(),
        batch_put(bodies[:100]),
        batch_put(bodies[100:200]),
        batch_put(bodies[200:]),
    ])
    assert result["created"] == [ipv4(n) for n in range(250)]
    assert result["counts"]["created"] == 250
    assert result["api_requests"] == 5


def test_deletes_are_written_in_chunks_and_before_writes(monkeypatch):
    current = [item(ipv4(n)) for n in range(130)]
    wanted = [item(ipv4(n), state="absent", vendor=None, region=None) for n in range(120)] + [item("198.51.100.1")]
    result, _fake = run(monkeypatch, args(wanted), listing(current) + [
        supported(),
        batch_delete([ipv4(n) for n in range(100)]),
        batch_delete([ipv4(n) for n in range(100, 120)]),
        batch_put([body("198.51.100.1")]),
    ])
    assert result["counts"] == {"created": 1, "updated": 0, "deleted": 120, "unchanged": 0, "failed": 0}


# The zone after the writes of the per-item failure tests: 192.0.2.50 stayed (locked), 198.51.100.8 was not created.
AFTER_REFUSALS = [
    item("192.0.2.1"),
    item("192.0.2.2", "aws", "us-west-2"),
    item("192.0.2.50", "gcp", "europe-west1"),
    item("198.51.100.7", "gcp", "us-central1"),
]


def test_per_item_failures_fail_the_task_and_name_each_ip(monkeypatch):
    wanted = [item("192.0.2.1"), item("192.0.2.2", "aws", "us-west-2"), item("2001:db8::1", state="absent", vendor=None, region=None),
              item("198.51.100.7", "gcp", "us-central1"), item("198.51.100.8"), item("192.0.2.50", state="absent")]
    result, _fake = run(monkeypatch, args(wanted), listing(CURRENT) + [
        supported(),
        batch_delete(["192.0.2.50", "2001:db8::1"], failed={"192.0.2.50": "mapping is locked"}),
        batch_put([body("198.51.100.7", "gcp", "us-central1"), body("198.51.100.8"), body("192.0.2.2", "aws", "us-west-2")],
                  failed={"198.51.100.8": "region 'us-east-1' is full"}),
        # refused items: the zone is read again to check every planned change
    ] + listing(AFTER_REFUSALS), fails=True)
    assert result["msg"] == ("Cloudflare refused 2 of 5 mapping change(s): 192.0.2.50 (delete): mapping is locked; "
                             "198.51.100.8 (upsert): region 'us-east-1' is full")
    assert result["failed"] is True  # see test_failed_items_survive_the_real_fail_json for the item list
    # what did succeed is reported
    assert result["changed"] is True
    assert result["created"] == ["198.51.100.7"]
    assert result["updated"] == ["192.0.2.2"]
    assert result["deleted"] == ["2001:db8::1"]
    assert result["unchanged"] == ["192.0.2.1"]
    assert result["counts"] == {"created": 1, "updated": 1, "deleted": 1, "unchanged": 1, "failed": 2}


FAILED_ITEMS = [
    {"origin_ip": "192.0.2.50", "error": "mapping is locked", "action": "delete"},
    {"origin_ip": "198.51.100.8", "error": "region 'us-east-1' is full", "action": "upsert"},
]


def real_fail_json_result(monkeypatch, capsys, module_args, calls):
    """Run main() with AnsibleModule's own fail_json; return the JSON it prints."""
    # pylint: disable-next=import-outside-toplevel
    from ansible_collections.edgeops.cloudflare.plugins.module_utils import _module
    # pylint: disable-next=import-outside-toplevel
    from ansible_collections.edgeops.cloudflare.tests.unit.fake_api import FakeTransport
    # pylint: disable-next=import-outside-toplevel
    from ansible_collections.edgeops.cloudflare.tests.unit.utils import set_module_args

    fake = FakeTransport(calls, headers=token_headers())
    monkeypatch.setattr(_module, "make_transport", fake.make_transport)
    capsys.readouterr()
    with set_module_args(module_args):
        with pytest.raises(SystemExit) as excinfo:
            MAIN()
    assert excinfo.value.code == 1
    fake.assert_done()
    return json.loads(capsys.readouterr().out)


def test_failed_items_survive_the_real_fail_json(monkeypatch, capsys):
    wanted = [item("192.0.2.1"), item("192.0.2.2", "aws", "us-west-2"), item("2001:db8::1", state="absent"),
              item("198.51.100.7", "gcp", "us-central1"), item("198.51.100.8"), item("192.0.2.50", state="absent")]
    result = real_fail_json_result(monkeypatch, capsys, args(wanted), listing(CURRENT) + [
        supported(),
        batch_delete(["192.0.2.50", "2001:db8::1"], failed={"192.0.2.50": "mapping is locked"}),
        batch_put([body("198.51.100.7", "gcp", "us-central1"), body("198.51.100.8"), body("192.0.2.2", "aws", "us-west-2")],
                  failed={"198.51.100.8": "region 'us-east-1' is full"}),
    ] + listing(AFTER_REFUSALS))
    assert result["failed"] is True
    assert result["counts"]["failed"] == 2
    # whatever its name, the list of refused items must be in the task result
    assert FAILED_ITEMS in result.values()


def test_real_fail_json_keeps_the_other_keys(monkeypatch, capsys):
    result = real_fail_json_result(monkeypatch, capsys, args([item("198.51.100.8")]), listing([]) + [
        supported(),
        batch_put([body("198.51.100.8")], failed={"198.51.100.8": "region 'us-east-1' is full"}),
    ] + listing([]))
    assert result["failed"] is True
    assert result["changed"] is False
    assert result["msg"] == "Cloudflare refused 1 of 1 mapping change(s): 198.51.100.8 (upsert): region 'us-east-1' is full"
    assert result["counts"] == {"created": 0, "updated": 0, "deleted": 0, "unchanged": 0, "failed": 1}
    assert TOKEN not in json.dumps(result)


def applied_before(error, done, planned):
    return ("%s; %d of %d planned change(s) were applied before it (listed in created/updated/deleted); the others were "
            "refused or not sent. Running the task again converges." % (error, done, planned))


def in_place_after_relisting(error, done, planned):
    return ("%s; after re-reading the zone, %d of %d planned change(s) are in place (listed in created/updated/deleted), "
            "%d are not. Running the task again converges." % (error, done, planned, planned - done))


FULL_1164 = "Cloudflare API PUT %s answered HTTP 403: [1164] Maximum number of IP mappings configured for zone." % BATCH_PATH


def test_request_error_mid_way_reports_the_chunks_applied_before_it(monkeypatch):
    wanted = [item(ipv4(n)) for n in range(250)]
    bodies = [body(ipv4(n)) for n in range(250)]
    result, fake = run(monkeypatch, args(wanted), listing([]) + [
        supported(),
        batch_put(bodies[:100]),
        Call("PUT", V2 + "/batch", json=bodies[100:200], status=403,
             data=failure((1164, "Maximum number of IP mappings configured for zone."))),
        # a 4xx is Cloudflare's "no": the third chunk is not sent and the zone is not read again
    ], fails=True)
    assert result["msg"] == applied_before(FULL_1164, 100, 250)
    assert result["api_error"] == {"status": 403, "method": "PUT", "path": BATCH_PATH,
                                   "errors": [{"code": 1164, "message": "Maximum number of IP mappings configured for zone."}]}
    assert result["created"] == [ipv4(n) for n in range(100)]
    assert result["changed"] is True
    assert result["counts"] == {"created": 100, "updated": 0, "deleted": 0, "unchanged": 0, "failed": 0}
    assert [call["method"] for call in fake.received] == ["GET", "GET", "PUT", "PUT"]


def test_4xx_on_the_first_chunk_reports_nothing_applied(monkeypatch):
    result, _fake = run(monkeypatch, args([item("192.0.2.9")]), listing([]) + [
        supported(),
        Call("PUT", V2 + "/batch", json=[body("192.0.2.9")], status=400, data=failure((1157, "region does not exist"))),
    ], fails=True)
    assert result["msg"] == applied_before("Cloudflare API PUT %s answered HTTP 400: [1157] region does not exist" % BATCH_PATH, 0, 1)
    assert result["changed"] is False
    assert (result["created"], result["updated"], result["deleted"]) == ([], [], [])


def test_4xx_on_delete_stops_before_writes(monkeypatch):
    result, fake = run(monkeypatch, args(WANTED), listing(CURRENT) + [
        supported(),
        Call("DELETE", V2 + "/batch", json=["2001:db8::1"], status=403, data=failure((10000, "Authentication error"))),
    ], fails=True)
    assert result["msg"] == applied_before("Cloudflare API DELETE %s answered HTTP 403: [10000] Authentication error" % BATCH_PATH, 0, 3)
    assert result["changed"] is False
    assert "PUT" not in [call["method"] for call in fake.received]


def test_request_error_on_delete_stops_before_writes(monkeypatch):
    # a 500 leaves the delete's outcome open: the zone is read again, and shows nothing applied
    result, fake = run(monkeypatch, args(WANTED), listing(CURRENT) + [
        supported(),
        Call("DELETE", V2 + "/batch", json=["2001:db8::1"], status=500, data=failure((1140, "Internal error."))),
    ] + listing(CURRENT), fails=True)
    assert result["msg"] == in_place_after_relisting(
        "Cloudflare API DELETE %s answered HTTP 500: [1140] Internal error." % BATCH_PATH, 0, 3)
    assert result["changed"] is False
    assert (result["created"], result["updated"], result["deleted"]) == ([], [], [])
    assert result["api_error"]["errors"] == [{"code": 1140, "message": "Internal error."}]
    assert "PUT" not in [call["method"] for call in fake.received]


# -- lost or unusable answers: the zone is read again and decides ------------------------------------


def test_transport_error_on_the_second_chunk_relists_and_reports_the_100_in_place(monkeypatch, warnings):
    wanted = [item(ipv4(n), "gcp", "us-central1") for n in range(150)]
    bodies = [body(ipv4(n), "gcp", "us-central1") for n in range(150)]
    error = TransportError("PUT %s/batch failed: gave up after retries (Remote end closed connection without response)" % V2)
    result, fake = run(monkeypatch, args(wanted), listing([]) + [
        supported(),
        batch_put(bodies[:100]),
        Call("PUT", V2 + "/batch", json=bodies[100:], raises=error),
    ] + listing(wanted[:100]), fails=True)
    assert result["msg"] == in_place_after_relisting(error, 100, 150)
    assert result["changed"] is True
    assert result["created"] == [ipv4(n) for n in range(100)]
    assert result["counts"] == {"created": 100, "updated": 0, "deleted": 0, "unchanged": 0, "failed": 0}
    # a transport error has no API answer to quote
    assert "api_error" not in result
    assert warnings == []
    # list, supported regions, two batches, the re-read (one page of 100)
    assert [call["method"] for call in fake.received] == ["GET", "GET", "PUT", "PUT", "GET"]


def test_lost_answer_whose_chunk_was_applied_counts_it(monkeypatch):
    # chunk 2's answer was lost after Cloudflare applied it; chunk 3 was never sent
    wanted = [item(ipv4(n)) for n in range(250)]
    bodies = [body(ipv4(n)) for n in range(250)]
    result, _fake = run(monkeypatch, args(wanted), listing([]) + [
        supported(),
        batch_put(bodies[:100]),
        Call("PUT", V2 + "/batch", json=bodies[100:200], status=503, data=None, text="<html>503 Service Unavailable</html>"),
    ] + listing(wanted[:200]), fails=True)
    assert result["msg"] == in_place_after_relisting(
        "Cloudflare API PUT %s answered HTTP 503: <html>503 Service Unavailable</html>" % BATCH_PATH, 200, 250)
    assert result["created"] == [ipv4(n) for n in range(200)]
    assert result["counts"]["created"] == 200
    assert result["api_error"]["status"] == 503


def test_5xx_with_every_change_in_place_succeeds_with_a_warning(monkeypatch, warnings):
    result, _fake = run(monkeypatch, args(WANTED), listing(CURRENT) + [
        supported(),
        batch_delete(["2001:db8::1"]),
        Call("PUT", V2 + "/batch", json=[body("198.51.100.7", "gcp", "us-central1"), body("192.0.2.2", "aws", "us-west-2")],
             status=502, data=failure((1140, "Internal error."))),
    ] + listing([item("192.0.2.1"), item("192.0.2.2", "aws", "us-west-2"), item("192.0.2.50", "gcp", "europe-west1"),
                 item("198.51.100.7", "gcp", "us-central1")]))
    assert result == {
        "changed": True,
        "created": ["198.51.100.7"],
        "updated": ["192.0.2.2"],
        "deleted": ["2001:db8::1"],
        "unchanged": ["192.0.2.1"],
        "counts": {"created": 1, "updated": 1, "deleted": 1, "unchanged": 1, "failed": 0},
        "zone_id": ZONE_ID,
        "api_requests": 5,
    }
    assert warnings == ["Cloudflare API PUT %s answered HTTP 502: [1140] Internal error.; re-reading the zone showed every "
                        "planned change in place" % BATCH_PATH]


def test_batch_put_answered_with_an_empty_result_relists_and_succeeds_with_a_warning(monkeypatch, warnings):
    wanted = [item("198.51.100.7", "gcp", "us-central1"), item("2001:db8::5")]
    result, _fake = run(monkeypatch, args(wanted), listing([]) + [
        supported(),
        Call("PUT", V2 + "/batch", json=[body("198.51.100.7", "gcp", "us-central1"), body("2001:db8::5")], data=success({})),
    ] + listing(wanted))
    assert result["changed"] is True
    assert result["created"] == ["198.51.100.7", "2001:db8::5"]
    assert result["counts"] == {"created": 2, "updated": 0, "deleted": 0, "unchanged": 0, "failed": 0}
    assert warnings == ["Cloudflare API PUT %s answered HTTP 200 with an unusable answer: result should be {succeeded: [...], "
                        "failed: [...]}, got {}; re-reading the zone showed every planned change in place" % BATCH_PATH]


def test_unusable_batch_answer_whose_write_did_not_happen_fails(monkeypatch):
    result, _fake = run(monkeypatch, args([item("198.51.100.7", "gcp", "us-central1")]), listing([]) + [
        supported(),
        Call("PUT", V2 + "/batch", json=[body("198.51.100.7", "gcp", "us-central1")], data=None, text="<html>OK</html>"),
    ] + listing([]), fails=True)
    problem = "the body is not JSON ('<html>OK</html>')"
    assert result["msg"] == in_place_after_relisting(
        "Cloudflare API PUT %s answered HTTP 200 with an unusable answer: %s" % (BATCH_PATH, problem), 0, 1)
    assert result["changed"] is False
    assert result["api_error"] == {"status": 200, "method": "PUT", "path": BATCH_PATH, "errors": [], "problem": problem}


def test_relisting_checks_vendor_and_region_not_just_presence(monkeypatch):
    # after a lost answer the IP exists, but still with its old region: the update is not in place
    result, _fake = run(monkeypatch, args([item("192.0.2.2", "aws", "us-west-2")]), listing(CURRENT) + [
        supported(),
        Call("PUT", V2 + "/batch", json=[body("192.0.2.2", "aws", "us-west-2")], raises=TransportError("PUT x failed: timed out")),
    ] + listing(CURRENT), fails=True)
    assert result["msg"] == in_place_after_relisting("PUT x failed: timed out", 0, 1)
    assert result["updated"] == []
    assert result["changed"] is False


def test_relisting_counts_a_delete_someone_else_did(monkeypatch):
    # the delete batch failed (5xx), but the IP is gone when the zone is read again
    result, _fake = run(monkeypatch, args([item("2001:db8::1", state="absent"), item("198.51.100.7")]), listing(CURRENT) + [
        supported(),
        Call("DELETE", V2 + "/batch", json=["2001:db8::1"], status=500, data=failure((1140, "Internal error."))),
    ] + listing([m for m in CURRENT if m["origin_ip"] != "2001:db8::1"]), fails=True)
    assert result["msg"] == in_place_after_relisting("Cloudflare API DELETE %s answered HTTP 500: [1140] Internal error." % BATCH_PATH, 1, 2)
    assert result["deleted"] == ["2001:db8::1"]
    assert result["created"] == []
    assert result["changed"] is True


def test_relisting_that_fails_keeps_what_the_answers_said(monkeypatch, warnings):
    wanted = [item(ipv4(n)) for n in range(150)]
    bodies = [body(ipv4(n)) for n in range(150)]
    relist_error = TransportError("GET %s failed: gave up after retries (timed out)" % V2)
    result, _fake = run(monkeypatch, args(wanted), listing([]) + [
        supported(),
        batch_put(bodies[:100]),
        Call("PUT", V2 + "/batch", json=bodies[100:], raises=TransportError("PUT x failed: timed out")),
        Call("GET", V2, params={"page": 1, "per_page": 100}, raises=relist_error),
    ], fails=True)
    assert warnings == ["could not re-read the zone to check the outcome of the writes: %s" % relist_error]
    assert result["msg"] == ("PUT x failed: timed out; 100 of 150 planned change(s) were confirmed by the API (listed in "
                             "created/updated/deleted); the outcome of the others is unknown. Running the task again converges.")
    assert result["created"] == [ipv4(n) for n in range(100)]


def test_relisting_that_is_incomplete_is_not_trusted(monkeypatch, warnings):
    result, _fake = run(monkeypatch, args([item("198.51.100.7")]), listing([]) + [
        supported(),
        Call("PUT", V2 + "/batch", json=[body("198.51.100.7")], status=504, data=None, text=""),
        Call("GET", V2, params={"page": 1, "per_page": 100}, data=success([], page_info(1, 100, 0, 1, 1))),
    ], fails=True)
    assert len(warnings) == 1
    assert warnings[0].startswith("could not re-read the zone to check the outcome of the writes: the listing of zone %s is "
                                  "incomplete or inconsistent" % ZONE_ID)
    assert result["msg"] == ("Cloudflare API PUT %s answered HTTP 504: no error details in the answer; 0 of 1 planned change(s) "
                             "were confirmed by the API (listed in created/updated/deleted); the outcome of the others is "
                             "unknown. Running the task again converges." % BATCH_PATH)
    assert result["changed"] is False


# -- refused items: the zone is read again, and what is in place counts ------------------------------


def test_batch_delete_answered_not_found_for_items_already_gone_succeeds(monkeypatch):
    # a retried DELETE (its first answer lost) finds nothing left to delete: that is the wanted state
    gone = ["192.0.2.50", "2001:db8::1"]
    result, _fake = run(monkeypatch, args([item(ip, state="absent") for ip in gone]), listing(CURRENT) + [
        batch_delete(gone, failed={ip: "not found" for ip in gone}),
    ] + listing([item("192.0.2.1"), item("192.0.2.2")]))
    assert result == {
        "changed": True,
        "created": [],
        "updated": [],
        "deleted": ["192.0.2.50", "2001:db8::1"],
        "unchanged": [],
        "counts": {"created": 0, "updated": 0, "deleted": 2, "unchanged": 0, "failed": 0},
        "zone_id": ZONE_ID,
        "api_requests": 3,
    }


def test_refused_items_found_in_place_succeed_with_a_warning(monkeypatch, warnings):
    # Documented (module DOCUMENTATION and the lead's brief): when Cloudflare refuses items and re-reading
    # the zone shows every planned change in place, the task succeeds *with a warning*.
    gone = ["192.0.2.50", "2001:db8::1"]
    result, _fake = run(monkeypatch, args([item(ip, state="absent") for ip in gone]), listing(CURRENT) + [
        batch_delete(gone, failed={ip: "not found" for ip in gone}),
    ] + listing([item("192.0.2.1"), item("192.0.2.2")]))
    assert result["changed"] is True
    assert result["deleted"] == gone
    # settle() in plugins/modules/origin_cloud_regions.py at fee203e warned only when a request failed
    assert len(warnings) == 1


def test_refused_write_someone_else_made_counts_as_done(monkeypatch):
    result, _fake = run(monkeypatch, args([item("198.51.100.7", "gcp", "us-central1"), item("198.51.100.8")]), listing([]) + [
        supported(),
        batch_put([body("198.51.100.7", "gcp", "us-central1"), body("198.51.100.8")], failed={"198.51.100.8": "already exists"}),
    ] + listing([item("198.51.100.7", "gcp", "us-central1"), item("198.51.100.8")]))
    assert result["created"] == ["198.51.100.7", "198.51.100.8"]
    assert result["counts"]["failed"] == 0
    assert "failed_items" not in result


def test_refused_items_still_missing_fail_and_the_rest_is_reported(monkeypatch):
    gone_and_kept = ["192.0.2.50", "2001:db8::1"]
    result, _fake = run(monkeypatch, args([item(ip, state="absent") for ip in gone_and_kept]), listing(CURRENT) + [
        batch_delete(gone_and_kept, failed={ip: "not found" for ip in gone_and_kept}),
    ] + listing([item("192.0.2.1"), item("192.0.2.2"), item("192.0.2.50", "gcp", "europe-west1")]), fails=True)
    assert result["msg"] == "Cloudflare refused 1 of 2 mapping change(s): 192.0.2.50 (delete): not found"
    assert result["deleted"] == ["2001:db8::1"]
    assert result["changed"] is True
    assert result["counts"] == {"created": 0, "updated": 0, "deleted": 1, "unchanged": 0, "failed": 1}


def test_incomplete_listing_fails_before_any_write(monkeypatch):
    entries = [v2_entry(ipv4(n), "aws", "us-east-1") for n in range(100)]
    result, fake = run(monkeypatch, args([item("198.51.100.7")], purge=True), [
        Call("GET", V2, params={"page": 1, "per_page": 100}, data=success(entries, page_info(1, 100, 100, 250, 3))),
        Call("GET", V2, params={"page": 2, "per_page": 100}, data=success([], page_info(2, 100, 0, 250, 3))),
    ], fails=True)
    assert result == {"failed": True, "msg": (
        "the listing of zone %s is incomplete or inconsistent (page 2 of 3 holds 0 mapping(s), not a full page of 100); "
        "nothing was planned on it. Run again; if it persists, the API or a proxy in between is not answering pages correctly"
        % ZONE_ID)}
    assert all(call["method"] == "GET" for call in fake.received)


def test_check_mode_only_reads(monkeypatch):
    result, fake = run(monkeypatch, args(WANTED, purge=True, _ansible_check_mode=True), listing(CURRENT) + [supported()])
    assert result == {
        "changed": True,
        "created": ["198.51.100.7"],
        "updated": ["192.0.2.2"],
        "deleted": ["192.0.2.50", "2001:db8::1"],
        "unchanged": ["192.0.2.1"],
        "counts": {"created": 1, "updated": 1, "deleted": 2, "unchanged": 1, "failed": 0},
        "zone_id": ZONE_ID,
        "api_requests": 2,
    }
    assert all(call["method"] == "GET" for call in fake.received)


def test_diff_lines(monkeypatch):
    result, _fake = run(monkeypatch, args(WANTED, purge=True, _ansible_diff=True, _ansible_check_mode=True),
                        listing(CURRENT) + [supported()])
    assert result["diff"] == {
        "before": "192.0.2.2 aws/us-east-1\n192.0.2.50 gcp/europe-west1\n2001:db8::1 gcp/us-central1\n",
        "after": "192.0.2.2 aws/us-west-2\n198.51.100.7 gcp/us-central1\n",
    }


def test_diff_when_unchanged_is_empty(monkeypatch):
    result, _fake = run(monkeypatch, args([item("192.0.2.1")], _ansible_diff=True), listing(CURRENT))
    assert result["diff"] == {"before": "", "after": ""}


def test_zone_by_name(monkeypatch):
    result, _fake = run(monkeypatch, args([item("192.0.2.1")], zone_id=None, zone="example.com"), [
        Call("GET", BASE_URL + "/zones", params={"name": "example.com"}, data=success([{"id": "abc", "name": "example.com"}])),
        Call("GET", BASE_URL + "/zones/abc/origin/cloud_regions", params={"page": 1, "per_page": 100},
             data=success([v2_entry("192.0.2.1", "aws", "us-east-1")], page_info(1, 100, 1, 1, 1))),
    ])
    assert result["zone_id"] == "abc"
    assert result["unchanged"] == ["192.0.2.1"]


def test_v1_generation(monkeypatch, warnings):
    result, _fake = run(monkeypatch, args(WANTED, api_generation="v1"), listing(CURRENT, base=V1) + [
        supported(V1),
        Call("DELETE", V1 + "/batch", json=["2001:db8::1"],
             data=success(v1_setting({"succeeded": [{"origin-ip": "2001:db8::1"}], "failed": []}))),
        Call("PATCH", V1 + "/batch", json=[{"ip": "198.51.100.7", "vendor": "gcp", "region": "us-central1"},
                                           {"ip": "192.0.2.2", "vendor": "aws", "region": "us-west-2"}],
             data=success(v1_setting({"succeeded": [{"origin-ip": "198.51.100.7", "vendor": "gcp", "region": "us-central1"},
                                                    {"origin-ip": "192.0.2.2", "vendor": "aws", "region": "us-west-2"}],
                                      "failed": []}))),
    ])
    assert result["counts"] == {"created": 1, "updated": 1, "deleted": 1, "unchanged": 1, "failed": 0}
    assert result["api_requests"] == 4
    assert len(warnings) == 1
    assert warnings[0].startswith("api_generation=v1 uses Cloudflare's deprecated /cache/origin_cloud_regions API, whose end of "
                                  "life was 2026-10-01")


def test_v2_gives_no_warning(monkeypatch, warnings):
    run(monkeypatch, args([item("192.0.2.1")]), listing(CURRENT))
    assert warnings == []


def test_list_error_fails_before_any_write(monkeypatch):
    result, _fake = run(monkeypatch, args(WANTED), [
        Call("GET", V2, params={"page": 1, "per_page": 100}, status=401, data=failure((10000, "Authentication error"))),
    ], fails=True)
    assert result["msg"] == "Cloudflare API GET /zones/%s/origin/cloud_regions answered HTTP 401: [10000] Authentication error" % ZONE_ID
    assert TOKEN not in json.dumps(result)


def test_the_token_never_appears(monkeypatch):
    outputs = [
        run(monkeypatch, args(WANTED, _ansible_diff=True), listing(CURRENT) + [
            supported(),
            batch_delete(["2001:db8::1"]),
            batch_put([body("198.51.100.7", "gcp", "us-central1"), body("192.0.2.2", "aws", "us-west-2")],
                      failed={"192.0.2.2": "nope"}),
        ] + listing(CURRENT[:2] + CURRENT[3:] + [item("198.51.100.7", "gcp", "us-central1")]), fails=True)[0],
        run(monkeypatch, args([], purge=True), [], fails=True)[0],
        run(monkeypatch, args([item("192.0.2.9", state="absent")], purge=True), [], fails=True)[0],
        run(monkeypatch, args([item("198.51.100.7")]), listing([]) + [
            supported(),
            Call("PUT", V2 + "/batch", json=[body("198.51.100.7")], raises=TransportError("PUT x failed: timed out")),
        ] + listing([]), fails=True)[0],
    ]
    for output in outputs:
        assert TOKEN not in json.dumps(output)


# -- options checked before any request ------------------------------------------------------------------


@pytest.mark.parametrize("overrides, problem", [
    ({"zone_id": "023e105f4ecef8ad9ca31a8372d0c35"}, "zone_id: must be a zone id of 32 hex digits, got '023e105f4ecef8ad9ca31a8372d0c35'"),
    ({"zone_id": "../../accounts"}, "zone_id: must be a zone id of 32 hex digits, got '../../accounts'"),
    ({"zone_id": None, "zone": "not a zone"}, "zone: must be a DNS name such as example.com, got 'not a zone'"),
    ({"timeout": 0}, "timeout: must be greater than 0 seconds, got 0.0"),
    ({"max_retry_wait": -1}, "max_retry_wait: must be 0 or more seconds, got -1.0"),
    ({"api_base_url": "ftp://api.cloudflare.com/client/v4"},
     "api_base_url: must be an http:// or https:// URL with a host, got 'ftp://api.cloudflare.com/client/v4'"),
])
def test_connection_problems_are_refused_with_no_request(monkeypatch, overrides, problem):
    result, fake = run(monkeypatch, args(WANTED, purge=True, **overrides), [], fails=True)
    assert result == {"failed": True, "msg": problem, "problems": [problem]}
    assert fake.built_with is None
    assert fake.received == []


def test_upper_case_zone_id_is_used_lower_cased(monkeypatch):
    result, _fake = run(monkeypatch, args([item("192.0.2.1")], zone_id=ZONE_ID.upper()), listing(CURRENT))
    assert result["zone_id"] == ZONE_ID


def test_max_retry_wait_reaches_the_transport(monkeypatch):
    result, fake = run(monkeypatch, args([item("192.0.2.1")], max_retry_wait=12), listing(CURRENT))
    assert fake.built_with[1]["max_retry_wait"] == 12.0
    assert result["changed"] is False


def test_max_retry_wait_defaults_to_180(monkeypatch):
    _result, fake = run(monkeypatch, args([item("192.0.2.1")]), listing(CURRENT))
    assert fake.built_with[1]["max_retry_wait"] == 180.0


def test_check_mode_never_reads_the_zone_again(monkeypatch):
    result, fake = run(monkeypatch, args([item("198.51.100.7")], _ansible_check_mode=True), listing([]) + [supported()])
    assert result["created"] == ["198.51.100.7"]
    assert len(fake.received) == 2


def test_the_settle_warning_reaches_the_real_exit_json(monkeypatch, capsys, warnings_in_the_result):
    # pylint: disable-next=import-outside-toplevel
    from ansible_collections.edgeops.cloudflare.plugins.module_utils import _module
    # pylint: disable-next=import-outside-toplevel
    from ansible_collections.edgeops.cloudflare.tests.unit.fake_api import FakeTransport
    # pylint: disable-next=import-outside-toplevel
    from ansible_collections.edgeops.cloudflare.tests.unit.utils import set_module_args

    wanted = [item("198.51.100.7", "gcp", "us-central1")]
    fake = FakeTransport(listing([]) + [
        supported(),
        Call("PUT", V2 + "/batch", json=[body("198.51.100.7", "gcp", "us-central1")], data=success({})),
    ] + listing(wanted), headers=token_headers())
    monkeypatch.setattr(_module, "make_transport", fake.make_transport)
    capsys.readouterr()
    with set_module_args(args(wanted)):
        with pytest.raises(SystemExit) as excinfo:
            MAIN()
    fake.assert_done()
    out = capsys.readouterr().out
    result = json.loads(out)
    assert excinfo.value.code == 0
    assert result["changed"] is True
    assert result["created"] == ["198.51.100.7"]
    assert any("re-reading the zone showed every planned change in place" in str(warning) for warning in result["warnings"])
    assert TOKEN not in out
