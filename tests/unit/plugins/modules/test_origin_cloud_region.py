# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""origin_cloud_region through main(), with the exact HTTP calls each run must send."""

from __future__ import annotations

import json

import pytest

from ansible_collections.edgeops.cloudflare.plugins.module_utils._http import TransportError
from ansible_collections.edgeops.cloudflare.plugins.modules import origin_cloud_region
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
    key_headers,
    run_main,
    success,
    token_headers,
    v1_entry,
    v1_setting,
    v2_entry,
)

MAIN = origin_cloud_region.main
T0 = "2026-03-01T12:00:00Z"
T1 = "2026-06-01T08:00:00Z"


def args(**overrides):
    base = {"zone_id": ZONE_ID, "origin_ip": "192.0.2.1", "vendor": "aws", "region": "us-east-1", "api_token": TOKEN}
    base.update(overrides)
    return {key: value for key, value in base.items() if value is not None}


def run(monkeypatch, module_args, calls, fails=False, headers=None):
    return run_main(monkeypatch, MAIN, module_args, calls, headers=token_headers() if headers is None else headers, fails=fails)


def mapping(ip, vendor, region, modified_on=T0):
    return {"origin_ip": ip, "vendor": vendor, "region": region, "modified_on": modified_on}


def supported(base=V2):
    return Call("GET", base + "/supported_regions", data=success(SUPPORTED_REGIONS))


def put(ip, vendor, region, modified_on=T1, **kwargs):
    return Call("PUT", V2 + "/" + ip, json={"origin_ip": ip, "vendor": vendor, "region": region},
                data=kwargs.pop("data", success(v2_entry(ip, vendor, region, modified_on))), **kwargs)


def get(ip, vendor=None, region=None, base=V2):
    if vendor is None:
        return Call("GET", base + "/" + ip, status=404, data=NOT_FOUND_1142)
    return Call("GET", base + "/" + ip, data=success(v2_entry(ip, vendor, region)))


# -- present ----------------------------------------------------------------------------


def test_create(monkeypatch):
    result, fake = run(monkeypatch, args(), [
        get("192.0.2.1"),
        supported(),
        put("192.0.2.1", "aws", "us-east-1"),
    ])
    assert result == {
        "changed": True,
        "mapping": mapping("192.0.2.1", "aws", "us-east-1", T1),
        "origin_ip": "192.0.2.1",
        "zone_id": ZONE_ID,
        "api_requests": 3,
    }
    assert fake.built_with[1]["timeout"] == 30.0
    assert fake.built_with[1]["validate_certs"] is True


def test_steady_state_is_exactly_one_get(monkeypatch):
    result, fake = run(monkeypatch, args(), [get("192.0.2.1", "aws", "us-east-1")])
    assert result == {
        "changed": False,
        "mapping": mapping("192.0.2.1", "aws", "us-east-1"),
        "origin_ip": "192.0.2.1",
        "zone_id": ZONE_ID,
        "api_requests": 1,
    }
    assert len(fake.received) == 1


def test_update_region(monkeypatch):
    result, _fake = run(monkeypatch, args(region="us-west-2"), [
        get("192.0.2.1", "aws", "us-east-1"),
        supported(),
        put("192.0.2.1", "aws", "us-west-2"),
    ])
    assert result["changed"] is True
    assert result["mapping"] == mapping("192.0.2.1", "aws", "us-west-2", T1)
    assert result["api_requests"] == 3


def test_update_vendor(monkeypatch):
    result, _fake = run(monkeypatch, args(vendor="gcp", region="us-central1"), [
        get("192.0.2.1", "aws", "us-central1"),
        supported(),
        put("192.0.2.1", "gcp", "us-central1"),
    ])
    assert result["changed"] is True
    assert result["mapping"]["vendor"] == "gcp"


def test_ip_alias_and_ipv6_path(monkeypatch):
    module_args = args(origin_ip=None, ip="2001:db8::10", vendor="gcp", region="europe-west1")
    result, _fake = run(monkeypatch, module_args, [
        get("2001:db8::10"),
        supported(),
        put("2001:db8::10", "gcp", "europe-west1"),
    ])
    assert result["origin_ip"] == "2001:db8::10"
    assert result["changed"] is True


def test_non_canonical_ipv6_matches_a_canonical_answer(monkeypatch):
    result, _fake = run(monkeypatch, args(origin_ip="2001:0DB8:0000:0000::0001"), [get("2001:db8::1", "aws", "us-east-1")])
    assert result["changed"] is False
    assert result["origin_ip"] == "2001:db8::1"
    assert result["mapping"]["origin_ip"] == "2001:db8::1"
    assert result["api_requests"] == 1


def test_ipv4_mapped_input_is_written_in_mixed_notation(monkeypatch):
    result, _fake = run(monkeypatch, args(origin_ip="::FFFF:C000:0201", validate_region=False), [
        get("::ffff:192.0.2.1"),
        put("::ffff:192.0.2.1", "aws", "us-east-1"),
    ])
    assert result["origin_ip"] == "::ffff:192.0.2.1"


def test_validate_region_false_skips_the_lookup(monkeypatch):
    result, _fake = run(monkeypatch, args(region="us-east-9", validate_region=False), [
        get("192.0.2.1"),
        put("192.0.2.1", "aws", "us-east-9"),
    ])
    assert result["changed"] is True
    assert result["api_requests"] == 2


def test_validate_region_failure_lists_valid_regions_and_sends_no_put(monkeypatch):
    result, _fake = run(monkeypatch, args(region="us-east-9"), [get("192.0.2.1"), supported()], fails=True)
    assert result == {
        "failed": True,
        "msg": "origin_ip 192.0.2.1: region 'us-east-9' is not valid for vendor 'aws'; valid regions: eu-west-1, us-east-1, us-west-2",
        "origin_ip": "192.0.2.1",
    }


def test_validate_region_unsupported_vendor(monkeypatch):
    result, _fake = run(monkeypatch, args(vendor="azure", region="westeurope"), [get("192.0.2.1", "aws", "us-east-1"), supported()],
                        fails=True)
    assert result["msg"] == "origin_ip 192.0.2.1: vendor 'azure' is not supported for this zone; supported vendors: aws, gcp"


def test_validate_region_is_not_needed_when_nothing_changes(monkeypatch):
    # Even a region missing from the catalogue is fine when it is already what the zone holds.
    result, _fake = run(monkeypatch, args(region="legacy-1"), [get("192.0.2.1", "aws", "legacy-1")])
    assert result["changed"] is False


# -- absent ---------------------------------------------------------------------------------


def test_delete(monkeypatch):
    result, _fake = run(monkeypatch, args(state="absent", vendor=None, region=None), [
        get("192.0.2.1", "aws", "us-east-1"),
        Call("DELETE", V2 + "/192.0.2.1", data=success({"origin_ip": "192.0.2.1"})),
    ])
    assert result == {"changed": True, "mapping": None, "origin_ip": "192.0.2.1", "zone_id": ZONE_ID, "api_requests": 2}


def test_absent_when_missing_is_one_get(monkeypatch):
    result, _fake = run(monkeypatch, args(state="absent", vendor=None, region=None), [get("192.0.2.1")])
    assert result == {"changed": False, "mapping": None, "origin_ip": "192.0.2.1", "zone_id": ZONE_ID, "api_requests": 1}


def test_absent_ignores_vendor_and_region(monkeypatch):
    result, _fake = run(monkeypatch, args(state="absent", region="  "), [get("192.0.2.1")])
    assert result["changed"] is False


def test_delete_that_raced_with_another_delete_does_not_fail(monkeypatch):
    result, _fake = run(monkeypatch, args(state="absent"), [
        get("192.0.2.1", "aws", "us-east-1"),
        Call("DELETE", V2 + "/192.0.2.1", status=404, data=NOT_FOUND_1142),
    ])
    assert "failed" not in result
    assert result["mapping"] is None


# -- check mode and diff -----------------------------------------------------------------------


def test_check_mode_create_sends_no_write_and_predicts_the_mapping(monkeypatch):
    result, fake = run(monkeypatch, args(_ansible_check_mode=True), [get("192.0.2.1"), supported()])
    assert result == {
        "changed": True,
        "mapping": {"origin_ip": "192.0.2.1", "vendor": "aws", "region": "us-east-1", "modified_on": None},
        "origin_ip": "192.0.2.1",
        "zone_id": ZONE_ID,
        "api_requests": 2,
    }
    assert [call["method"] for call in fake.received] == ["GET", "GET"]


def test_check_mode_update(monkeypatch):
    result, fake = run(monkeypatch, args(region="us-west-2", _ansible_check_mode=True),
                       [get("192.0.2.1", "aws", "us-east-1"), supported()])
    assert result["changed"] is True
    assert result["mapping"] == {"origin_ip": "192.0.2.1", "vendor": "aws", "region": "us-west-2", "modified_on": None}
    assert [call["method"] for call in fake.received] == ["GET", "GET"]


def test_check_mode_update_still_validates_the_region(monkeypatch):
    result, _fake = run(monkeypatch, args(region="nowhere", _ansible_check_mode=True),
                        [get("192.0.2.1", "aws", "us-east-1"), supported()], fails=True)
    assert "region 'nowhere' is not valid for vendor 'aws'" in result["msg"]


def test_check_mode_delete(monkeypatch):
    result, fake = run(monkeypatch, args(state="absent", _ansible_check_mode=True), [get("192.0.2.1", "aws", "us-east-1")])
    assert result["changed"] is True
    assert result["mapping"] is None
    assert len(fake.received) == 1


def test_diff_create(monkeypatch):
    result, _fake = run(monkeypatch, args(_ansible_diff=True), [get("192.0.2.1"), supported(), put("192.0.2.1", "aws", "us-east-1")])
    assert result["diff"] == {"before": {}, "after": {"origin_ip": "192.0.2.1", "vendor": "aws", "region": "us-east-1"}}


def test_diff_update_in_check_mode(monkeypatch):
    result, _fake = run(monkeypatch, args(region="us-west-2", _ansible_diff=True, _ansible_check_mode=True),
                        [get("192.0.2.1", "aws", "us-east-1"), supported()])
    assert result["diff"] == {
        "before": {"origin_ip": "192.0.2.1", "vendor": "aws", "region": "us-east-1"},
        "after": {"origin_ip": "192.0.2.1", "vendor": "aws", "region": "us-west-2"},
    }


def test_diff_when_unchanged(monkeypatch):
    result, _fake = run(monkeypatch, args(_ansible_diff=True), [get("192.0.2.1", "aws", "us-east-1")])
    view = {"origin_ip": "192.0.2.1", "vendor": "aws", "region": "us-east-1"}
    assert result["changed"] is False
    assert result["diff"] == {"before": view, "after": view}


def test_diff_delete(monkeypatch):
    result, _fake = run(monkeypatch, args(state="absent", _ansible_diff=True), [
        get("192.0.2.1", "aws", "us-east-1"),
        Call("DELETE", V2 + "/192.0.2.1", data=success({"origin_ip": "192.0.2.1"})),
    ])
    assert result["diff"] == {"before": {"origin_ip": "192.0.2.1", "vendor": "aws", "region": "us-east-1"}, "after": {}}


def test_no_diff_key_without_diff_mode(monkeypatch):
    result, _fake = run(monkeypatch, args(), [get("192.0.2.1", "aws", "us-east-1")])
    assert "diff" not in result


# -- input refused before any request ------------------------------------------------------------


@pytest.mark.parametrize("origin_ip, message", [
    ("192.0.2.0/24", "origin_ip: '192.0.2.0/24' is a network (CIDR prefix), not a single IP address"),
    ("fe80::1%eth0", "origin_ip: 'fe80::1%eth0' carries an IPv6 zone id; zone ids are not allowed in origin IPs"),
    ("origin.example.com", "origin_ip: 'origin.example.com' is not an IP address (host names are not accepted)"),
    ("", "origin_ip: the IP address is empty"),
])
def test_bad_ip_fails_before_any_request(monkeypatch, origin_ip, message):
    result, fake = run(monkeypatch, args(origin_ip=origin_ip), [], fails=True)
    assert result == {"failed": True, "msg": message}
    assert fake.built_with is None


def test_leading_zero_ipv4_fails_before_any_request(monkeypatch):
    result, fake = run(monkeypatch, args(origin_ip="192.0.2.001"), [], fails=True)
    assert result["msg"].startswith("origin_ip: '192.0.2.001' is not a valid IP address: ")
    assert fake.built_with is None


def test_blank_region_fails_before_any_request(monkeypatch):
    result, fake = run(monkeypatch, args(region="   "), [], fails=True)
    assert result == {"failed": True, "msg": "region: must not be empty"}
    assert fake.built_with is None


def test_present_needs_vendor_and_region(monkeypatch):
    result, fake = run(monkeypatch, args(vendor=None, region=None), [], fails=True)
    assert "state is present but all of the following are missing: vendor, region" in result["msg"]
    assert fake.built_with is None


def test_unknown_vendor_is_refused_by_the_argument_spec(monkeypatch):
    result, fake = run(monkeypatch, args(vendor="AWS"), [], fails=True)
    assert "vendor" in result["msg"] and "aws, azure, gcp, oci" in result["msg"]
    assert fake.built_with is None


def test_zone_id_and_zone_are_exclusive(monkeypatch):
    result, _fake = run(monkeypatch, args(zone="example.com"), [], fails=True)
    assert "mutually exclusive: zone_id|zone" in result["msg"]


# -- zone by name, generations, endpoints -----------------------------------------------------------


def test_zone_by_name(monkeypatch):
    zone = "8f1c7a9d2e3b4c5d6e7f8091a2b3c4d5"
    result, _fake = run(monkeypatch, args(zone_id=None, zone="example.com"), [
        Call("GET", BASE_URL + "/zones", params={"name": "example.com"}, data=success([{"id": zone, "name": "example.com"}])),
        Call("GET", "%s/zones/%s/origin/cloud_regions/192.0.2.1" % (BASE_URL, zone), data=success(v2_entry("192.0.2.1", "aws", "us-east-1"))),
    ])
    assert result["zone_id"] == zone
    assert result["changed"] is False
    assert result["api_requests"] == 2


def test_zone_name_alias_and_unknown_zone(monkeypatch):
    result, _fake = run(monkeypatch, args(zone_id=None, zone_name="example.org"), [
        Call("GET", BASE_URL + "/zones", params={"name": "example.org"}, data=success([])),
    ], fails=True)
    assert result == {"failed": True, "msg": "zone: no zone named 'example.org' is visible with these credentials"}


def test_api_base_url_from_the_environment(monkeypatch):
    monkeypatch.setenv("CLOUDFLARE_API_BASE_URL", "http://127.0.0.1:8787/client/v4")
    result, _fake = run(monkeypatch, args(), [
        Call("GET", "http://127.0.0.1:8787/client/v4/zones/%s/origin/cloud_regions/192.0.2.1" % ZONE_ID,
             data=success(v2_entry("192.0.2.1", "aws", "us-east-1"))),
    ])
    assert result["changed"] is False


def test_transport_options_reach_the_transport(monkeypatch):
    _result, fake = run(monkeypatch, args(timeout=5, validate_certs=False, max_retry_wait=0), [get("192.0.2.1", "aws", "us-east-1")])
    assert fake.built_with[1]["timeout"] == 5.0
    assert fake.built_with[1]["validate_certs"] is False
    assert fake.built_with[1]["max_retry_wait"] == 0.0


def test_v1_warns_about_its_end_of_life(monkeypatch, warnings):
    run(monkeypatch, args(api_generation="v1"), [
        Call("GET", V1 + "/192.0.2.1", data=success(v1_setting(v1_entry("192.0.2.1", "aws", "us-east-1")))),
    ])
    assert warnings == [
        "api_generation=v1 uses Cloudflare's deprecated /cache/origin_cloud_regions API, whose end of life was 2026-10-01; "
        "it works only while the account still answers it. Move to api_generation=v2 (the default), which manages the "
        "same mappings."]


def test_v2_does_not_warn(monkeypatch, warnings):
    run(monkeypatch, args(), [get("192.0.2.1", "aws", "us-east-1")])
    assert warnings == []


def test_v1_create_is_a_post(monkeypatch):
    result, _fake = run(monkeypatch, args(api_generation="v1", origin_ip="2001:DB8::1"), [
        Call("GET", V1 + "/2001:db8::1", status=404, data=NOT_FOUND_1142),
        supported(V1),
        Call("POST", V1, json={"ip": "2001:db8::1", "vendor": "aws", "region": "us-east-1"},
             data=success(v1_setting(v1_entry("2001:db8::1", "aws", "us-east-1", T1)))),
    ])
    assert result["changed"] is True
    assert result["mapping"] == mapping("2001:db8::1", "aws", "us-east-1", T1)
    assert result["api_requests"] == 3


def test_v1_create_that_already_exists_patches(monkeypatch):
    body = {"ip": "192.0.2.1", "vendor": "aws", "region": "us-east-1"}
    result, _fake = run(monkeypatch, args(api_generation="v1", validate_region=False), [
        Call("GET", V1 + "/192.0.2.1", status=404, data=NOT_FOUND_1142),
        Call("POST", V1, json=body, status=400, data=failure((1145, "The zone setting already exists."))),
        Call("PATCH", V1, json=body, data=success(v1_setting([v1_entry("192.0.2.1", "aws", "us-east-1", T1)]))),
    ])
    assert result["mapping"] == mapping("192.0.2.1", "aws", "us-east-1", T1)
    assert result["api_requests"] == 3


def test_v1_update_is_a_patch(monkeypatch):
    result, _fake = run(monkeypatch, args(api_generation="v1", region="us-west-2"), [
        Call("GET", V1 + "/192.0.2.1", data=success(v1_setting(v1_entry("192.0.2.1", "aws", "us-east-1")))),
        supported(V1),
        Call("PATCH", V1, json={"ip": "192.0.2.1", "vendor": "aws", "region": "us-west-2"},
             data=success(v1_setting([v1_entry("192.0.2.9", "gcp", "us-central1"), v1_entry("192.0.2.1", "aws", "us-west-2", T1)]))),
    ])
    assert result["mapping"] == mapping("192.0.2.1", "aws", "us-west-2", T1)


def test_v1_steady_state_and_delete(monkeypatch):
    result, _fake = run(monkeypatch, args(api_generation="v1"), [
        Call("GET", V1 + "/192.0.2.1", data=success(v1_setting(v1_entry("192.0.2.1", "aws", "us-east-1")))),
    ])
    assert result["changed"] is False
    result, _fake = run(monkeypatch, args(api_generation="v1", state="absent"), [
        Call("GET", V1 + "/192.0.2.1", data=success(v1_setting(v1_entry("192.0.2.1", "aws", "us-east-1")))),
        Call("DELETE", V1 + "/192.0.2.1", data=success(v1_setting(v1_entry("192.0.2.1", "aws", "us-east-1")))),
    ])
    assert result["changed"] is True


# -- API errors ------------------------------------------------------------------------------------

PUT_PATH = "/zones/%s/origin/cloud_regions/192.0.2.1" % ZONE_ID
GET_PATH = PUT_PATH


@pytest.mark.parametrize("status, code, message", [
    (403, 1164, "Maximum number of IP mappings configured for zone."),
    (400, 1157, "The vendor aws doesn't exist or the region us-east-1 does not exist for the specified cloud vendor."),
    (400, 1146, "body origin_ip does not match URL"),
    # a 429 still there when the retry budget is used up: Cloudflare said no
    (429, 971, "Please wait and consider throttling your request speed"),
])
def test_write_errors_fail_with_codes(monkeypatch, status, code, message):
    # a 4xx is a known "no": the task fails at once, without reading the mapping back
    result, _fake = run(monkeypatch, args(validate_region=False), [
        get("192.0.2.1"),
        put("192.0.2.1", "aws", "us-east-1", status=status, data=failure((code, message))),
    ], fails=True)
    assert result == {
        "failed": True,
        "msg": "Cloudflare API PUT %s answered HTTP %d: [%d] %s" % (PUT_PATH, status, code, message),
        "api_error": {"status": status, "method": "PUT", "path": PUT_PATH, "errors": [{"code": code, "message": message}]},
    }


@pytest.mark.parametrize("status, code, message", [
    (401, 10000, "Authentication error"),
    (403, 9109, "Unauthorized to access requested resource"),
])
def test_read_errors_fail_with_codes(monkeypatch, status, code, message):
    result, _fake = run(monkeypatch, args(), [
        Call("GET", V2 + "/192.0.2.1", status=status, data=failure((code, message))),
    ], fails=True)
    assert result["msg"] == "Cloudflare API GET %s answered HTTP %d: [%d] %s" % (GET_PATH, status, code, message)
    assert result["api_error"]["status"] == status
    assert result["api_error"]["errors"] == [{"code": code, "message": message}]


def test_no_credentials_is_a_clear_error(monkeypatch):
    result, fake = run(monkeypatch, args(api_token=None), [], fails=True)
    assert result == {"failed": True, "msg": (
        "no Cloudflare credentials: set api_token (or CLOUDFLARE_API_TOKEN), or api_email and api_key "
        "(or CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY)")}
    assert fake.built_with is None


def test_token_and_key_together_is_an_error(monkeypatch):
    result, fake = run(monkeypatch, args(api_email="ops@example.com", api_key="k"), [], fails=True)
    assert result["msg"] == "task options: give either api_token or api_email together with api_key, not both schemes"
    assert fake.built_with is None


def test_credentials_from_the_environment(monkeypatch):
    monkeypatch.setenv("CLOUDFLARE_EMAIL", "ops@example.com")
    monkeypatch.setenv("CLOUDFLARE_API_KEY", "env-global-key")
    result, _fake = run(monkeypatch, args(api_token=None), [get("192.0.2.1", "aws", "us-east-1")],
                        headers=key_headers("ops@example.com", "env-global-key"))
    assert result["changed"] is False


def test_task_token_wins_over_environment(monkeypatch):
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", "env-token")
    result, _fake = run(monkeypatch, args(), [get("192.0.2.1", "aws", "us-east-1")], headers=token_headers(TOKEN))
    assert result["changed"] is False


@pytest.mark.parametrize("from_env", [False, True])
def test_the_token_never_appears_in_any_result(monkeypatch, from_env):
    module_args = args()
    if from_env:
        monkeypatch.setenv("CLOUDFLARE_API_TOKEN", TOKEN)
        del module_args["api_token"]
    outputs = []
    outputs.append(run(monkeypatch, module_args, [get("192.0.2.1"), supported(), put("192.0.2.1", "aws", "us-east-1")])[0])
    outputs.append(run(monkeypatch, dict(module_args, _ansible_diff=True), [get("192.0.2.1", "aws", "us-east-1")])[0])
    outputs.append(run(monkeypatch, module_args, [
        Call("GET", V2 + "/192.0.2.1", status=401, data=failure((10000, "Authentication error")))], fails=True)[0])
    outputs.append(run(monkeypatch, dict(module_args, region="nope"), [get("192.0.2.1"), supported()], fails=True)[0])
    outputs.append(run(monkeypatch, dict(module_args, origin_ip="bad ip"), [], fails=True)[0])
    for output in outputs:
        text = json.dumps(output)
        assert TOKEN not in text
        assert "Bearer" not in text


# -- through AnsibleModule's own exit_json/fail_json: what really reaches the controller ----------


def real_output(monkeypatch, capsys, module_args, calls, headers):
    """Run main() with AnsibleModule's real exit_json/fail_json; return (exit code, printed JSON)."""
    # pylint: disable-next=import-outside-toplevel
    from ansible_collections.edgeops.cloudflare.plugins.module_utils import _module
    # pylint: disable-next=import-outside-toplevel
    from ansible_collections.edgeops.cloudflare.tests.unit.fake_api import FakeTransport
    # pylint: disable-next=import-outside-toplevel
    from ansible_collections.edgeops.cloudflare.tests.unit.utils import set_module_args

    fake = FakeTransport(calls, headers=headers)
    monkeypatch.setattr(_module, "make_transport", fake.make_transport)
    capsys.readouterr()
    with set_module_args(module_args):
        with pytest.raises(SystemExit) as excinfo:
            MAIN()
    fake.assert_done()
    out = capsys.readouterr().out
    return excinfo.value.code, out


def test_real_exit_json_output(monkeypatch, capsys):
    code, out = real_output(monkeypatch, capsys, args(), [get("192.0.2.1", "aws", "us-east-1")], token_headers())
    result = json.loads(out)
    assert code == 0
    assert result["changed"] is False
    assert result["mapping"] == mapping("192.0.2.1", "aws", "us-east-1")
    assert result["api_requests"] == 1
    assert TOKEN not in out


def test_a_secret_from_the_environment_is_masked_in_real_output(monkeypatch, capsys):
    # Should an answer ever echo the credential, the env secret is masked like a no_log option.
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", TOKEN)
    code, out = real_output(monkeypatch, capsys, args(api_token=None), [
        Call("GET", V2 + "/192.0.2.1", status=401, data=failure((10000, "Invalid token %s" % TOKEN))),
    ], token_headers())
    result = json.loads(out)
    assert code == 1
    assert result["failed"] is True
    assert result["api_error"]["errors"][0]["code"] == 10000
    assert TOKEN not in out


# -- writes whose outcome is unknown: one GET of the mapping decides --------------------------------------

LOST = TransportError("PUT %s/192.0.2.1 failed: gave up after retries (Remote end closed connection without response)" % V2)
DELETE_LOST = TransportError("DELETE %s/192.0.2.1 failed: gave up after retries (Read timed out. (read timeout=30.0))" % V2)
PUT_500 = "Cloudflare API PUT %s answered HTTP 500: [1140] Internal error." % PUT_PATH
PUT_NULL = ("Cloudflare API PUT %s answered HTTP 200 with an unusable answer: result should be a mapping with origin_ip, "
            "vendor and region, got None" % PUT_PATH)


def test_put_500_whose_write_is_in_place_succeeds_with_a_warning(monkeypatch, warnings):
    result, _fake = run(monkeypatch, args(validate_region=False), [
        get("192.0.2.1"),
        put("192.0.2.1", "aws", "us-east-1", status=500, data=failure((1140, "Internal error."))),
        get("192.0.2.1", "aws", "us-east-1"),
    ])
    assert result == {
        "changed": True,
        "mapping": mapping("192.0.2.1", "aws", "us-east-1"),
        "origin_ip": "192.0.2.1",
        "zone_id": ZONE_ID,
        "api_requests": 3,
    }
    assert warnings == ["%s; reading the mapping back showed the change in place" % PUT_500]


def test_lost_put_answer_whose_write_is_not_in_place_fails(monkeypatch, warnings):
    result, _fake = run(monkeypatch, args(validate_region=False), [
        get("192.0.2.1"),
        put("192.0.2.1", "aws", "us-east-1", raises=LOST),
        get("192.0.2.1"),
    ], fails=True)
    assert result == {"failed": True, "origin_ip": "192.0.2.1", "msg": (
        "%s; the mapping was read back and the change is not in place (now: absent). Running the task again converges once "
        "the API accepts the write." % LOST)}
    assert warnings == []


def test_lost_update_answer_with_the_old_region_still_there_fails(monkeypatch):
    result, _fake = run(monkeypatch, args(region="us-west-2", validate_region=False), [
        get("192.0.2.1", "aws", "us-east-1"),
        put("192.0.2.1", "aws", "us-west-2", status=502, data=None, text="<html>Bad gateway</html>"),
        get("192.0.2.1", "aws", "us-east-1"),
    ], fails=True)
    error = "Cloudflare API PUT %s answered HTTP 502: <html>Bad gateway</html>" % PUT_PATH
    assert result["msg"] == ("%s; the mapping was read back and the change is not in place (now: %s). Running the task again "
                             "converges once the API accepts the write."
                             % (error, {"origin_ip": "192.0.2.1", "vendor": "aws", "region": "us-east-1"}))
    assert result["api_error"] == {"status": 502, "method": "PUT", "path": PUT_PATH, "errors": []}
    assert result["origin_ip"] == "192.0.2.1"


def test_write_and_read_back_both_failing_leave_the_outcome_unknown(monkeypatch):
    read_error = TransportError("GET %s/192.0.2.1 failed: gave up after retries (timed out)" % V2)
    result, _fake = run(monkeypatch, args(validate_region=False), [
        get("192.0.2.1"),
        put("192.0.2.1", "aws", "us-east-1", data=success(None)),
        Call("GET", V2 + "/192.0.2.1", raises=read_error),
    ], fails=True)
    assert result == {
        "failed": True,
        "origin_ip": "192.0.2.1",
        "msg": ("%s; reading the mapping back failed too (%s), so whether the write was applied is unknown. Running the task "
                "again converges." % (PUT_NULL, read_error)),
        "api_error": {"status": 200, "method": "PUT", "path": PUT_PATH, "errors": [],
                      "problem": "result should be a mapping with origin_ip, vendor and region, got None"},
    }


def test_read_back_with_an_unusable_answer_leaves_the_outcome_unknown(monkeypatch):
    result, _fake = run(monkeypatch, args(validate_region=False), [
        get("192.0.2.1"),
        put("192.0.2.1", "aws", "us-east-1", raises=LOST),
        Call("GET", V2 + "/192.0.2.1", data=success({"origin_ip": "192.0.2.1"})),
    ], fails=True)
    assert result["msg"].startswith("%s; reading the mapping back failed too (Cloudflare API GET %s answered HTTP 200 with an "
                                    "unusable answer: " % (LOST, GET_PATH))
    assert result["msg"].endswith("so whether the write was applied is unknown. Running the task again converges.")


def test_put_answered_with_result_null_is_checked_by_reading_back(monkeypatch, warnings):
    result, _fake = run(monkeypatch, args(), [
        get("192.0.2.1"),
        supported(),
        put("192.0.2.1", "aws", "us-east-1", data=success(None)),
        get("192.0.2.1", "aws", "us-east-1"),
    ])
    assert result["changed"] is True
    assert result["mapping"] == mapping("192.0.2.1", "aws", "us-east-1")
    assert warnings == ["%s; reading the mapping back showed the change in place" % PUT_NULL]


def test_put_answered_with_result_null_and_nothing_written_fails_clearly(monkeypatch):
    result, _fake = run(monkeypatch, args(validate_region=False), [
        get("192.0.2.1"),
        put("192.0.2.1", "aws", "us-east-1", data=success(None)),
        get("192.0.2.1"),
    ], fails=True)
    assert result["msg"] == ("%s; the mapping was read back and the change is not in place (now: absent). Running the task "
                             "again converges once the API accepts the write." % PUT_NULL)
    assert result["api_error"]["problem"] == "result should be a mapping with origin_ip, vendor and region, got None"


@pytest.mark.parametrize("result_value, problem", [
    (None, "result should be a mapping with origin_ip, vendor and region, got None"),
    ({}, "result should be a mapping with origin_ip, vendor and region, got {}"),
    ({"origin_ip": "192.0.2.1", "vendor": "aws"}, "result should be a mapping with origin_ip, vendor and region, got "
                                                  "{'origin_ip': '192.0.2.1', 'vendor': 'aws'}"),
])
def test_get_answered_with_an_unusable_result_fails_clearly(monkeypatch, result_value, problem):
    # the first read is no write: nothing to settle, a clear failure and no further request
    result, _fake = run(monkeypatch, args(), [Call("GET", V2 + "/192.0.2.1", data=success(result_value))], fails=True)
    assert result == {
        "failed": True,
        "msg": "Cloudflare API GET %s answered HTTP 200 with an unusable answer: %s" % (GET_PATH, problem),
        "api_error": {"status": 200, "method": "GET", "path": GET_PATH, "errors": [], "problem": problem},
    }


def test_get_answered_with_html_fails_clearly(monkeypatch):
    result, _fake = run(monkeypatch, args(), [Call("GET", V2 + "/192.0.2.1", data=None, text="<html>login</html>")], fails=True)
    assert result["msg"] == ("Cloudflare API GET %s answered HTTP 200 with an unusable answer: the body is not JSON "
                             "('<html>login</html>')" % GET_PATH)


def test_delete_500_whose_mapping_is_gone_succeeds_with_a_warning(monkeypatch, warnings):
    result, _fake = run(monkeypatch, args(state="absent"), [
        get("192.0.2.1", "aws", "us-east-1"),
        Call("DELETE", V2 + "/192.0.2.1", status=500, data=failure((1140, "Internal error."))),
        get("192.0.2.1"),
    ])
    assert result == {"changed": True, "mapping": None, "origin_ip": "192.0.2.1", "zone_id": ZONE_ID, "api_requests": 3}
    assert warnings == ["Cloudflare API DELETE %s answered HTTP 500: [1140] Internal error.; reading the mapping back showed "
                        "the change in place" % PUT_PATH]


def test_lost_delete_answer_with_the_mapping_still_there_fails(monkeypatch):
    result, _fake = run(monkeypatch, args(state="absent"), [
        get("192.0.2.1", "aws", "us-east-1"),
        Call("DELETE", V2 + "/192.0.2.1", raises=DELETE_LOST),
        get("192.0.2.1", "aws", "us-east-1"),
    ], fails=True)
    assert result == {"failed": True, "origin_ip": "192.0.2.1", "msg": (
        "%s; the mapping was read back and the change is not in place (now: %s). Running the task again converges once the "
        "API accepts the write." % (DELETE_LOST, {"origin_ip": "192.0.2.1", "vendor": "aws", "region": "us-east-1"}))}


def test_delete_4xx_fails_at_once(monkeypatch):
    result, _fake = run(monkeypatch, args(state="absent"), [
        get("192.0.2.1", "aws", "us-east-1"),
        Call("DELETE", V2 + "/192.0.2.1", status=403, data=failure((10000, "Authentication error"))),
    ], fails=True)
    assert result == {
        "failed": True,
        "msg": "Cloudflare API DELETE %s answered HTTP 403: [10000] Authentication error" % PUT_PATH,
        "api_error": {"status": 403, "method": "DELETE", "path": PUT_PATH, "errors": [{"code": 10000, "message": "Authentication error"}]},
    }


V1_PATH = "/zones/%s/cache/origin_cloud_regions" % ZONE_ID


def test_v1_lost_post_answer_is_checked_by_reading_back(monkeypatch, warnings):
    error = TransportError("POST %s failed: gave up after retries (timed out)" % V1)
    result, _fake = run(monkeypatch, args(api_generation="v1", validate_region=False), [
        Call("GET", V1 + "/192.0.2.1", status=404, data=NOT_FOUND_1142),
        Call("POST", V1, json={"ip": "192.0.2.1", "vendor": "aws", "region": "us-east-1"}, raises=error),
        Call("GET", V1 + "/192.0.2.1", data=success(v1_setting(v1_entry("192.0.2.1", "aws", "us-east-1", T1)))),
    ])
    assert result["changed"] is True
    assert result["mapping"] == mapping("192.0.2.1", "aws", "us-east-1", T1)
    assert warnings[-1] == "%s; reading the mapping back showed the change in place" % error


def test_v1_patch_500_not_in_place_fails(monkeypatch):
    result, _fake = run(monkeypatch, args(api_generation="v1", region="us-west-2", validate_region=False), [
        Call("GET", V1 + "/192.0.2.1", data=success(v1_setting(v1_entry("192.0.2.1", "aws", "us-east-1")))),
        Call("PATCH", V1, json={"ip": "192.0.2.1", "vendor": "aws", "region": "us-west-2"}, status=503,
             data=failure((1140, "Internal error."))),
        Call("GET", V1 + "/192.0.2.1", data=success(v1_setting(v1_entry("192.0.2.1", "aws", "us-east-1")))),
    ], fails=True)
    assert result["msg"].startswith("Cloudflare API PATCH %s answered HTTP 503: [1140] Internal error.; the mapping was read "
                                    "back and the change is not in place" % V1_PATH)
    assert result["api_error"]["method"] == "PATCH"


def test_check_mode_never_reads_back(monkeypatch):
    result, fake = run(monkeypatch, args(_ansible_check_mode=True, validate_region=False), [get("192.0.2.1")])
    assert result["changed"] is True
    assert len(fake.received) == 1


def test_the_read_back_warning_reaches_the_real_exit_json(monkeypatch, capsys, warnings_in_the_result):
    code, out = real_output(monkeypatch, capsys, args(validate_region=False), [
        get("192.0.2.1"),
        put("192.0.2.1", "aws", "us-east-1", raises=LOST),
        get("192.0.2.1", "aws", "us-east-1"),
    ], token_headers())
    result = json.loads(out)
    assert code == 0
    assert result["changed"] is True
    assert any("reading the mapping back showed the change in place" in str(warning) for warning in result["warnings"])
    assert TOKEN not in out


# -- options checked before any request ------------------------------------------------------------------


@pytest.mark.parametrize("overrides, problem", [
    ({"zone_id": "023e105f4ecef8ad9ca31a8372d0c353/../x"}, "zone_id: must be a zone id of 32 hex digits, got '023e105f4ecef8ad9ca31a8372d0c353/../x'"),
    ({"zone_id": None, "zone": "example.com/x"}, "zone: must be a DNS name such as example.com, got 'example.com/x'"),
    ({"timeout": -1}, "timeout: must be greater than 0 seconds, got -1.0"),
    ({"max_retry_wait": -0.5}, "max_retry_wait: must be 0 or more seconds, got -0.5"),
    ({"api_base_url": "localhost:8787"}, "api_base_url: must be an http:// or https:// URL with a host, got 'localhost:8787'"),
])
def test_connection_problems_are_refused_with_no_request(monkeypatch, overrides, problem):
    result, fake = run(monkeypatch, args(**overrides), [], fails=True)
    assert result == {"failed": True, "msg": problem, "problems": [problem]}
    assert fake.built_with is None
    assert fake.received == []


def test_upper_case_zone_id_is_sent_lower_cased(monkeypatch):
    result, _fake = run(monkeypatch, args(zone_id=ZONE_ID.upper()), [get("192.0.2.1", "aws", "us-east-1")])
    assert result["zone_id"] == ZONE_ID


def test_zone_name_is_looked_up_lower_cased_without_the_trailing_dot(monkeypatch):
    zone = "8f1c7a9d2e3b4c5d6e7f8091a2b3c4d5"
    result, _fake = run(monkeypatch, args(zone_id=None, zone="Example.COM."), [
        Call("GET", BASE_URL + "/zones", params={"name": "example.com"}, data=success([{"id": zone, "name": "example.com"}])),
        Call("GET", "%s/zones/%s/origin/cloud_regions/192.0.2.1" % (BASE_URL, zone), data=success(v2_entry("192.0.2.1", "aws", "us-east-1"))),
    ])
    assert result["zone_id"] == zone


def test_credentials_are_stripped_before_use(monkeypatch):
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", TOKEN + "\n")
    result, fake = run(monkeypatch, args(api_token=None), [get("192.0.2.1", "aws", "us-east-1")], headers=token_headers(TOKEN))
    assert result["changed"] is False
    assert fake.built_secrets == [TOKEN]


@pytest.mark.parametrize("module_args, headers, secrets", [
    (args(), token_headers(), [TOKEN]),
    (args(api_token=None, api_email="ops@example.com", api_key="global-key"), key_headers("ops@example.com", "global-key"), ["global-key"]),
])
def test_the_credential_is_handed_to_the_transport_as_a_secret(monkeypatch, module_args, headers, secrets):
    _result, fake = run(monkeypatch, module_args, [get("192.0.2.1", "aws", "us-east-1")], headers=headers)
    assert fake.built_secrets == secrets


def test_credential_with_an_inner_line_break_fails_without_showing_it(monkeypatch):
    result, fake = run(monkeypatch, args(api_token="abc\nX-Injected: 1"), [], fails=True)
    assert result == {"failed": True, "msg": (
        "api_token: contains a line break, control or non-ASCII character inside it, which an HTTP header cannot carry; "
        "the value is not shown")}
    assert fake.built_with is None


class AnswersAnything:
    """A transport for the tests below, which accept either of two fixes: it answers whatever is sent.

    A zone lookup finds "example.com"; a mapping GET finds the wanted mapping.
    """

    def __init__(self):
        self.received = []
        self.built = False

    def make_transport(self, headers, params, secrets=()):
        self.built = True
        return self

    def request(self, method, url, params=None, json_body=None):
        # pylint: disable-next=import-outside-toplevel
        from ansible_collections.edgeops.cloudflare.plugins.module_utils._http import HTTPResponse

        self.received.append({"method": method, "url": url, "params": params})
        if url == BASE_URL + "/zones":
            return HTTPResponse(200, {}, success([{"id": ZONE_ID, "name": "example.com"}]))
        return HTTPResponse(200, {}, success(v2_entry("192.0.2.1", "aws", "us-east-1")))

    def close(self):
        pass


def run_answering_anything(monkeypatch, module_args):
    # pylint: disable-next=import-outside-toplevel
    from ansible_collections.edgeops.cloudflare.plugins.module_utils import _module
    # pylint: disable-next=import-outside-toplevel
    from ansible_collections.edgeops.cloudflare.tests.unit.utils import AnsibleExitJson, AnsibleFailJson, _run

    transport = AnswersAnything()
    monkeypatch.setattr(_module, "make_transport", transport.make_transport)
    try:
        _run(MAIN, module_args)
    except (AnsibleExitJson, AnsibleFailJson) as exc:
        return exc.kwargs, transport
    raise AssertionError("unreachable")  # pragma: no cover


@pytest.mark.parametrize("zone_id", [ZONE_ID + "\n", ZONE_ID.upper() + "\n", " %s " % ZONE_ID, ZONE_ID + "\r\n"])
def test_zone_id_with_a_trailing_newline_never_reaches_a_url(monkeypatch, zone_id):
    # e.g. zone_id: "{{ lookup('file', 'zone_id.txt') }}" or a YAML block scalar. Either fix is fine:
    # refuse it before any request, or use the 32 digits; never send ".../zones/<id>%0A/..." (as fee203e did).
    result, transport = run_answering_anything(monkeypatch, args(zone_id=zone_id))
    if result.get("failed"):
        assert result["msg"].startswith("zone_id: ")
        assert transport.received == []
    else:
        assert [call["url"] for call in transport.received] == [V2 + "/192.0.2.1"]


@pytest.mark.parametrize("zone", ["example.com\n", " example.com ", "Example.COM.\n"])
def test_zone_name_that_passes_the_check_is_looked_up_as_checked(monkeypatch, zone):
    # connection_problems accepts the zone name after strip(); the lookup must then use the stripped
    # name too (or the check must refuse it). Today the lookup sends name="example.com\n" and fails
    # with "zone: no zone named 'example.com\n' is visible with these credentials" (as of fee203e).
    result, transport = run_answering_anything(monkeypatch, args(zone_id=None, zone=zone))
    if result.get("failed"):
        assert result["msg"].startswith("zone: ")
        assert transport.received == []
    else:
        assert transport.received[0]["params"] == {"name": "example.com"}
        assert result["zone_id"] == ZONE_ID
