# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""OriginCloudRegionsClient against FakeTransport: every request is declared exactly."""

from __future__ import annotations

import pytest

from ansible_collections.edgeops.cloudflare.plugins.module_utils._api import (
    BATCH_LIMIT,
    MAX_PAGES_UNANNOUNCED,
    PER_PAGE,
    BatchResult,
    CloudflareAPIError,
    IncompleteListingError,
    OriginCloudRegionsClient,
    UnexpectedAnswerError,
    chunks,
)
from ansible_collections.edgeops.cloudflare.plugins.module_utils._http import TransportError
from ansible_collections.edgeops.cloudflare.tests.unit.fake_api import (
    BASE_URL,
    SUPPORTED_REGIONS,
    V1,
    V2,
    ZONE_ID,
    Call,
    FakeTransport,
    failure,
    page_info,
    success,
    v1_entry,
    v1_setting,
    v2_entry,
)


def client_for(calls, generation="v2", base_url=BASE_URL):
    transport = FakeTransport(calls)
    return OriginCloudRegionsClient(transport, base_url, generation), transport


def ipv4(n):
    """The n-th address of 10.0.0.0/8 (n < 65536)."""
    return "10.0.%d.%d" % (n // 256, n % 256)


def test_constants():
    assert (BATCH_LIMIT, PER_PAGE) == (100, 100)
    # a full zone (3,500 mappings) fills 35 pages; one more is the bound when the server announces nothing
    assert MAX_PAGES_UNANNOUNCED == 36


def test_base_url_trailing_slash_is_dropped():
    client, transport = client_for([Call("GET", V2 + "/192.0.2.1", data=success(v2_entry("192.0.2.1", "aws", "us-east-1")))],
                                   base_url=BASE_URL + "/")
    client.get_mapping(ZONE_ID, "192.0.2.1")
    transport.assert_done()


# -- single mappings: exact URL of every operation, both generations ---------------


@pytest.mark.parametrize("ip", ["192.0.2.1", "2001:db8::1", "::ffff:192.0.2.1"])
def test_v2_get(ip):
    client, transport = client_for([Call("GET", V2 + "/" + ip, data=success(v2_entry(ip, "aws", "us-east-1")))])
    assert client.get_mapping(ZONE_ID, ip) == {"origin_ip": ip, "vendor": "aws", "region": "us-east-1",
                                               "modified_on": "2026-03-01T12:00:00Z"}
    transport.assert_done()
    assert client.requests_sent == 1


def test_v1_get_unwraps_the_setting():
    client, transport = client_for([Call("GET", V1 + "/2001:db8::1", data=success(v1_setting(v1_entry("2001:db8::1", "gcp", "us-central1"))))],
                                   generation="v1")
    assert client.get_mapping(ZONE_ID, "2001:db8::1") == {"origin_ip": "2001:db8::1", "vendor": "gcp", "region": "us-central1",
                                                          "modified_on": "2026-03-01T12:00:00Z"}
    transport.assert_done()


@pytest.mark.parametrize("generation, base", [("v2", V2), ("v1", V1)])
@pytest.mark.parametrize("code", [1142, 1163])
def test_get_missing_mapping_is_none(generation, base, code):
    client, transport = client_for([Call("GET", base + "/2001:db8::1", status=404, data=failure((code, "does not exist")))],
                                   generation=generation)
    assert client.get_mapping(ZONE_ID, "2001:db8::1") is None
    transport.assert_done()


@pytest.mark.parametrize("code", [7003, 7000, 1001])
def test_get_404_about_the_route_or_zone_raises(code):
    client, transport = client_for([Call("GET", V2 + "/192.0.2.1", status=404, data=failure((code, "No route for the URI")))])
    with pytest.raises(CloudflareAPIError) as excinfo:
        client.get_mapping(ZONE_ID, "192.0.2.1")
    assert excinfo.value.status == 404
    assert excinfo.value.codes == [code]
    transport.assert_done()


def test_get_404_with_a_route_code_among_others_raises():
    client, transport = client_for([Call("GET", V2 + "/192.0.2.1", status=404, data=failure((1142, "x"), (7003, "No route")))])
    with pytest.raises(CloudflareAPIError):
        client.get_mapping(ZONE_ID, "192.0.2.1")
    transport.assert_done()


@pytest.mark.parametrize("method, call", [
    ("GET", lambda client: client.get_mapping(ZONE_ID, "192.0.2.1")),
    ("DELETE", lambda client: client.delete_mapping(ZONE_ID, "192.0.2.1")),
])
def test_404_without_a_cloudflare_envelope_is_not_taken_for_absent(method, call):
    # A wrong api_base_url or a proxy's error page must not make state=absent report "ok".
    client, transport = client_for([Call(method, V2 + "/192.0.2.1", status=404, data=None, text="<html>Not Found</html>")])
    with pytest.raises(CloudflareAPIError) as excinfo:
        call(client)
    assert excinfo.value.status == 404 and "<html>Not Found</html>" in str(excinfo.value)
    transport.assert_done()


def test_get_other_errors_raise():
    client, transport = client_for([Call("GET", V2 + "/192.0.2.1", status=403, data=failure((10000, "Authentication error")))])
    with pytest.raises(CloudflareAPIError) as excinfo:
        client.get_mapping(ZONE_ID, "192.0.2.1")
    assert excinfo.value.codes == [10000]
    transport.assert_done()


def test_v2_upsert_is_one_put():
    body = {"origin_ip": "2001:db8::1", "vendor": "aws", "region": "us-east-1"}
    client, transport = client_for([Call("PUT", V2 + "/2001:db8::1", json=body, data=success(v2_entry("2001:db8::1", "aws", "us-east-1")))])
    mapping = client.upsert_mapping(ZONE_ID, "2001:db8::1", "aws", "us-east-1", exists=False)
    assert mapping == {"origin_ip": "2001:db8::1", "vendor": "aws", "region": "us-east-1", "modified_on": "2026-03-01T12:00:00Z"}
    transport.assert_done()


@pytest.mark.parametrize("exists", [True, False])
def test_v2_upsert_ignores_exists(exists):
    body = {"origin_ip": "192.0.2.1", "vendor": "gcp", "region": "us-central1"}
    client, transport = client_for([Call("PUT", V2 + "/192.0.2.1", json=body, data=success(v2_entry("192.0.2.1", "gcp", "us-central1")))])
    client.upsert_mapping(ZONE_ID, "192.0.2.1", "gcp", "us-central1", exists=exists)
    transport.assert_done()


def test_v1_create_is_a_post():
    body = {"ip": "192.0.2.1", "vendor": "aws", "region": "us-east-1"}
    client, transport = client_for([Call("POST", V1, json=body, data=success(v1_setting(v1_entry("192.0.2.1", "aws", "us-east-1"))))],
                                   generation="v1")
    mapping = client.upsert_mapping(ZONE_ID, "192.0.2.1", "aws", "us-east-1", exists=False)
    assert mapping == {"origin_ip": "192.0.2.1", "vendor": "aws", "region": "us-east-1", "modified_on": "2026-03-01T12:00:00Z"}
    transport.assert_done()


def test_v1_post_1145_falls_back_to_patch():
    body = {"ip": "2001:db8::1", "vendor": "aws", "region": "us-west-2"}
    listing = [v1_entry("192.0.2.1", "gcp", "us-central1"), v1_entry("2001:db8::1", "aws", "us-west-2", "2026-04-01T00:00:00Z")]
    client, transport = client_for([
        Call("POST", V1, json=body, status=400, data=failure((1145, "The zone setting already exists."))),
        Call("PATCH", V1, json=body, data=success(v1_setting(listing))),
    ], generation="v1")
    mapping = client.upsert_mapping(ZONE_ID, "2001:db8::1", "aws", "us-west-2", exists=False)
    assert mapping == {"origin_ip": "2001:db8::1", "vendor": "aws", "region": "us-west-2", "modified_on": "2026-04-01T00:00:00Z"}
    transport.assert_done()
    assert client.requests_sent == 2


def test_v1_post_other_error_raises_without_patch():
    body = {"ip": "192.0.2.1", "vendor": "aws", "region": "nowhere"}
    client, transport = client_for([Call("POST", V1, json=body, status=400, data=failure((1157, "region does not exist")))],
                                   generation="v1")
    with pytest.raises(CloudflareAPIError) as excinfo:
        client.upsert_mapping(ZONE_ID, "192.0.2.1", "aws", "nowhere", exists=False)
    assert excinfo.value.codes == [1157]
    transport.assert_done()


def test_v1_update_is_a_patch_and_picks_its_mapping_out_of_the_list():
    body = {"ip": "192.0.2.1", "vendor": "azure", "region": "westeurope"}
    listing = [v1_entry("192.0.2.2", "aws", "us-east-1"), v1_entry("192.0.2.1", "azure", "westeurope", "2026-05-05T05:05:05Z")]
    client, transport = client_for([Call("PATCH", V1, json=body, data=success(v1_setting(listing)))], generation="v1")
    mapping = client.upsert_mapping(ZONE_ID, "192.0.2.1", "azure", "westeurope", exists=True)
    assert mapping == {"origin_ip": "192.0.2.1", "vendor": "azure", "region": "westeurope", "modified_on": "2026-05-05T05:05:05Z"}
    transport.assert_done()


def test_v1_patch_answer_without_our_mapping_gives_what_was_sent():
    body = {"ip": "192.0.2.1", "vendor": "aws", "region": "us-east-1"}
    client, transport = client_for([Call("PATCH", V1, json=body, data=success(v1_setting([])))], generation="v1")
    assert client.upsert_mapping(ZONE_ID, "192.0.2.1", "aws", "us-east-1") == {
        "origin_ip": "192.0.2.1", "vendor": "aws", "region": "us-east-1", "modified_on": None}
    transport.assert_done()


@pytest.mark.parametrize("generation, base", [("v2", V2), ("v1", V1)])
def test_delete(generation, base):
    client, transport = client_for([Call("DELETE", base + "/2001:db8::1", data=success({"origin_ip": "2001:db8::1"}))],
                                   generation=generation)
    assert client.delete_mapping(ZONE_ID, "2001:db8::1") is True
    transport.assert_done()


@pytest.mark.parametrize("generation, base, code", [("v2", V2, 1142), ("v1", V1, 1163)])
def test_delete_missing_is_false(generation, base, code):
    client, transport = client_for([Call("DELETE", base + "/192.0.2.1", status=404, data=failure((code, "not found")))],
                                   generation=generation)
    assert client.delete_mapping(ZONE_ID, "192.0.2.1") is False
    transport.assert_done()


def test_delete_404_7003_raises():
    client, transport = client_for([Call("DELETE", V2 + "/192.0.2.1", status=404, data=failure((7003, "Could not route")))])
    with pytest.raises(CloudflareAPIError):
        client.delete_mapping(ZONE_ID, "192.0.2.1")
    transport.assert_done()


# -- errors -----------------------------------------------------------------------


def test_error_envelope_becomes_cloudflare_api_error():
    body = {"origin_ip": "192.0.2.1", "vendor": "aws", "region": "us-east-1"}
    client, transport = client_for([Call("PUT", V2 + "/192.0.2.1", json=body, status=403, data=failure(
        (1164, "Maximum number of IP mappings configured for zone."), (1157, "second problem")))])
    with pytest.raises(CloudflareAPIError) as excinfo:
        client.upsert_mapping(ZONE_ID, "192.0.2.1", "aws", "us-east-1")
    error = excinfo.value
    path = "/zones/%s/origin/cloud_regions/192.0.2.1" % ZONE_ID
    assert error.status == 403
    assert error.method == "PUT"
    assert error.path == path
    assert error.codes == [1164, 1157]
    assert str(error) == ("Cloudflare API PUT %s answered HTTP 403: [1164] Maximum number of IP mappings configured for zone.; "
                          "[1157] second problem" % path)
    assert error.to_result() == {"status": 403, "method": "PUT", "path": path, "errors": [
        {"code": 1164, "message": "Maximum number of IP mappings configured for zone."},
        {"code": 1157, "message": "second problem"}]}
    transport.assert_done()


def test_error_entries_keep_only_code_and_message():
    data = failure((1146, "mismatch"))
    data["errors"][0]["documentation_url"] = "https://developers.cloudflare.com/x"
    data["errors"].append("a bare string")
    client, transport = client_for([Call("GET", V2 + "/192.0.2.1", status=400, data=data)])
    with pytest.raises(CloudflareAPIError) as excinfo:
        client.get_mapping(ZONE_ID, "192.0.2.1")
    assert excinfo.value.errors == [{"code": 1146, "message": "mismatch"}, {"code": None, "message": "a bare string"}]
    assert excinfo.value.codes == [1146]
    transport.assert_done()


def test_non_json_error_body():
    client, transport = client_for([Call("GET", V2 + "/supported_regions", status=502, data=None,
                                         text="  <html>502 Bad Gateway</html>\n")])
    with pytest.raises(CloudflareAPIError) as excinfo:
        client.supported_regions(ZONE_ID)
    assert excinfo.value.codes == []
    assert excinfo.value.errors == []
    assert str(excinfo.value) == ("Cloudflare API GET /zones/%s/origin/cloud_regions/supported_regions answered HTTP 502: "
                                  "<html>502 Bad Gateway</html>" % ZONE_ID)
    transport.assert_done()


def test_long_non_json_error_body_is_cut():
    client, transport = client_for([Call("GET", V2 + "/supported_regions", status=500, data=None, text="x" * 1000)])
    with pytest.raises(CloudflareAPIError) as excinfo:
        client.supported_regions(ZONE_ID)
    assert str(excinfo.value).endswith(": " + "x" * 300)
    transport.assert_done()


def test_empty_error_body():
    client, transport = client_for([Call("DELETE", V2 + "/192.0.2.1", status=500, data=None, text="")])
    with pytest.raises(CloudflareAPIError) as excinfo:
        client.delete_mapping(ZONE_ID, "192.0.2.1")
    assert str(excinfo.value).endswith("answered HTTP 500: no error details in the answer")
    transport.assert_done()


def test_http_200_with_success_false_is_an_error():
    client, transport = client_for([Call("GET", V2 + "/192.0.2.1", status=200, data=failure((1140, "Internal error.")))])
    with pytest.raises(CloudflareAPIError) as excinfo:
        client.get_mapping(ZONE_ID, "192.0.2.1")
    assert (excinfo.value.status, excinfo.value.codes) == (200, [1140])
    transport.assert_done()


def test_http_200_without_json_is_an_unexpected_answer():
    client, transport = client_for([Call("GET", V2 + "/192.0.2.1", status=200, data=None, text="OK")])
    with pytest.raises(UnexpectedAnswerError) as excinfo:
        client.get_mapping(ZONE_ID, "192.0.2.1")
    path = "/zones/%s/origin/cloud_regions/192.0.2.1" % ZONE_ID
    assert str(excinfo.value) == "Cloudflare API GET %s answered HTTP 200 with an unusable answer: the body is not JSON ('OK')" % path
    assert excinfo.value.to_result() == {"status": 200, "method": "GET", "path": path, "errors": [],
                                         "problem": "the body is not JSON ('OK')"}
    assert not isinstance(excinfo.value, CloudflareAPIError)
    transport.assert_done()


def test_transport_error_passes_through():
    client, transport = client_for([Call("GET", V2 + "/192.0.2.1", raises=TransportError("GET x failed: refused"))])
    with pytest.raises(TransportError):
        client.get_mapping(ZONE_ID, "192.0.2.1")
    transport.assert_done()


# -- listing ----------------------------------------------------------------------


def test_v2_list_follows_three_pages():
    entries = [v2_entry(ipv4(n), "aws", "us-east-1") for n in range(250)]
    client, transport = client_for([
        Call("GET", V2, params={"page": 1, "per_page": 100}, data=success(entries[:100], page_info(1, 100, 100, 250, 3))),
        Call("GET", V2, params={"page": 2, "per_page": 100}, data=success(entries[100:200], page_info(2, 100, 100, 250, 3))),
        Call("GET", V2, params={"page": 3, "per_page": 100}, data=success(entries[200:], page_info(3, 100, 50, 250, 3))),
    ])
    mappings = client.list_mappings(ZONE_ID)
    assert [mapping["origin_ip"] for mapping in mappings] == [ipv4(n) for n in range(250)]
    assert mappings[0] == {"origin_ip": "10.0.0.0", "vendor": "aws", "region": "us-east-1", "modified_on": "2026-03-01T12:00:00Z"}
    transport.assert_done()
    assert client.requests_sent == 3


def test_v2_list_without_totals_stops_at_a_short_page():
    entries = [v2_entry(ipv4(n), "aws", "us-east-1") for n in range(101)]
    client, transport = client_for([
        Call("GET", V2, params={"page": 1, "per_page": 100}, data=success(entries[:100])),
        Call("GET", V2, params={"page": 2, "per_page": 100}, data=success(entries[100:], {"page": 2, "per_page": 100})),
    ])
    assert [m["origin_ip"] for m in client.list_mappings(ZONE_ID)] == [ipv4(n) for n in range(101)]
    transport.assert_done()


def test_v2_list_without_totals_a_short_first_page_is_the_only_one():
    client, transport = client_for([
        Call("GET", V2, params={"page": 1, "per_page": 100}, data=success([v2_entry("192.0.2.1", "aws", "us-east-1")])),
    ])
    assert [m["origin_ip"] for m in client.list_mappings(ZONE_ID)] == ["192.0.2.1"]
    transport.assert_done()


def test_v2_list_without_totals_stops_on_an_empty_page():
    entries = [v2_entry(ipv4(n), "aws", "us-east-1") for n in range(100)]
    client, transport = client_for([
        Call("GET", V2, params={"page": 1, "per_page": 100}, data=success(entries)),
        Call("GET", V2, params={"page": 2, "per_page": 100}, data=success([])),
    ])
    assert len(client.list_mappings(ZONE_ID)) == 100
    transport.assert_done()


def test_v2_list_of_an_empty_zone_is_one_request():
    client, transport = client_for([
        Call("GET", V2, params={"page": 1, "per_page": 100}, data=success([], page_info(1, 100, 0, 0, 0))),
    ])
    assert client.list_mappings(ZONE_ID) == []
    transport.assert_done()


def test_v2_list_single_full_page_stops_at_total_pages():
    entries = [v2_entry(ipv4(n), "aws", "us-east-1") for n in range(100)]
    client, transport = client_for([
        Call("GET", V2, params={"page": 1, "per_page": 100}, data=success(entries, page_info(1, 100, 100, 100, 1))),
    ])
    assert len(client.list_mappings(ZONE_ID)) == 100
    transport.assert_done()


def test_v2_list_normalizes_answers():
    client, transport = client_for([
        Call("GET", V2, params={"page": 1, "per_page": 100},
             data=success([v2_entry("2001:DB8:0::1", "aws", "us-east-1")], page_info(1, 100, 1, 1, 1))),
    ])
    assert client.list_mappings(ZONE_ID)[0]["origin_ip"] == "2001:db8::1"
    transport.assert_done()


def test_v2_list_error_on_a_later_page_raises():
    client, transport = client_for([
        Call("GET", V2, params={"page": 1, "per_page": 100},
             data=success([v2_entry(ipv4(n), "aws", "us-east-1") for n in range(100)], page_info(1, 100, 100, 150, 2))),
        Call("GET", V2, params={"page": 2, "per_page": 100}, status=429, data=failure((971, "rate limited"))),
    ])
    with pytest.raises(CloudflareAPIError) as excinfo:
        client.list_mappings(ZONE_ID)
    assert excinfo.value.status == 429
    transport.assert_done()


def test_v1_list_is_one_unpaged_request_and_unwrapped():
    listing = [v1_entry("192.0.2.1", "aws", "us-east-1"), v1_entry("2001:DB8::5", "gcp", "us-central1", None)]
    client, transport = client_for([Call("GET", V1, params=None, data=success(v1_setting(listing)))], generation="v1")
    assert client.list_mappings(ZONE_ID) == [
        {"origin_ip": "192.0.2.1", "vendor": "aws", "region": "us-east-1", "modified_on": "2026-03-01T12:00:00Z"},
        {"origin_ip": "2001:db8::5", "vendor": "gcp", "region": "us-central1", "modified_on": None},
    ]
    transport.assert_done()


def test_v1_list_of_an_empty_zone():
    client, transport = client_for([Call("GET", V1, data=success(v1_setting([], modified_on=None)))], generation="v1")
    assert client.list_mappings(ZONE_ID) == []
    transport.assert_done()


# -- batches -----------------------------------------------------------------------


def test_chunks():
    assert [len(chunk) for chunk in chunks(list(range(250)))] == [100, 100, 50]
    assert list(chunks([])) == []
    assert [len(chunk) for chunk in chunks(list(range(200)))] == [100, 100]


def _v2_bodies(items):
    return [{"origin_ip": ip, "vendor": vendor, "region": region} for ip, vendor, region in items]


def test_v2_batch_upsert_of_100_is_one_put():
    items = [(ipv4(n), "aws", "us-east-1") for n in range(100)]
    bodies = _v2_bodies(items)
    client, transport = client_for([Call("PUT", V2 + "/batch", json=bodies, data=success({"succeeded": bodies, "failed": []}))])
    result = client.batch_upsert(ZONE_ID, [{"origin_ip": ip, "vendor": vendor, "region": region} for ip, vendor, region in items])
    assert isinstance(result, BatchResult)
    # succeeded are canonical IPs
    assert result.succeeded == [ipv4(n) for n in range(100)]
    assert result.failed == []
    transport.assert_done()
    assert client.requests_sent == 1


@pytest.mark.parametrize("call", [
    lambda client: client.batch_upsert(ZONE_ID, [{"origin_ip": ipv4(n), "vendor": "aws", "region": "us-east-1"} for n in range(101)]),
    lambda client: client.batch_delete(ZONE_ID, [ipv4(n) for n in range(101)]),
], ids=["upsert", "delete"])
def test_a_batch_of_more_than_100_is_refused_without_a_request(call):
    client, transport = client_for([])
    with pytest.raises(ValueError) as excinfo:
        call(client)
    assert str(excinfo.value) == "a batch holds at most 100 items, got 101"
    transport.assert_done()
    assert client.requests_sent == 0


def test_chunks_feed_batches_of_at_most_100():
    # the batch module loops over chunks(); each chunk is one batch request
    items = [{"origin_ip": ipv4(n), "vendor": "aws", "region": "us-east-1"} for n in range(250)]
    bodies = _v2_bodies([(item["origin_ip"], "aws", "us-east-1") for item in items])
    client, transport = client_for([Call("PUT", V2 + "/batch", json=bodies[start:start + size],
                                         data=success({"succeeded": bodies[start:start + size], "failed": []}))
                                    for start, size in ((0, 100), (100, 100), (200, 50))])
    succeeded = []
    for chunk in chunks(items):
        succeeded.extend(client.batch_upsert(ZONE_ID, chunk).succeeded)
    assert succeeded == [ipv4(n) for n in range(250)]
    transport.assert_done()


def test_batch_collects_failed_items():
    bodies = _v2_bodies([("192.0.2.1", "aws", "us-east-1"), ("2001:db8::1", "aws", "us-east-9"), ("192.0.2.3", "gcp", "nowhere")])
    answer = {"succeeded": [bodies[0]], "failed": [
        {"origin_ip": "2001:DB8::1", "error": "region 'us-east-9' does not exist for vendor 'aws'"},
        {"origin_ip": "192.0.2.3"},
    ]}
    client, transport = client_for([Call("PUT", V2 + "/batch", json=bodies, data=success(answer))])
    result = client.batch_upsert(ZONE_ID, bodies)
    assert result.succeeded == ["192.0.2.1"]
    assert result.failed == [
        {"origin_ip": "2001:db8::1", "error": "region 'us-east-9' does not exist for vendor 'aws'"},
        {"origin_ip": "192.0.2.3", "error": "unknown error"},
    ]
    transport.assert_done()


def test_batch_answer_ips_are_canonical_and_odd_items_are_skipped():
    answer = {"succeeded": [{"origin_ip": "2001:0DB8::0001"}, "192.0.2.9", None], "failed": [42, {"origin_ip": "192.0.2.8", "error": ""}]}
    client, transport = client_for([Call("DELETE", V2 + "/batch", json=["2001:db8::1", "192.0.2.8"], data=success(answer))])
    result = client.batch_delete(ZONE_ID, ["2001:db8::1", "192.0.2.8"])
    assert result.succeeded == ["2001:db8::1"]
    assert result.failed == [{"origin_ip": "192.0.2.8", "error": "unknown error"}]
    transport.assert_done()


def test_batch_403_1164_raises_without_a_partial_result():
    # What chunks were applied before is the batch module's to report (see its tests): the client
    # sends one request and either answers for it or raises.
    bodies = _v2_bodies([(ipv4(n), "gcp", "us-central1") for n in range(100)])
    client, transport = client_for([
        Call("PUT", V2 + "/batch", json=bodies, status=403, data=failure((1164, "Maximum number of IP mappings configured for zone."))),
    ])
    with pytest.raises(CloudflareAPIError) as excinfo:
        client.batch_upsert(ZONE_ID, bodies)
    error = excinfo.value
    assert (error.status, error.codes, error.method) == (403, [1164], "PUT")
    assert error.path == "/zones/%s/origin/cloud_regions/batch" % ZONE_ID
    assert not hasattr(error, "partial")
    transport.assert_done()


def test_batch_500_raises_without_a_partial_result():
    bodies = _v2_bodies([("192.0.2.1", "aws", "us-east-1")])
    client, transport = client_for([Call("PUT", V2 + "/batch", json=bodies, status=500, data=failure((1140, "Internal error.")))])
    with pytest.raises(CloudflareAPIError) as excinfo:
        client.batch_upsert(ZONE_ID, bodies)
    assert excinfo.value.status == 500
    assert not hasattr(excinfo.value, "partial")
    transport.assert_done()


def test_v2_batch_delete_sends_ip_strings():
    ips = [ipv4(n) for n in range(100)]
    client, transport = client_for([
        Call("DELETE", V2 + "/batch", json=ips,
             data=success({"succeeded": [{"origin_ip": ip} for ip in ips[:99]],
                           "failed": [{"origin_ip": ips[99], "error": "not found"}]})),
    ])
    result = client.batch_delete(ZONE_ID, iter(ips))
    assert result.succeeded == ips[:99]
    assert result.failed == [{"origin_ip": ips[99], "error": "not found"}]
    transport.assert_done()


def test_v1_batch_upsert_is_a_patch_with_ip_keys_and_wrapped_answer():
    wanted = [{"origin_ip": "192.0.2.1", "vendor": "aws", "region": "us-east-1"},
              {"origin_ip": "2001:db8::1", "vendor": "gcp", "region": "nowhere"}]
    answer = v1_setting({"succeeded": [{"origin-ip": "192.0.2.1", "vendor": "aws", "region": "us-east-1"}],
                         "failed": [{"origin-ip": "2001:db8::1", "error": "bad region"}]})
    client, transport = client_for([Call("PATCH", V1 + "/batch", json=[
        {"ip": "192.0.2.1", "vendor": "aws", "region": "us-east-1"},
        {"ip": "2001:db8::1", "vendor": "gcp", "region": "nowhere"},
    ], data=success(answer))], generation="v1")
    result = client.batch_upsert(ZONE_ID, wanted)
    assert result.succeeded == ["192.0.2.1"]
    assert result.failed == [{"origin_ip": "2001:db8::1", "error": "bad region"}]
    transport.assert_done()


def test_v1_batch_delete_unwrapped_answer():
    client, transport = client_for([Call("DELETE", V1 + "/batch", json=["192.0.2.1"],
                                         data=success({"succeeded": [{"origin-ip": "192.0.2.1"}], "failed": []}))],
                                   generation="v1")
    result = client.batch_delete(ZONE_ID, ["192.0.2.1"])
    assert result.succeeded == ["192.0.2.1"]
    transport.assert_done()


def test_nothing_to_write_is_no_chunk():
    # The module sends a batch per chunk; an empty plan has none (see test_origin_cloud_regions).
    assert list(chunks([])) == []


@pytest.mark.parametrize("result", [
    {}, None, [], "ok", {"succeeded": []}, {"failed": []}, {"succeeded": None, "failed": []}, {"succeeded": [], "failed": {}},
])
def test_batch_answer_of_the_wrong_shape_is_an_unexpected_answer(result):
    bodies = _v2_bodies([("192.0.2.1", "aws", "us-east-1")])
    client, transport = client_for([Call("PUT", V2 + "/batch", json=bodies, data=success(result))])
    with pytest.raises(UnexpectedAnswerError) as excinfo:
        client.batch_upsert(ZONE_ID, bodies)
    assert excinfo.value.method == "PUT"
    assert excinfo.value.path == "/zones/%s/origin/cloud_regions/batch" % ZONE_ID
    assert excinfo.value.problem.startswith("result should be {succeeded: [...], failed: [...]}, got ")
    transport.assert_done()


# -- catalogue and zones -------------------------------------------------------------


@pytest.mark.parametrize("generation, base", [("v2", V2), ("v1", V1)])
def test_supported_regions(generation, base):
    client, transport = client_for([Call("GET", base + "/supported_regions", data=success(SUPPORTED_REGIONS))], generation=generation)
    assert client.supported_regions(ZONE_ID) == SUPPORTED_REGIONS
    transport.assert_done()


def test_supported_regions_shape_is_fixed():
    client, transport = client_for([Call("GET", V2 + "/supported_regions", data=success({"extra": 1, "obtained_codes": 0, "vendors": {}}))])
    assert client.supported_regions(ZONE_ID) == {"obtained_codes": False, "vendors": {}}
    transport.assert_done()


@pytest.mark.parametrize("result", [None, {}, {"extra": 1, "obtained_codes": 0}, {"vendors": []}, {"vendors": None}, []])
def test_supported_regions_of_the_wrong_shape_is_an_unexpected_answer(result):
    client, transport = client_for([Call("GET", V2 + "/supported_regions", data=success(result))])
    with pytest.raises(UnexpectedAnswerError) as excinfo:
        client.supported_regions(ZONE_ID)
    assert excinfo.value.problem.startswith("result should be {obtained_codes, vendors: {...}}, got ")
    assert excinfo.value.path == "/zones/%s/origin/cloud_regions/supported_regions" % ZONE_ID
    transport.assert_done()


ZONES = BASE_URL + "/zones"


def test_resolve_zone_id_one_match():
    client, transport = client_for([Call("GET", ZONES, params={"name": "example.com"},
                                         data=success([{"id": ZONE_ID, "name": "example.com"}]))])
    assert client.resolve_zone_id("example.com") == ZONE_ID
    transport.assert_done()


@pytest.mark.parametrize("name", ["Example.COM", "Example.COM.", "EXAMPLE.COM"])
def test_resolve_zone_id_looks_up_the_lower_case_name_and_ignores_other_names(name):
    client, transport = client_for([Call("GET", ZONES, params={"name": "example.com"}, data=success([
        {"id": "other", "name": "sub.example.com"}, {"id": ZONE_ID, "name": "Example.com"}]))])
    assert client.resolve_zone_id(name) == ZONE_ID
    transport.assert_done()


@pytest.mark.parametrize("result", [None, {}, {"id": ZONE_ID, "name": "example.com"}, "example.com"])
def test_resolve_zone_id_answer_that_is_not_a_list_is_an_unexpected_answer(result):
    client, transport = client_for([Call("GET", ZONES, params={"name": "example.com"}, data=success(result))])
    with pytest.raises(UnexpectedAnswerError) as excinfo:
        client.resolve_zone_id("example.com")
    assert excinfo.value.path == "/zones"
    assert excinfo.value.problem.startswith("result should be a list of zones, got ")
    transport.assert_done()


def test_resolve_zone_id_skips_entries_that_are_not_zones():
    client, transport = client_for([Call("GET", ZONES, params={"name": "example.com"}, data=success([
        "example.com", None, {"id": ZONE_ID, "name": "example.com"}]))])
    assert client.resolve_zone_id("example.com") == ZONE_ID
    transport.assert_done()


def test_resolve_zone_id_fully_qualified_name_is_looked_up_without_the_dot():
    client, transport = client_for([Call("GET", ZONES, params={"name": "example.com"},
                                         data=success([{"id": ZONE_ID, "name": "example.com"}]))])
    assert client.resolve_zone_id("example.com.") == ZONE_ID
    transport.assert_done()


def test_resolve_zone_id_none():
    client, transport = client_for([Call("GET", ZONES, params={"name": "example.org"}, data=success([]))])
    with pytest.raises(ValueError) as excinfo:
        client.resolve_zone_id("example.org")
    assert str(excinfo.value) == "no zone named 'example.org' is visible with these credentials"
    transport.assert_done()


def test_resolve_zone_id_several():
    client, transport = client_for([Call("GET", ZONES, params={"name": "example.com"}, data=success([
        {"id": "bbb", "name": "example.com"}, {"id": "aaa", "name": "example.com"}]))])
    with pytest.raises(ValueError) as excinfo:
        client.resolve_zone_id("example.com")
    assert str(excinfo.value) == "2 zones are named 'example.com' (ids aaa, bbb); give zone_id instead"
    transport.assert_done()


def test_resolve_zone_id_api_error_raises():
    client, transport = client_for([Call("GET", ZONES, params={"name": "example.com"}, status=403,
                                         data=failure((9109, "Unauthorized to access requested resource")))])
    with pytest.raises(CloudflareAPIError) as excinfo:
        client.resolve_zone_id("example.com")
    assert excinfo.value.path == "/zones"
    transport.assert_done()


# -- the fake itself: a test that sends the wrong call must fail -----------------------


def test_fake_transport_rejects_a_wrong_call_and_a_missing_call():
    client, transport = client_for([Call("GET", V2 + "/192.0.2.1", data=success(v2_entry("192.0.2.1", "aws", "r")))])
    with pytest.raises(AssertionError):
        client.get_mapping(ZONE_ID, "192.0.2.2")
    with pytest.raises(AssertionError):
        transport.assert_done()
    client, transport = client_for([Call("GET", V2 + "/192.0.2.1", data=success(v2_entry("192.0.2.1", "aws", "r")))])
    with pytest.raises(AssertionError) as excinfo:
        transport.assert_done()
    assert "1 expected call(s) never sent" in str(excinfo.value)
    client, transport = client_for([])
    with pytest.raises(AssertionError) as excinfo:
        client.get_mapping(ZONE_ID, "192.0.2.1")
    assert "unexpected request #1" in str(excinfo.value)


# -- 2xx answers that are not what the API documents: UnexpectedAnswerError ---------------------

ITEM_PATH = "/zones/%s/origin/cloud_regions/192.0.2.1" % ZONE_ID


@pytest.mark.parametrize("data, text, problem", [
    (None, "", "the body is not JSON ('empty')"),
    (None, "   ", "the body is not JSON ('empty')"),
    (None, "<html>Welcome to nginx</html>", "the body is not JSON ('<html>Welcome to nginx</html>')"),
    ([v2_entry("192.0.2.1", "aws", "us-east-1")], "", "the body is not a JSON object"),
    ("ok", "", "the body is not a JSON object"),
    (42, "", "the body is not a JSON object"),
    ({}, "", "no 'success' and no 'result' in the envelope"),
    ({"errors": [], "messages": []}, "", "no 'success' and no 'result' in the envelope"),
])
def test_2xx_body_that_is_not_an_envelope(data, text, problem):
    client, transport = client_for([Call("GET", V2 + "/192.0.2.1", status=200, data=data, text=text)])
    with pytest.raises(UnexpectedAnswerError) as excinfo:
        client.get_mapping(ZONE_ID, "192.0.2.1")
    assert excinfo.value.problem == problem
    assert excinfo.value.to_result() == {"status": 200, "method": "GET", "path": ITEM_PATH, "errors": [], "problem": problem}
    assert str(excinfo.value) == "Cloudflare API GET %s answered HTTP 200 with an unusable answer: %s" % (ITEM_PATH, problem)
    transport.assert_done()


def test_long_non_json_2xx_body_is_cut_in_the_problem():
    client, transport = client_for([Call("GET", V2 + "/192.0.2.1", status=200, data=None, text="y" * 500)])
    with pytest.raises(UnexpectedAnswerError) as excinfo:
        client.get_mapping(ZONE_ID, "192.0.2.1")
    assert len(excinfo.value.problem) < 200
    transport.assert_done()


@pytest.mark.parametrize("status", [201, 204, 299])
def test_any_2xx_status_is_checked(status):
    client, transport = client_for([Call("DELETE", V2 + "/192.0.2.1", status=status, data=None, text="")])
    with pytest.raises(UnexpectedAnswerError) as excinfo:
        client.delete_mapping(ZONE_ID, "192.0.2.1")
    assert excinfo.value.status == status
    transport.assert_done()


def test_envelope_without_success_but_with_a_result_is_accepted():
    client, transport = client_for([Call("GET", V2 + "/192.0.2.1", data={"result": v2_entry("192.0.2.1", "aws", "us-east-1")})])
    assert client.get_mapping(ZONE_ID, "192.0.2.1")["region"] == "us-east-1"
    transport.assert_done()


def test_success_false_on_a_2xx_is_a_cloudflare_error_not_an_unexpected_answer():
    client, transport = client_for([Call("GET", V2 + "/192.0.2.1", status=200, data=failure((1140, "Internal error.")))])
    with pytest.raises(CloudflareAPIError):
        client.get_mapping(ZONE_ID, "192.0.2.1")
    transport.assert_done()


BAD_ENTRIES = [
    None,
    {},
    [],
    "192.0.2.1",
    {"origin_ip": "192.0.2.1", "vendor": "aws"},
    {"origin_ip": "192.0.2.1", "region": "us-east-1"},
    {"vendor": "aws", "region": "us-east-1"},
    {"origin_ip": None, "vendor": "aws", "region": "us-east-1"},
    {"origin_ip": "192.0.2.1", "vendor": 1, "region": "us-east-1"},
    {"origin_ip": "192.0.2.1", "vendor": "aws", "region": ["us-east-1"]},
]


@pytest.mark.parametrize("entry", BAD_ENTRIES)
def test_single_get_result_of_the_wrong_shape(entry):
    client, transport = client_for([Call("GET", V2 + "/192.0.2.1", data=success(entry))])
    with pytest.raises(UnexpectedAnswerError) as excinfo:
        client.get_mapping(ZONE_ID, "192.0.2.1")
    assert excinfo.value.method == "GET"
    assert excinfo.value.problem.startswith("result should be a mapping with origin_ip, vendor and region, got ")
    transport.assert_done()


def test_single_get_result_null_names_the_problem():
    client, transport = client_for([Call("GET", V2 + "/192.0.2.1", data=success(None))])
    with pytest.raises(UnexpectedAnswerError) as excinfo:
        client.get_mapping(ZONE_ID, "192.0.2.1")
    assert str(excinfo.value) == ("Cloudflare API GET %s answered HTTP 200 with an unusable answer: result should be a mapping "
                                  "with origin_ip, vendor and region, got None" % ITEM_PATH)
    transport.assert_done()


@pytest.mark.parametrize("entry", BAD_ENTRIES)
def test_single_put_result_of_the_wrong_shape(entry):
    body = {"origin_ip": "192.0.2.1", "vendor": "aws", "region": "us-east-1"}
    client, transport = client_for([Call("PUT", V2 + "/192.0.2.1", json=body, data=success(entry))])
    with pytest.raises(UnexpectedAnswerError) as excinfo:
        client.upsert_mapping(ZONE_ID, "192.0.2.1", "aws", "us-east-1")
    assert excinfo.value.method == "PUT"
    assert excinfo.value.path == ITEM_PATH
    assert excinfo.value.problem.startswith("result should be a mapping with origin_ip, vendor and region, got ")
    transport.assert_done()


@pytest.mark.parametrize("result", [None, {}, v1_setting(None), v1_setting({"ip": "192.0.2.1", "vendor": "aws", "region": "us-east-1"})])
def test_v1_post_result_of_the_wrong_shape(result):
    body = {"ip": "192.0.2.1", "vendor": "aws", "region": "us-east-1"}
    client, transport = client_for([Call("POST", V1, json=body, data=success(result))], generation="v1")
    with pytest.raises(UnexpectedAnswerError) as excinfo:
        client.upsert_mapping(ZONE_ID, "192.0.2.1", "aws", "us-east-1", exists=False)
    assert excinfo.value.method == "POST"
    # v1 answers spell the IP "origin-ip"
    assert excinfo.value.problem.startswith("result should be a mapping with origin-ip, vendor and region, got ")
    transport.assert_done()


@pytest.mark.parametrize("result, problem", [
    (v1_setting(None), "result should be the zone's list of mappings, got None"),
    (v1_setting(v1_entry("192.0.2.1", "aws", "us-east-1")), "result should be the zone's list of mappings, got "),
    (None, "result should be the zone's list of mappings, got None"),
    (v1_setting([{"origin-ip": "192.0.2.1"}]), "result should be a mapping with origin-ip, vendor and region, got "),
    (v1_setting([None]), "result should be a mapping with origin-ip, vendor and region, got None"),
])
def test_v1_patch_result_of_the_wrong_shape(result, problem):
    body = {"ip": "192.0.2.1", "vendor": "aws", "region": "us-east-1"}
    client, transport = client_for([Call("PATCH", V1, json=body, data=success(result))], generation="v1")
    with pytest.raises(UnexpectedAnswerError) as excinfo:
        client.upsert_mapping(ZONE_ID, "192.0.2.1", "aws", "us-east-1", exists=True)
    assert excinfo.value.method == "PATCH"
    assert excinfo.value.problem.startswith(problem)
    transport.assert_done()


@pytest.mark.parametrize("result", [None, {}, "x", {"origin_ip": "192.0.2.1"}])
def test_v2_list_page_that_is_not_a_list(result):
    client, transport = client_for([Call("GET", V2, params={"page": 1, "per_page": 100}, data=success(result, page_info(1, 100, 0, 0, 0)))])
    with pytest.raises(UnexpectedAnswerError) as excinfo:
        client.list_mappings(ZONE_ID)
    assert excinfo.value.problem.startswith("result of page 1 should be a list, got ")
    transport.assert_done()


def test_v2_list_entry_of_the_wrong_shape():
    client, transport = client_for([Call("GET", V2, params={"page": 1, "per_page": 100},
                                         data=success([v2_entry("192.0.2.1", "aws", "us-east-1"), {"origin_ip": "192.0.2.2"}],
                                                      page_info(1, 100, 2, 2, 1)))])
    with pytest.raises(UnexpectedAnswerError) as excinfo:
        client.list_mappings(ZONE_ID)
    assert excinfo.value.problem.startswith("result should be a mapping with origin_ip, vendor and region, got ")
    transport.assert_done()


@pytest.mark.parametrize("result", [v1_setting({"origin-ip": "192.0.2.1"}), v1_setting("x"), {"a": 1}])
def test_v1_list_that_is_not_a_list(result):
    client, transport = client_for([Call("GET", V1, data=success(result))], generation="v1")
    with pytest.raises(UnexpectedAnswerError) as excinfo:
        client.list_mappings(ZONE_ID)
    assert excinfo.value.problem.startswith("result should be a list of mappings, got ")
    transport.assert_done()


def test_v1_list_without_a_result_is_an_empty_zone():
    client, transport = client_for([Call("GET", V1, data=success(None))], generation="v1")
    assert client.list_mappings(ZONE_ID) == []
    transport.assert_done()


# -- the v2 listing is checked for completeness: IncompleteListingError ---------------------------


def page(number, entries, info):
    return Call("GET", V2, params={"page": number, "per_page": 100}, data=success(entries, info))


def entries_for(start, stop):
    return [v2_entry(ipv4(n), "aws", "us-east-1") for n in range(start, stop)]


def incomplete(calls):
    client, transport = client_for(calls)
    with pytest.raises(IncompleteListingError) as excinfo:
        client.list_mappings(ZONE_ID)
    transport.assert_done()
    message = str(excinfo.value)
    assert message.startswith("the listing of zone %s is incomplete or inconsistent (" % ZONE_ID)
    assert message.endswith("nothing was planned on it. Run again; if it persists, the API or a proxy in between is not "
                            "answering pages correctly")
    return message


def test_count_that_disagrees_with_the_page():
    message = incomplete([page(1, entries_for(0, 99), page_info(1, 100, 100, 250, 3))])
    assert "(page 1 holds 99 mappings but its result_info.count says 100)" in message


def test_count_that_disagrees_with_a_later_page():
    message = incomplete([
        page(1, entries_for(0, 100), page_info(1, 100, 100, 150, 2)),
        page(2, entries_for(100, 150), page_info(2, 100, 40, 150, 2)),
    ])
    assert "page 2 holds 50 mappings but its result_info.count says 40" in message


def test_a_page_that_repeats_an_earlier_page():
    # a server (or cache) that ignores "page" answers page 1 again
    message = incomplete([
        page(1, entries_for(0, 100), page_info(1, 100, 100, 250, 3)),
        page(2, entries_for(0, 100), page_info(2, 100, 100, 250, 3)),
    ])
    assert "page 2 repeats 100 mapping(s) of earlier pages (first: 10.0.0.0)" in message


def test_a_page_that_repeats_one_ip_of_an_earlier_page():
    message = incomplete([
        page(1, entries_for(0, 100), page_info(1, 100, 100, 200, 2)),
        page(2, entries_for(100, 199) + entries_for(42, 43), page_info(2, 100, 100, 200, 2)),
    ])
    assert "page 2 repeats 1 mapping(s) of earlier pages (first: %s)" % ipv4(42) in message


def test_a_page_that_lists_one_ip_twice():
    message = incomplete([page(1, entries_for(0, 2) + entries_for(1, 2), page_info(1, 100, 3, 3, 1))])
    assert "page 1 lists one IP twice" in message


def test_one_ip_twice_in_two_spellings():
    entries = [v2_entry("2001:db8::1", "aws", "us-east-1"), v2_entry("2001:DB8:0::1", "gcp", "us-central1")]
    message = incomplete([page(1, entries, page_info(1, 100, 2, 2, 1))])
    assert "page 1 lists one IP twice" in message


@pytest.mark.parametrize("key, second_info", [
    ("total_count", page_info(2, 100, 100, 251, 3)),
    ("total_pages", page_info(2, 100, 100, 250, 4)),
])
def test_totals_that_change_between_pages(key, second_info):
    message = incomplete([
        page(1, entries_for(0, 100), page_info(1, 100, 100, 250, 3)),
        page(2, entries_for(100, 200), second_info),
    ])
    first, now = (250, 251) if key == "total_count" else (3, 4)
    assert ("result_info.%s changed from %d on page 1 to %d on page 2; the zone changed while it was read" % (key, first, now)) in message


@pytest.mark.parametrize("count", [0, 1, 99])
def test_a_page_before_the_last_that_is_not_full(count):
    message = incomplete([
        page(1, entries_for(0, 100), page_info(1, 100, 100, 250, 3)),
        page(2, entries_for(100, 100 + count), page_info(2, 100, count, 250, 3)),
    ])
    assert "page 2 of 3 holds %d mapping(s), not a full page of 100" % count in message


def test_an_empty_first_page_of_a_zone_said_to_hold_mappings():
    message = incomplete([page(1, [], page_info(1, 100, 0, 250, 3))])
    assert "page 1 of 3 holds 0 mapping(s), not a full page of 100" in message


def test_fewer_mappings_than_total_count():
    # every page is consistent on its own, but the pages hold 140 of the announced 150
    message = incomplete([
        page(1, entries_for(0, 100), page_info(1, 100, 100, 150, 2)),
        page(2, entries_for(100, 140), page_info(2, 100, 40, 150, 2)),
    ])
    assert "140 mapping(s) on 2 page(s), but result_info.total_count says 150" in message


def test_more_mappings_than_total_count():
    message = incomplete([page(1, entries_for(0, 5), page_info(1, 100, 5, 3, 1))])
    assert "5 mapping(s) on 1 page(s), but result_info.total_count says 3" in message


def test_total_pages_too_small_for_total_count():
    # "1 page" of 250 mappings: the listing stops after page 1 and does not add up
    message = incomplete([page(1, entries_for(0, 100), page_info(1, 100, 100, 250, 1))])
    assert "100 mapping(s) on 1 page(s), but result_info.total_count says 250" in message


def test_server_that_ignores_page_and_announces_nothing_stops_at_a_bound():
    # every answer is a full page of new IPs and no totals: stop after 36 pages, never loop on
    calls = [page(number, entries_for((number - 1) * 100, number * 100), {"page": 1, "per_page": 100})
             for number in range(1, MAX_PAGES_UNANNOUNCED + 1)]
    client, transport = client_for(calls)
    with pytest.raises(IncompleteListingError) as excinfo:
        client.list_mappings(ZONE_ID)
    assert "the server announces no total_pages or total_count and still answers full pages after 36 pages" in str(excinfo.value)
    transport.assert_done()
    assert client.requests_sent == 36


def test_server_that_answers_page_1_every_time_without_totals_is_caught_at_page_2():
    message = incomplete([
        page(1, entries_for(0, 100), {"page": 1, "per_page": 100}),
        page(2, entries_for(0, 100), {"page": 1, "per_page": 100}),
    ])
    assert "page 2 repeats 100 mapping(s) of earlier pages" in message


def test_only_total_count_announced_decides_the_pages():
    entries = entries_for(0, 150)
    client, transport = client_for([
        page(1, entries[:100], {"page": 1, "per_page": 100, "count": 100, "total_count": 150}),
        page(2, entries[100:], {"page": 2, "per_page": 100, "count": 50, "total_count": 150}),
    ])
    assert len(client.list_mappings(ZONE_ID)) == 150
    transport.assert_done()


def test_only_total_pages_announced_decides_the_pages():
    entries = entries_for(0, 150)
    client, transport = client_for([
        page(1, entries[:100], {"page": 1, "per_page": 100, "total_pages": 2}),
        page(2, entries[100:], {"page": 2, "per_page": 100, "total_pages": 2}),
    ])
    assert len(client.list_mappings(ZONE_ID)) == 150
    transport.assert_done()


def test_a_smaller_per_page_of_the_server_is_followed():
    entries = entries_for(0, 120)
    client, transport = client_for([
        page(1, entries[:50], page_info(1, 50, 50, 120, 3)),
        page(2, entries[50:100], page_info(2, 50, 50, 120, 3)),
        page(3, entries[100:], page_info(3, 50, 20, 120, 3)),
    ])
    assert [m["origin_ip"] for m in client.list_mappings(ZONE_ID)] == [ipv4(n) for n in range(120)]
    transport.assert_done()


def test_a_full_zone_of_3500_is_35_pages():
    entries = entries_for(0, 3500)
    client, transport = client_for([page(number, entries[(number - 1) * 100:number * 100], page_info(number, 100, 100, 3500, 35))
                                    for number in range(1, 36)])
    assert len(client.list_mappings(ZONE_ID)) == 3500
    transport.assert_done()


@pytest.mark.parametrize("key, value", [
    ("count", "100"), ("count", -1), ("count", True), ("count", 1.5),
    ("total_count", "250"), ("total_pages", -3), ("per_page", "100"),
])
def test_result_info_that_is_not_a_count(key, value):
    info = page_info(1, 100, 100, 250, 3)
    info[key] = value
    client, transport = client_for([page(1, entries_for(0, 100), info)])
    with pytest.raises(IncompleteListingError) as excinfo:
        client.list_mappings(ZONE_ID)
    assert str(excinfo.value) == "result_info.%s is not a count: %r" % (key, value)
    transport.assert_done()


def test_result_info_that_is_not_an_object_counts_as_absent():
    client, transport = client_for([page(1, entries_for(0, 3), ["not", "an", "object"])])
    assert len(client.list_mappings(ZONE_ID)) == 3
    transport.assert_done()
