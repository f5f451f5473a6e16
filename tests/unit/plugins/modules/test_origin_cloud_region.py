# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""origin_cloud_region through main(), with the exact HTTP calls each run must send."""

from __future__ import annotations

import json

import pytest

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
    clear_cloudflare_env,
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


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    clear_cloudflare_env(monkeypatch)


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
    _result, fake = run(monkeypatch, args(timeout=5, validate_certs=False), [get("192.0.2.1", "aws", "us-east-1")])
    assert fake.built_with[1]["timeout"] == 5.0
    assert fake.built_with[1]["validate_certs"] is False


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
])
def test_write_errors_fail_with_codes(monkeypatch, status, code, message):
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
