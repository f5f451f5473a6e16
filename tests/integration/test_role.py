# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The role edgeops.cloudflare.origin_cloud_regions, run with real ansible-playbook
against the emulator on 127.0.0.1, with the inventory and playbooks of role_fixtures/."""

from __future__ import annotations

import pytest

from .role_helpers import COM, NET, SECRET, Counter, recap_changed, run_role, seed, states
# The fixtures, used as test arguments:
from .role_helpers import emu, role_emulator  # noqa: F401 pylint: disable=unused-import

# What role_fixtures/site.yml gathers: group_vars list + one mapping per host of 'origins'.
SITE_COM = {
    "192.0.2.10": ("aws", "us-east-1"),
    "198.51.100.30": ("azure", "westus2"),
    "203.0.113.1": ("oci", "us-ashburn-1"),
}
SITE_NET = {
    "2001:db8::20": ("gcp", "us-central1"),
    "203.0.113.2": ("aws", "us-west-2"),
}


def test_host_derived_and_listed_mappings_grouped_by_zone_then_rerun_is_ok(emu):
    seed(emu, COM[1], {"192.0.2.99": ("aws", "us-east-2")})  # old-1 says state: absent
    first = run_role(emu, "site.yml")
    assert first.returncode == 0, first
    assert states(emu) == (SITE_COM, SITE_NET)
    # One batch task per zone, run once for the play, from the controller.
    applied = [entry for entry in first.results
               if entry["task"].endswith("Apply the mappings of each zone") and entry["status"] == "item_ok"]
    assert sorted(entry["result"]["_ansible_item_label"] for entry in applied) == [
        "zone=example.com, mappings: 4", "zone=example.net, mappings: 2"]
    assert {entry["host"] for entry in applied} == {"web-1"}
    com = next(entry["result"] for entry in applied if entry["result"]["zone_id"] == COM[1])
    assert com["created"] == ["192.0.2.10", "198.51.100.30", "203.0.113.1"]
    assert com["deleted"] == ["192.0.2.99"]

    counter = Counter(emu)
    second = run_role(emu, "site.yml")
    assert second.returncode == 0, second
    assert set(recap_changed(second).values()) == {0}, second.stdout
    assert counter.delta()["writes"] == 0
    assert states(emu) == (SITE_COM, SITE_NET)


def test_include_role_once_in_a_play_on_the_hosts(emu):
    run = run_role(emu, "site_include.yml")
    assert run.returncode == 0, run
    assert states(emu) == (SITE_COM, SITE_NET)
    # Argument validation ran once, not once per host.
    validations = [entry for entry in run.results if "Validating arguments" in entry["task"]]
    assert len(validations) == 1


def test_host_derived_from_a_play_on_localhost(emu):
    run = run_role(emu, "hosts_from_localhost.yml")
    assert run.returncode == 0, run
    assert states(emu) == ({"192.0.2.10": ("aws", "us-east-1"), "198.51.100.30": ("azure", "westus2")},
                           {"2001:db8::20": ("gcp", "us-central1")})
    # A play on the controller is not delegated to it again (delegation costs a lot per loop item).
    assert set(delegations(run)) == {None}


def test_explicit_list_only_with_the_zone_given_by_id(emu):
    run = run_role(emu, "localhost.yml", extra_vars={"origin_cloud_regions_zone": "", "origin_cloud_regions_zone_id": COM[1]})
    assert run.returncode == 0, run
    assert states(emu) == ({"203.0.113.1": ("oci", "us-ashburn-1")}, {"203.0.113.2": ("aws", "us-west-2")})


def test_check_mode_writes_nothing_and_diff_shows_a_line_per_mapping(emu):
    counter = Counter(emu)
    run = run_role(emu, "site.yml", "--check", "--diff")
    assert run.returncode == 0, run
    assert counter.delta()["writes"] == 0
    assert states(emu) == ({}, {})
    for ip, (vendor, region) in list(SITE_COM.items()) + list(SITE_NET.items()):
        assert "+%s %s/%s" % (ip, vendor, region) in run.stdout, run.stdout
    assert "changed: [web-1 -> localhost]" in run.stdout
    assert set(delegations(run)) == {"localhost"}


def delegations(run):
    """Where each item of the role's module tasks ran (None: not delegated)."""
    found = [entry["delegate_to"] for entry in run.results
             if entry["status"] == "item_ok" and entry["task"].startswith("edgeops.cloudflare.")]
    assert found, run
    return found


def test_diff_of_a_change_shows_before_and_after(emu):
    seed(emu, COM[1], {"192.0.2.10": ("aws", "us-west-1")})
    run = run_role(emu, "site.yml", "--diff")
    assert run.returncode == 0, run
    assert "-192.0.2.10 aws/us-west-1" in run.stdout
    assert "+192.0.2.10 aws/us-east-1" in run.stdout


def test_per_mapping_mode_prints_a_line_per_mapping_and_is_idempotent(emu):
    seed(emu, COM[1], {"192.0.2.99": ("aws", "us-east-2")})
    run = run_role(emu, "site.yml", extra_vars={"origin_cloud_regions_mode": "per_mapping"})
    assert run.returncode == 0, run
    assert states(emu) == (SITE_COM, SITE_NET)
    for label in ("192.0.2.10 -> aws/us-east-1", "2001:db8::20 -> gcp/us-central1", "203.0.113.2 -> aws/us-west-2",
                  "192.0.2.99 -> absent"):
        assert "(item=%s)" % label in run.stdout, run.stdout

    counter = Counter(emu)
    again = run_role(emu, "site.yml", extra_vars={"origin_cloud_regions_mode": "per_mapping"})
    assert again.returncode == 0, again
    assert set(recap_changed(again).values()) == {0}
    assert counter.delta()["writes"] == 0


def test_purge_deletes_unlisted_mappings_in_batch_mode(emu):
    seed(emu, COM[1], {"192.0.2.77": ("aws", "us-east-2"), "203.0.113.1": ("oci", "us-ashburn-1")})
    seed(emu, NET[1], {"192.0.2.78": ("gcp", "us-east1")})
    run = run_role(emu, "site.yml", extra_vars={"origin_cloud_regions_purge": True})
    assert run.returncode == 0, run
    assert states(emu) == (SITE_COM, SITE_NET)


def test_purge_in_per_mapping_mode_deletes_one_by_one(emu):
    seed(emu, COM[1], {"192.0.2.77": ("aws", "us-east-2")})
    run = run_role(emu, "site.yml", extra_vars={"origin_cloud_regions_purge": True, "origin_cloud_regions_mode": "per_mapping"})
    assert run.returncode == 0, run
    assert "(item=192.0.2.77 -> absent)" in run.stdout
    assert states(emu) == (SITE_COM, SITE_NET)


def test_purge_of_an_empty_default_zone_needs_allow_purge_all(emu):
    seed(emu, COM[1], {"192.0.2.77": ("aws", "us-east-2")})
    refused = run_role(emu, "localhost.yml", extra_vars={"origin_cloud_regions_mappings": [], "origin_cloud_regions_purge": True})
    assert refused.returncode != 0
    assert "allow_purge_all" in refused.stdout
    assert emu.state(COM[1]) == {"192.0.2.77": ("aws", "us-east-2")}

    allowed = run_role(emu, "localhost.yml", extra_vars={"origin_cloud_regions_mappings": [], "origin_cloud_regions_purge": True,
                                                         "origin_cloud_regions_allow_purge_all": True})
    assert allowed.returncode == 0, allowed
    assert emu.state(COM[1]) == {}


@pytest.mark.parametrize("mode", ["batch", "per_mapping"])
def test_invalid_items_fail_naming_them_before_any_request(emu, mode):
    bad = [
        {"origin_ip": "203.0.113.5", "vendor": "aws", "region": "us-east-1"},
        {"origin_ip": "203.0.113.6", "vendor": "amazon", "region": "us-east-1"},
        {"origin_ip": "203.0.113.7", "vendor": "gcp"},
        {"origin_ip": "203.0.113.8", "vendor": "gcp", "region": "us-east1", "zone": "example.net", "zone_id": NET[1]},
    ]
    counter = Counter(emu)
    run = run_role(emu, "site.yml", extra_vars={"origin_cloud_regions_mappings": bad, "origin_cloud_regions_mode": mode,
                                                "origin_cloud_regions_host_region_var": "no_such_var"})
    assert run.returncode != 0
    assert counter.delta()["requests"] == 0
    message = run.stdout
    assert "nothing was written" in message
    assert "origin_cloud_regions_mappings[1] (203.0.113.6): vendor must be one of aws, azure, gcp, oci, got 'amazon'" in message
    assert "origin_cloud_regions_mappings[2] (203.0.113.7): region must be a non-empty string" in message
    assert "origin_cloud_regions_mappings[3]: zone and zone_id are mutually exclusive" in message
    for host in ("host web-1 (192.0.2.10)", "host web-2 (2001:db8::20)", "host 198.51.100.30 (198.51.100.30)"):
        assert host + ": region must be a non-empty string" in message


@pytest.mark.parametrize("mode", ["batch", "per_mapping"])
def test_a_conflict_in_one_zone_stops_every_zone_before_any_write(emu, mode):
    conflicting = [
        {"origin_ip": "203.0.113.9", "vendor": "aws", "region": "us-east-1"},
        {"origin_ip": "2001:db8::9", "vendor": "aws", "region": "us-east-1", "zone": "example.net"},
        {"origin_ip": "2001:DB8:0::9", "vendor": "gcp", "region": "us-east1", "zone": "example.net"},
    ]
    counter = Counter(emu)
    run = run_role(emu, "localhost.yml", extra_vars={"origin_cloud_regions_mappings": conflicting, "origin_cloud_regions_mode": mode})
    assert run.returncode != 0
    assert "origin_cloud_regions_mappings[2] (2001:db8::9) conflicts with origin_cloud_regions_mappings[1]" in run.stdout
    # Found from the inventory alone, before any request.
    assert counter.delta()["requests"] == 0
    assert states(emu) == ({}, {})


def test_unsupported_region_in_one_zone_stops_every_zone(emu):
    run = run_role(emu, "localhost.yml", extra_vars={"origin_cloud_regions_mappings": [
        {"origin_ip": "203.0.113.9", "vendor": "aws", "region": "us-east-1"},
        {"origin_ip": "203.0.113.10", "vendor": "aws", "region": "mars-north-1", "zone": "example.net"},
    ]})
    assert run.returncode != 0
    assert "mars-north-1" in run.stdout
    assert states(emu) == ({}, {})


def test_a_zone_named_by_name_and_by_id_is_refused(emu):
    run = run_role(emu, "localhost.yml", extra_vars={"origin_cloud_regions_mappings": [
        {"origin_ip": "203.0.113.9", "vendor": "aws", "region": "us-east-1"},
        {"origin_ip": "203.0.113.10", "vendor": "aws", "region": "us-east-1", "zone_id": COM[1]},
    ]})
    assert run.returncode != 0
    assert "given both by name and by id" in run.stdout
    assert states(emu) == ({}, {})


def test_argument_specs_reject_a_bad_mode(emu):
    run = run_role(emu, "localhost.yml", extra_vars={"origin_cloud_regions_mode": "fast"})
    assert run.returncode != 0
    assert "origin_cloud_regions_mode" in run.stdout and "batch, per_mapping" in run.stdout


@pytest.mark.parametrize("token_env", [True, False], ids=["token-from-environment", "token-from-role-variable"])
def test_the_token_never_appears_in_output_even_with_vvv(emu, token_env):
    extra_vars = {} if token_env else {"origin_cloud_regions_api_token": SECRET}
    run = run_role(emu, "site.yml", "-vvv", "--diff", token_env=token_env, extra_vars=extra_vars)
    assert run.returncode == 0, run
    assert states(emu) == (SITE_COM, SITE_NET)
    assert SECRET not in run.stdout
    assert SECRET not in run.stderr
    # A token in role variables hides the module tasks' output (origin_cloud_regions_no_log), not the summary.
    if not token_env:
        assert "censored" in run.stdout
    summary = [entry for entry in run.results if entry["task"].endswith("Report the changes of each zone")][-1]
    assert summary["result"]["msg"]["zone=example.com"]["created"] == 3


def test_role_variable_credentials_show_diff_when_no_log_is_off(emu):
    run = run_role(emu, "site.yml", "--diff", token_env=False,
                   extra_vars={"origin_cloud_regions_api_token": SECRET, "origin_cloud_regions_no_log": False})
    assert run.returncode == 0, run
    assert "+192.0.2.10 aws/us-east-1" in run.stdout
    assert SECRET not in run.stdout


def test_without_credentials_the_module_says_what_is_missing(emu):
    counter = Counter(emu)
    run = run_role(emu, "localhost.yml", token_env=False)
    assert run.returncode != 0
    assert "CLOUDFLARE_API_TOKEN" in run.stdout
    assert counter.delta()["requests"] == 0
