# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The role's drift report: check mode says per zone what it would create, update, delete and what
is unmanaged, in both modes; --diff shows every line; the numbers go to set_stats (aggregated over
runs of the role, and handed to AWX through ansible-runner's artifacts). Real ansible-playbook runs
with role_fixtures/ against the emulator on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from .harness import collections_path
from .role_helpers import COM, FIXTURES, INVENTORY, NET, SECRET, Counter, run_role, seed
from .test_export_roundtrip import custom_stats, drift_lines
# The fixtures, used as test arguments:
from .role_helpers import emu, role_emulator  # noqa: F401 pylint: disable=unused-import

STATS = {"ANSIBLE_SHOW_CUSTOM_STATS": "1"}
# role_fixtures/site.yml wants in example.com 192.0.2.10 aws/us-east-1, 198.51.100.30 azure/westus2,
# 203.0.113.1 oci/us-ashburn-1 and 192.0.2.99 absent; in example.net 2001:db8::20 and 203.0.113.2.
ZONE_COM = {"192.0.2.10": ("gcp", "us-east1"), "192.0.2.99": ("aws", "us-east-2"), "203.0.113.1": ("oci", "us-ashburn-1"),
            "192.0.2.55": ("azure", "westeurope"), "2001:db8::55": ("aws", "eu-west-1")}
ZONE_NET = {"2001:db8::20": ("gcp", "us-central1")}
EXPECTED_LINES = [
    "drift of 2 zone(s) (check mode): 4 change(s), 2 unmanaged"
    " [+ create, ~ update, - delete, ? unmanaged: in the zone, in no inventory]",
    "example.com: 1 to create, 1 to update, 1 to delete, 1 unchanged, 2 unmanaged",
    "  + 198.51.100.30 azure/westus2",
    "  ~ 192.0.2.10 gcp/us-east1 -> aws/us-east-1",
    "  - 192.0.2.99 aws/us-east-2",
    "  ? 192.0.2.55 azure/westeurope",
    "  ? 2001:db8::55 aws/eu-west-1",
    "example.net: 1 to create, 0 to update, 0 to delete, 1 unchanged, 0 unmanaged",
    "  + 203.0.113.2 aws/us-west-2",
]
EXPECTED_STATS = {
    "origin_cloud_regions_drift": {
        "example.com": {"created": 1, "updated": 1, "deleted": 1, "unchanged": 1, "unmanaged": 2},
        "example.net": {"created": 1, "updated": 0, "deleted": 0, "unchanged": 1, "unmanaged": 0},
    },
    "origin_cloud_regions_drift_changes": 4,
    "origin_cloud_regions_drift_unmanaged": 2,
}


def seed_zones(emulator):
    seed(emulator, COM[1], ZONE_COM)
    seed(emulator, NET[1], ZONE_NET)


@pytest.mark.parametrize("mode", ["batch", "per_mapping"])
def test_check_mode_is_the_drift_report(emu, mode):
    seed_zones(emu)
    counter = Counter(emu)
    run = run_role(emu, "site.yml", "--check", extra_vars={"origin_cloud_regions_mode": mode}, env=STATS)
    assert run.returncode == 0, run
    assert counter.delta()["writes"] == 0
    assert drift_lines(run) == EXPECTED_LINES
    assert custom_stats(run) == EXPECTED_STATS
    assert "CUSTOM STATS" in run.stdout


@pytest.mark.parametrize("mode", ["batch", "per_mapping"])
def test_diff_shows_a_line_per_mapping_in_both_modes(emu, mode):
    seed_zones(emu)
    many = [{"origin_ip": "203.0.113.%d" % number, "vendor": "gcp", "region": "us-east1"} for number in range(100, 125)]
    run = run_role(emu, "site.yml", "--diff", env=STATS,
                   extra_vars={"origin_cloud_regions_mode": mode, "origin_cloud_regions_mappings": many})
    assert run.returncode == 0, run
    lines = drift_lines(run)
    # The list replaces the group_vars list: 203.0.113.1 (example.com) is no longer listed, so unmanaged.
    assert lines[0].startswith("changes of 2 zone(s): 28 change(s), 3 unmanaged")
    for expected in ("  ~ 192.0.2.10 gcp/us-east1 -> aws/us-east-1", "  - 192.0.2.99 aws/us-east-2",
                     "  + 198.51.100.30 azure/westus2", "  ? 192.0.2.55 azure/westeurope"):
        assert expected in lines
    # Every one of the 25 new mappings, not the first ten.
    assert [line for line in lines if line.startswith("  + 203.0.113.")] == [
        "  + 203.0.113.%d gcp/us-east1" % number for number in range(100, 125)]
    assert "example.com: 26 created, 1 updated, 1 deleted, 0 unchanged, 3 unmanaged" in lines
    assert "  ? 203.0.113.1 oci/us-ashburn-1" in lines
    assert custom_stats(run)["origin_cloud_regions_drift"]["example.com"]["created"] == 26


def test_without_diff_the_lines_are_capped_and_unmanaged_is_not_counted(emu):
    many = [{"origin_ip": "203.0.113.%d" % number, "vendor": "gcp", "region": "us-east1"} for number in range(100, 125)]
    extra_vars = {"origin_cloud_regions_mappings": many, "origin_cloud_regions_report_lines": 3}
    seed_zones(emu)
    counter = Counter(emu)
    quiet = run_role(emu, "site.yml", env=STATS, extra_vars=dict(extra_vars, origin_cloud_regions_report=False))
    assert quiet.returncode == 0, quiet
    without_report = counter.delta()
    emu.reset()
    seed_zones(emu)
    counter = Counter(emu)
    run = run_role(emu, "site.yml", env=STATS, extra_vars=extra_vars)
    assert run.returncode == 0, run
    lines = drift_lines(run)
    assert lines[0] == "changes of 2 zone(s): 28 change(s) [+ create, ~ update, - delete]"
    assert lines[1:7] == [
        "example.com: 26 created, 1 updated, 1 deleted, 0 unchanged",
        "  + 198.51.100.30 azure/westus2",
        "  + 203.0.113.100 gcp/us-east1",
        "  + 203.0.113.101 gcp/us-east1",
        "  + ... 23 more created",
        "  ~ 192.0.2.10 -> aws/us-east-1",
    ]
    stats = custom_stats(run)
    assert stats["origin_cloud_regions_drift"]["example.com"]["unmanaged"] is None
    assert "origin_cloud_regions_drift_unmanaged" not in stats  # not known without a listing: left out
    # No listing for the report: the same requests as without it.
    assert counter.delta() == without_report


def test_set_stats_add_up_over_two_runs_of_the_role(emu, tmp_path):
    seed_zones(emu)
    playbook = tmp_path / "twice.yml"
    playbook.write_text("""\
- name: First zone
  hosts: localhost
  gather_facts: false
  roles:
    - role: edgeops.cloudflare.origin_cloud_regions
      origin_cloud_regions_zone: example.com
      origin_cloud_regions_mappings: [{origin_ip: 192.0.2.10, vendor: aws, region: us-east-1}]

- name: Second zone
  hosts: localhost
  gather_facts: false
  roles:
    - role: edgeops.cloudflare.origin_cloud_regions
      origin_cloud_regions_zone: example.net
      origin_cloud_regions_mappings: [{origin_ip: 192.0.2.11, vendor: oci, region: us-ashburn-1}]
""", encoding="utf-8")
    run = run_role(emu, str(playbook), "--check", env=STATS)
    assert run.returncode == 0, run
    assert custom_stats(run) == {
        "origin_cloud_regions_drift": {
            "example.com": {"created": 0, "updated": 1, "deleted": 0, "unchanged": 0, "unmanaged": 4},
            "example.net": {"created": 1, "updated": 0, "deleted": 0, "unchanged": 0, "unmanaged": 1},
        },
        "origin_cloud_regions_drift_changes": 2,
        "origin_cloud_regions_drift_unmanaged": 5,
    }


def test_report_off(emu):
    run = run_role(emu, "site.yml", "--check", env=STATS, extra_vars={"origin_cloud_regions_report": False})
    assert run.returncode == 0, run
    ran = [entry["task"].split(" : ")[-1] for entry in run.results if entry["status"] != "skipped"]
    assert not {"Read each zone for the drift report", "Work out the drift of each zone", "Show the drift of each zone",
                "Publish the drift of each zone (set_stats, for AWX workflows)"} & set(ran), ran
    assert "\tRUN:" not in run.stdout


def test_awx_workflow_check_gate_run(emu, tmp_path):
    """docs/awx.md, "Drift report": a Check job publishes the numbers (ansible-runner's artifact_data, which AWX
    passes to the next workflow nodes as extra variables); the gate fails on drift, so the workflow's on-failure
    path (approval, Run) is taken; after the Run, a new Check finds no drift and the gate passes."""
    ansible_runner = pytest.importorskip("ansible_runner")
    seed_zones(emu)
    root = tmp_path / "job"
    shutil.copytree(FIXTURES, root / "project", ignore=shutil.ignore_patterns("inventory"))
    shutil.copytree(INVENTORY, root / "inventory")
    (root / "project" / "drift_gate.yml").write_text("- ansible.builtin.import_playbook: edgeops.cloudflare.drift_gate\n",
                                                     encoding="utf-8")
    envvars = {"CLOUDFLARE_API_TOKEN": SECRET, "CLOUDFLARE_API_BASE_URL": emu.base_url,
               "ANSIBLE_COLLECTIONS_PATH": collections_path(),
               "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}

    def job(playbook, cmdline=None, extravars=None):
        return ansible_runner.run(private_data_dir=str(root), playbook=playbook, cmdline=cmdline, extravars=extravars,
                                  inventory=str(root / "inventory"), envvars=envvars, quiet=True, suppress_env_files=True)

    def artifacts(result):
        stats = [event for event in result.events if event.get("event") == "playbook_on_stats"]
        return stats[-1]["event_data"]["artifact_data"]

    check = job("site.yml", "--check --diff")
    assert check.rc == 0, check.stdout.read()
    assert artifacts(check) == EXPECTED_STATS
    gate = job("drift_gate.yml", extravars=artifacts(check))
    assert gate.rc != 0
    assert "drift: 4 change(s) to make, 2 unmanaged mapping(s) (example.com: 1 to create, 1 to update, 1 to delete, " \
        "2 unmanaged; example.net: 1 to create, 0 to update, 0 to delete, 0 unmanaged)" in gate.stdout.read()

    applied = job("site.yml")
    assert applied.rc == 0, applied.stdout.read()
    again = job("site.yml", "--check")
    assert artifacts(again)["origin_cloud_regions_drift_changes"] == 0
    gate = job("drift_gate.yml", extravars=artifacts(again))
    assert gate.rc == 0, gate.stdout.read()
    # Unmanaged mappings stop the gate only when asked to.
    strict = job("drift_gate.yml", extravars=dict(artifacts(again), origin_cloud_regions_drift_gate_unmanaged=True))
    assert strict.rc != 0
