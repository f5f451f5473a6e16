# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Real ansible-playbook runs of the modules against the emulator on 127.0.0.1."""

from __future__ import annotations

import pytest

from .harness import TOKEN, ZONE_ID, EmulatorProcess, run_playbook

MODULE = "edgeops.cloudflare.origin_cloud_region"
INFO = "edgeops.cloudflare.origin_cloud_region_info"
BATCH = "edgeops.cloudflare.origin_cloud_regions"
AUTH = {"CLOUDFLARE_API_TOKEN": TOKEN}


def task(name, module=MODULE, **args):
    args.setdefault("zone_id", ZONE_ID)
    return {"name": name, module: args, "register": "out"}


def mapping_task(name, origin_ip, vendor=None, region=None, **args):
    if vendor:
        args.update(vendor=vendor, region=region)
    return task(name, origin_ip=origin_ip, **args)


def result_of(run, name):
    entry = run.task(name)
    return entry["result"]


def failed_result(run, name):
    """The result of a task that must have failed (the play stops there: rc != 0)."""
    entry = run.task(name)
    assert entry["status"] == "failed" and run.returncode != 0, run
    return entry["result"]


def test_create_then_rerun_is_ok_with_one_request(emulator):
    create = [mapping_task("map", "192.0.2.1", "aws", "us-east-1")]
    first = run_playbook(emulator, create, env=AUTH)
    assert first.returncode == 0, first
    result = result_of(first, "map")
    assert result["changed"] is True
    assert result["mapping"]["origin_ip"] == "192.0.2.1"
    assert result["mapping"]["modified_on"]
    assert emulator.state() == {"192.0.2.1": ("aws", "us-east-1")}

    second = run_playbook(emulator, create, env=AUTH)
    assert second.returncode == 0, second
    result = result_of(second, "map")
    assert result["changed"] is False
    assert result["api_requests"] == 1
    assert "changed=0" in second.stdout


def test_update_then_delete_then_delete_again(emulator):
    emulator.seed([{"origin_ip": "192.0.2.7", "vendor": "aws", "region": "us-east-1"}])
    run = run_playbook(emulator, [
        mapping_task("update", "192.0.2.7", "gcp", "europe-west1"),
        {"name": "check the update", "ansible.builtin.assert": {"that": ["out.mapping.vendor == 'gcp'", "out.changed"]}},
        mapping_task("delete", "192.0.2.7", state="absent"),
        mapping_task("delete again", "192.0.2.7", state="absent"),
    ], env=AUTH)
    assert run.returncode == 0, run
    assert result_of(run, "update")["changed"] is True
    assert result_of(run, "delete")["changed"] is True
    assert result_of(run, "delete")["mapping"] is None
    again = result_of(run, "delete again")
    assert again["changed"] is False and again["api_requests"] == 1
    assert emulator.state() == {}


def test_check_mode_predicts_and_writes_nothing(emulator):
    emulator.seed([{"origin_ip": "198.51.100.1", "vendor": "azure", "region": "westeurope"}])
    writes_before = emulator.stats()["writes"]
    run = run_playbook(emulator, [
        mapping_task("create", "192.0.2.1", "aws", "us-east-1"),
        mapping_task("update", "198.51.100.1", "oci", "eu-frankfurt-1"),
        mapping_task("delete", "198.51.100.1", state="absent"),
        mapping_task("invalid region", "192.0.2.2", "aws", "us-nowhere-1"),
    ], check=True, env=AUTH)
    assert run.returncode != 0, run  # the invalid region fails even in check mode
    create = result_of(run, "create")
    assert create["changed"] is True
    assert create["mapping"] == {"origin_ip": "192.0.2.1", "vendor": "aws", "region": "us-east-1", "modified_on": None}
    assert result_of(run, "update")["changed"] is True
    assert result_of(run, "delete")["changed"] is True
    assert run.task("invalid region")["status"] == "failed"
    assert emulator.state() == {"198.51.100.1": ("azure", "westeurope")}
    assert emulator.stats()["writes"] == writes_before


def test_diff_shows_before_and_after_also_when_unchanged(emulator):
    emulator.seed([{"origin_ip": "192.0.2.9", "vendor": "aws", "region": "us-east-1"}])
    run = run_playbook(emulator, [
        mapping_task("update", "192.0.2.9", "aws", "us-west-2"),
        mapping_task("same", "192.0.2.9", "aws", "us-west-2"),
    ], diff=True, env=AUTH)
    assert run.returncode == 0, run
    update = result_of(run, "update")["diff"]
    assert update["before"] == {"origin_ip": "192.0.2.9", "vendor": "aws", "region": "us-east-1"}
    assert update["after"] == {"origin_ip": "192.0.2.9", "vendor": "aws", "region": "us-west-2"}
    same = result_of(run, "same")
    assert same["changed"] is False
    assert same["diff"]["before"] == same["diff"]["after"]
    assert '-    "region": "us-east-1"' in run.stdout and '+    "region": "us-west-2"' in run.stdout


def test_zone_by_name_and_module_defaults_group(emulator):
    run = run_playbook(emulator, [{
        "name": "with defaults",
        "module_defaults": {"group/edgeops.cloudflare.cloudflare": {"zone": "example.com", "api_token": TOKEN}},
        "block": [
            {"name": "map", MODULE: {"origin_ip": "203.0.113.5", "vendor": "gcp", "region": "us-central1"}, "register": "out"},
            {"name": "read", INFO: {}, "register": "info"},
        ],
    }])
    assert run.returncode == 0, run
    result = result_of(run, "map")
    assert result["zone_id"] == ZONE_ID
    assert result["api_requests"] == 4  # zone lookup, GET (404), supported_regions, PUT
    assert result_of(run, "read")["mappings"][0]["origin_ip"] == "203.0.113.5"
    assert emulator.state() == {"203.0.113.5": ("gcp", "us-central1")}


def test_non_canonical_ipv6_is_stored_canonical_and_stays_ok(emulator):
    run = run_playbook(emulator, [
        mapping_task("create", "2001:DB8:0:0::A", "gcp", "us-central1"),
        mapping_task("other spelling", "2001:db8:0000::a", "gcp", "us-central1"),
        mapping_task("mapped v4", "::FFFF:C000:0201", "aws", "eu-west-1"),
        mapping_task("mapped v4 again", "::ffff:192.0.2.1", "aws", "eu-west-1"),
    ], env=AUTH)
    assert run.returncode == 0, run
    assert result_of(run, "create")["origin_ip"] == "2001:db8::a"
    assert result_of(run, "other spelling")["changed"] is False
    assert result_of(run, "mapped v4")["origin_ip"] == "::ffff:192.0.2.1"
    assert result_of(run, "mapped v4 again")["changed"] is False
    assert emulator.state() == {"2001:db8::a": ("gcp", "us-central1"), "::ffff:192.0.2.1": ("aws", "eu-west-1")}


def test_deprecated_generation_shares_the_mappings(emulator):
    v1 = {"api_generation": "v1"}
    run = run_playbook(emulator, [
        mapping_task("v1 create", "192.0.2.30", "aws", "us-east-1", **v1),
        mapping_task("v1 again", "192.0.2.30", "aws", "us-east-1", **v1),
        mapping_task("v2 sees it", "192.0.2.30", "aws", "us-east-1"),
        mapping_task("v1 update", "192.0.2.30", "azure", "eastus", **v1),
        task("v1 info", INFO, **v1),
        mapping_task("v1 delete", "192.0.2.30", state="absent", **v1),
    ], env=AUTH)
    assert run.returncode == 0, run
    assert result_of(run, "v1 create")["changed"] is True
    assert result_of(run, "v1 again")["changed"] is False
    assert result_of(run, "v2 sees it")["changed"] is False
    assert result_of(run, "v1 update")["mapping"]["vendor"] == "azure"
    assert [m["origin_ip"] for m in result_of(run, "v1 info")["mappings"]] == ["192.0.2.30"]
    assert result_of(run, "v1 delete")["changed"] is True
    assert emulator.state() == {}
    # v1 reached its end of life on 2026-10-01: every task that uses it says so, v2 tasks do not.
    for name in ("v1 create", "v1 again", "v1 update", "v1 info", "v1 delete"):
        assert any("2026-10-01" in warning for warning in result_of(run, name).get("warnings", [])), name
    assert not result_of(run, "v2 sees it").get("warnings")
    assert emulator.stats()["by_route"]


def test_info_reads_every_page_one_ip_and_regions(emulator):
    seeded = [{"origin_ip": "10.0.%d.%d" % (i // 200, i % 200), "vendor": "aws", "region": "us-east-1"} for i in range(250)]
    emulator.seed(seeded)
    run = run_playbook(emulator, [
        task("all", INFO),
        task("one", INFO, origin_ip="10.0.0.7", supported_regions=True),
        task("missing", INFO, origin_ip="192.0.2.99"),
    ], env=AUTH)
    assert run.returncode == 0, run
    everything = result_of(run, "all")
    assert everything["count"] == 250 and everything["api_requests"] == 3
    assert everything["mappings"][0]["origin_ip"] == "10.0.0.0"
    one = result_of(run, "one")
    assert one["mappings"][0]["origin_ip"] == "10.0.0.7"
    assert "us-east-1" in [region["name"] for region in one["supported_regions"]["vendors"]["aws"]]
    assert sorted(one["supported_regions"]["vendors"]) == ["aws", "azure", "gcp", "oci"]
    assert result_of(run, "missing")["mappings"] == []


@pytest.mark.parametrize("args, code", [
    ({"vendor": "aws", "region": "us-nowhere-1", "validate_region": False}, "[1157]"),
])
def test_server_side_validation_error_is_quoted(emulator, args, code):
    run = run_playbook(emulator, [task("bad", origin_ip="192.0.2.1", **args)], env=AUTH)
    result = failed_result(run, "bad")
    assert code in result["msg"] and result["api_error"]["status"] == 400
    assert emulator.state() == {}


def test_region_validation_lists_valid_regions_before_writing(emulator):
    run = run_playbook(emulator, [mapping_task("bad", "192.0.2.1", "gcp", "us-east-1")], env=AUTH)
    result = failed_result(run, "bad")
    assert "region 'us-east-1' is not valid for vendor 'gcp'" in result["msg"] and "us-central1" in result["msg"]
    assert emulator.stats()["writes"] == 0


@pytest.mark.parametrize("origin_ip, problem", [
    ("10.0.0.0/8", "CIDR"),
    ("fe80::1%eth0", "zone id"),
    ("192.0.2.001", "Leading zeros"),
    ("origin.example.com", "host names"),
    ("", "empty"),
])
def test_bad_ip_fails_before_any_request(emulator, origin_ip, problem):
    before = emulator.stats()["requests"]
    run = run_playbook(emulator, [mapping_task("bad", origin_ip, "aws", "us-east-1")], env=AUTH)
    result = failed_result(run, "bad")
    assert result["msg"].startswith("origin_ip: ") and problem in result["msg"]
    assert emulator.stats()["requests"] == before


def test_zone_full_surfaces_1164():
    emulator = EmulatorProcess("--max-mappings", "2").start()
    try:
        emulator.seed([{"origin_ip": "192.0.2.%d" % i, "vendor": "aws", "region": "us-east-1"} for i in (1, 2)])
        run = run_playbook(emulator, [
            mapping_task("third", "192.0.2.3", "aws", "us-east-1"),
        ], env=AUTH)
        result = failed_result(run, "third")
        assert "[1164]" in result["msg"] and result["api_error"]["status"] == 403
    finally:
        emulator.stop()


def test_auth_failures_and_legacy_key(emulator):
    run = run_playbook(emulator, [task("wrong token", INFO, api_token="not-the-token")])
    wrong = run.task("wrong token")
    assert wrong["status"] == "failed"
    assert wrong["result"]["api_error"]["status"] in (401, 403) and "HTTP 40" in wrong["result"]["msg"]
    missing = run_playbook(emulator, [task("no credentials", INFO)])
    assert "no Cloudflare credentials" in missing.task("no credentials")["result"]["msg"]
    legacy = run_playbook(emulator, [task("legacy key", INFO, api_email="ops@example.com", api_key="global-key-123")])
    assert legacy.returncode == 0, legacy


def test_secrets_never_appear_even_at_vvvv(emulator):
    secret_key = "global-key-123"
    run = run_playbook(emulator, [
        mapping_task("token ok", "192.0.2.1", "aws", "us-east-1", api_token=TOKEN),
        task("key ok", INFO, api_email="ops@example.com", api_key=secret_key),
        mapping_task("token failing", "192.0.2.2", "aws", "us-nowhere-1", api_token=TOKEN),
    ], verbosity=4, diff=True)
    assert run.returncode != 0
    for text in (run.stdout, run.stderr):
        assert TOKEN not in text
        assert secret_key not in text
    # and from the environment (AWX style), where no option marks it as secret
    env_run = run_playbook(emulator, [mapping_task("env token", "192.0.2.3", "aws", "bad-region")],
                           verbosity=4, env={"CLOUDFLARE_API_TOKEN": TOKEN})
    assert env_run.returncode != 0
    assert TOKEN not in env_run.stdout and TOKEN not in env_run.stderr


def test_flaky_api_is_retried_and_converges():
    emulator = EmulatorProcess("--fail-rate", "0.3", "--seed", "7").start()
    try:
        tasks = [mapping_task("map %d" % i, "192.0.2.%d" % i, "aws", "us-east-1") for i in range(1, 6)]
        run = run_playbook(emulator, tasks, env=AUTH)
        assert run.returncode == 0, run
        assert emulator.stats()["by_status"].get("500", 0) + emulator.stats()["by_status"].get("503", 0) > 0
        assert len(emulator.state()) == 5
    finally:
        emulator.stop()


def test_rate_limit_429_is_waited_out(emulator):
    # Deterministic: the emulator answers the next two requests 429 (Retry-After: 1), whatever the machine's speed.
    emulator.add_faults({"action": "status", "status": 429, "code": 971, "retry_after": "1", "times": 2})
    tasks = [task("read %d" % i, INFO) for i in range(3)]
    run = run_playbook(emulator, tasks + [mapping_task("write", "192.0.2.1", "aws", "us-east-1")], env=AUTH)
    assert run.returncode == 0, run
    assert emulator.stats()["rate_limited"] == 2
    assert [entry["status"] for entry in emulator.log(0)[:3]] == [429, 429, 200]
    assert emulator.state() == {"192.0.2.1": ("aws", "us-east-1")}


def test_batch_module_converges(emulator):
    wanted = [{"origin_ip": "192.0.2.%d" % i, "vendor": "aws", "region": "us-east-1"} for i in range(1, 151)]
    first = run_playbook(emulator, [task("batch", BATCH, mappings=wanted)], env=AUTH)
    assert first.returncode == 0, first
    assert result_of(first, "batch")["counts"] == {"created": 150, "updated": 0, "deleted": 0, "unchanged": 0, "failed": 0}
    second = run_playbook(emulator, [task("batch", BATCH, mappings=wanted)], env=AUTH)
    result = result_of(second, "batch")
    assert result["changed"] is False and result["counts"]["unchanged"] == 150
    assert result["api_requests"] == 2  # two pages of 100


def test_batch_item_failures_name_each_ip_and_a_rerun_converges(emulator):
    good = {"origin_ip": "192.0.2.1", "vendor": "aws", "region": "us-east-1"}
    bad = {"origin_ip": "192.0.2.2", "vendor": "aws", "region": "us-nowhere-1"}
    # Without the local region check, Cloudflare's per-item refusal is what the user sees.
    run = run_playbook(emulator, [task("batch", BATCH, mappings=[good, bad], validate_region=False)], env=AUTH)
    result = failed_result(run, "batch")
    assert result["created"] == ["192.0.2.1"]
    assert [item["origin_ip"] for item in result["failed_items"]] == ["192.0.2.2"]
    assert "192.0.2.2 (upsert):" in result["msg"] and "us-nowhere-1" in result["msg"]
    assert emulator.state() == {"192.0.2.1": ("aws", "us-east-1")}
    fixed = run_playbook(emulator, [task("batch", BATCH, mappings=[good, dict(bad, region="us-west-2")])], env=AUTH)
    assert result_of(fixed, "batch")["counts"] == {"created": 1, "updated": 0, "deleted": 0, "unchanged": 1, "failed": 0}
