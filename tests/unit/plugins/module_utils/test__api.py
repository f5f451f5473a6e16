# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""OriginCloudRegionsClient against FakeTransport: every request is declared exactly."""

from __future__ import annotations

import pytest

from ansible_collections.edgeops.cloudflare.plugins.module_utils._api import (
    BATCH_LIMIT,
    PER_PAGE,
    CloudflareAPIError,
    OriginCloudRegionsClient,
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


def test_http_200_without_json_is_an_error():
    client, transport = client_for([Call("GET", V2 + "/192.0.2.1", status=200, data=None, text="OK")])
    with pytest.raises(CloudflareAPIError) as excinfo:
        client.get_mapping(ZONE_ID, "192.0.2.1")
    assert str(excinfo.value).endswith("answered HTTP 200: OK")
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


def test_v2_list_stops_on_an_empty_page_when_total_pages_is_missing():
    client, transport = client_for([
        Call("GET", V2, params={"page": 1, "per_page": 100}, data=success([v2_entry("192.0.2.1", "aws", "us-east-1")])),
        Call("GET", V2, params={"page": 2, "per_page": 100},
             data=success([v2_entry("192.0.2.2", "gcp", "us-central1")], {"page": 2, "per_page": 100})),
        Call("GET", V2, params={"page": 3, "per_page": 100}, data=success([])),
    ])
    assert [m["origin_ip"] for m in client.list_mappings(ZONE_ID)] == ["192.0.2.1", "192.0.2.2"]
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


def test_v2_batch_upsert_250_is_three_puts_of_100_100_50():
    items = [(ipv4(n), "aws", "us-east-1") for n in range(250)]
    bodies = _v2_bodies(items)
    calls = [Call("PUT", V2 + "/batch", json=bodies[start:start + size],
                  data=success({"succeeded": bodies[start:start + size], "failed": []}))
             for start, size in ((0, 100), (100, 100), (200, 50))]
    client, transport = client_for(calls)
    result = client.batch_upsert(ZONE_ID, [{"origin_ip": ip, "vendor": vendor, "region": region} for ip, vendor, region in items])
    assert [m["origin_ip"] for m in result.succeeded] == [ipv4(n) for n in range(250)]
    assert result.succeeded[0] == {"origin_ip": "10.0.0.0", "vendor": "aws", "region": "us-east-1", "modified_on": None}
    assert result.failed == []
    transport.assert_done()
    assert client.requests_sent == 3


def test_batch_collects_failed_items():
    bodies = _v2_bodies([("192.0.2.1", "aws", "us-east-1"), ("2001:db8::1", "aws", "us-east-9"), ("192.0.2.3", "gcp", "nowhere")])
    answer = {"succeeded": [bodies[0]], "failed": [
        {"origin_ip": "2001:DB8::1", "error": "region 'us-east-9' does not exist for vendor 'aws'"},
        {"origin_ip": "192.0.2.3"},
    ]}
    client, transport = client_for([Call("PUT", V2 + "/batch", json=bodies, data=success(answer))])
    result = client.batch_upsert(ZONE_ID, bodies)
    assert [m["origin_ip"] for m in result.succeeded] == ["192.0.2.1"]
    assert result.failed == [
        {"origin_ip": "2001:db8::1", "error": "region 'us-east-9' does not exist for vendor 'aws'"},
        {"origin_ip": "192.0.2.3", "error": "unknown error"},
    ]
    transport.assert_done()


def test_batch_partial_result_on_a_mid_way_403_1164():
    items = [(ipv4(n), "gcp", "us-central1") for n in range(250)]
    bodies = _v2_bodies(items)
    client, transport = client_for([
        Call("PUT", V2 + "/batch", json=bodies[:100], data=success({"succeeded": bodies[:100], "failed": []})),
        Call("PUT", V2 + "/batch", json=bodies[100:200], status=403,
             data=failure((1164, "Maximum number of IP mappings configured for zone."))),
    ])
    with pytest.raises(CloudflareAPIError) as excinfo:
        client.batch_upsert(ZONE_ID, bodies)
    error = excinfo.value
    assert (error.status, error.codes, error.method) == (403, [1164], "PUT")
    assert error.path == "/zones/%s/origin/cloud_regions/batch" % ZONE_ID
    assert [m["origin_ip"] for m in error.partial.succeeded] == [ipv4(n) for n in range(100)]
    assert error.partial.failed == []
    # the third chunk is never sent
    transport.assert_done()


def test_batch_error_on_the_first_chunk_has_an_empty_partial():
    bodies = _v2_bodies([("192.0.2.1", "aws", "us-east-1")])
    client, transport = client_for([Call("PUT", V2 + "/batch", json=bodies, status=500, data=failure((1140, "Internal error.")))])
    with pytest.raises(CloudflareAPIError) as excinfo:
        client.batch_upsert(ZONE_ID, bodies)
    assert excinfo.value.partial.succeeded == [] and excinfo.value.partial.failed == []
    transport.assert_done()


def test_v2_batch_delete_sends_ip_strings_in_chunks():
    ips = [ipv4(n) for n in range(150)]
    client, transport = client_for([
        Call("DELETE", V2 + "/batch", json=ips[:100],
             data=success({"succeeded": [{"origin_ip": ip, "vendor": "aws", "region": "us-east-1"} for ip in ips[:100]], "failed": []})),
        Call("DELETE", V2 + "/batch", json=ips[100:],
             data=success({"succeeded": [{"origin_ip": ip} for ip in ips[100:149]],
                           "failed": [{"origin_ip": ips[149], "error": "not found"}]})),
    ])
    result = client.batch_delete(ZONE_ID, iter(ips))
    assert [m["origin_ip"] for m in result.succeeded] == ips[:149]
    assert result.failed == [{"origin_ip": ips[149], "error": "not found"}]
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
    assert result.succeeded == [{"origin_ip": "192.0.2.1", "vendor": "aws", "region": "us-east-1", "modified_on": None}]
    assert result.failed == [{"origin_ip": "2001:db8::1", "error": "bad region"}]
    transport.assert_done()


def test_v1_batch_delete_unwrapped_answer():
    client, transport = client_for([Call("DELETE", V1 + "/batch", json=["192.0.2.1"],
                                         data=success({"succeeded": [{"origin-ip": "192.0.2.1"}], "failed": []}))],
                                   generation="v1")
    result = client.batch_delete(ZONE_ID, ["192.0.2.1"])
    assert result.succeeded == [{"origin_ip": "192.0.2.1", "vendor": None, "region": None, "modified_on": None}]
    transport.assert_done()


def test_empty_batch_sends_nothing():
    client, transport = client_for([])
    result = client.batch_upsert(ZONE_ID, [])
    assert (result.succeeded, result.failed) == ([], [])
    transport.assert_done()
    assert client.requests_sent == 0


# -- catalogue and zones -------------------------------------------------------------


@pytest.mark.parametrize("generation, base", [("v2", V2), ("v1", V1)])
def test_supported_regions(generation, base):
    client, transport = client_for([Call("GET", base + "/supported_regions", data=success(SUPPORTED_REGIONS))], generation=generation)
    assert client.supported_regions(ZONE_ID) == SUPPORTED_REGIONS
    transport.assert_done()


def test_supported_regions_shape_is_fixed():
    client, transport = client_for([Call("GET", V2 + "/supported_regions", data=success({"extra": 1, "obtained_codes": 0}))])
    assert client.supported_regions(ZONE_ID) == {"obtained_codes": False, "vendors": {}}
    transport.assert_done()


def test_supported_regions_without_result():
    client, transport = client_for([Call("GET", V2 + "/supported_regions", data=success(None))])
    assert client.supported_regions(ZONE_ID) == {"obtained_codes": False, "vendors": {}}
    transport.assert_done()


ZONES = BASE_URL + "/zones"


def test_resolve_zone_id_one_match():
    client, transport = client_for([Call("GET", ZONES, params={"name": "example.com"},
                                         data=success([{"id": ZONE_ID, "name": "example.com"}]))])
    assert client.resolve_zone_id("example.com") == ZONE_ID
    transport.assert_done()


def test_resolve_zone_id_ignores_other_names_and_case():
    client, transport = client_for([Call("GET", ZONES, params={"name": "Example.COM"}, data=success([
        {"id": "other", "name": "sub.example.com"}, {"id": ZONE_ID, "name": "example.com"}]))])
    assert client.resolve_zone_id("Example.COM") == ZONE_ID
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
