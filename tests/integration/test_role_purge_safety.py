# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A purge must never delete what the run does not see: the role under --limit, in an AWX
workflow (job slicing), and with nothing present to keep. Real ansible-playbook runs against
the emulator on 127.0.0.1; every refusal is checked in the emulator: nothing was written."""

from __future__ import annotations

import pytest

from .role_helpers import COM, FLEET, FLEET_MAPPINGS, NET, Counter, run_role, seed, states
# The fixtures, used as test arguments:
from .role_helpers import emu, role_emulator  # noqa: F401 pylint: disable=unused-import

PURGE = {"origin_cloud_regions_purge": True}
STRAY = {"198.51.100.99": ("gcp", "us-central1")}  # in the zone, in no inventory


def fleet_with_a_stray(emulator):
    seed(emulator, COM[1], dict(FLEET_MAPPINGS, **STRAY))


# --limit -------------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["batch", "per_mapping"])
def test_purge_under_a_limit_is_refused_before_any_write(emu, mode):
    """ansible-playbook --limit web01 over 20 hosts used to delete the other 19 mappings."""
    fleet_with_a_stray(emu)
    counter = Counter(emu)
    run = run_role(emu, "site.yml", "--limit", "web01", inventory=FLEET,
                   extra_vars=dict(PURGE, origin_cloud_regions_mode=mode))
    assert run.returncode != 0, run
    assert counter.delta()["writes"] == 0
    assert emu.state(COM[1]) == dict(FLEET_MAPPINGS, **STRAY)
    message = " ".join(run.stdout.split())
    assert "refusing to purge with --limit 'web01', nothing was written" in message, run.stdout
    assert "19 inventory host(s) define a mapping" in message
    assert "among the 1 host(s) the mappings are gathered from" in message
    assert "web02, web03, web04, web05, web06, ..." in message
    for advice in ("Run without --limit", "set origin_cloud_regions_hosts to the inventory group",
                   "set origin_cloud_regions_purge to false"):
        assert advice in message


def test_a_limit_without_purge_only_upserts_the_limited_hosts(emu):
    seed(emu, COM[1], STRAY)
    run = run_role(emu, "site.yml", "--limit", "web01,web02", inventory=FLEET)
    assert run.returncode == 0, run
    assert emu.state(COM[1]) == dict({"192.0.2.1": ("aws", "us-east-1"), "192.0.2.2": ("aws", "us-east-1")}, **STRAY)


def test_purge_under_a_limit_is_safe_when_the_hosts_are_an_inventory_group(emu):
    """groups['origins'] is not reduced by --limit: the wanted set is the whole group."""
    seed(emu, COM[1], dict(list(FLEET_MAPPINGS.items())[:10], **STRAY))
    run = run_role(emu, "site_group.yml", "--limit", "web01", inventory=FLEET, extra_vars=PURGE)
    assert run.returncode == 0, run
    # The stray is purged; every origin is kept (and the missing ten created), not only web01.
    assert emu.state(COM[1]) == FLEET_MAPPINGS


def test_purge_without_a_limit_still_purges(emu):
    fleet_with_a_stray(emu)
    run = run_role(emu, "site.yml", inventory=FLEET, extra_vars=PURGE)
    assert run.returncode == 0, run
    assert emu.state(COM[1]) == FLEET_MAPPINGS


# AWX job slicing (workflow jobs) ----------------------------------------------------------------

AWX_SLICE = {"awx_workflow_job_id": 4711, "awx_job_launch_type": "workflow", "awx_job_id": 4712}


@pytest.mark.parametrize("prefix", ["awx", "tower"])
def test_purge_in_an_awx_workflow_job_is_refused(emu, prefix):
    fleet_with_a_stray(emu)
    counter = Counter(emu)
    awx = {key.replace("awx_", prefix + "_"): value for key, value in AWX_SLICE.items()}
    run = run_role(emu, "site.yml", inventory=FLEET, extra_vars=dict(PURGE, **awx))
    assert run.returncode != 0, run
    assert counter.delta()["writes"] == 0
    assert emu.state(COM[1]) == dict(FLEET_MAPPINGS, **STRAY)
    message = " ".join(run.stdout.split())
    assert "refusing to purge in an AWX workflow job (workflow job 4711, launch type workflow), nothing was written" in message
    assert "job slicing" in message and "origin_cloud_regions_purge_in_workflow" in message


def test_purge_in_a_workflow_job_with_the_opt_in_and_upserts_without_purge_work(emu):
    fleet_with_a_stray(emu)
    allowed = run_role(emu, "site.yml", inventory=FLEET,
                       extra_vars=dict(PURGE, origin_cloud_regions_purge_in_workflow=True, **AWX_SLICE))
    assert allowed.returncode == 0, allowed
    assert emu.state(COM[1]) == FLEET_MAPPINGS

    emu.reset()
    no_purge = run_role(emu, "site.yml", inventory=FLEET, extra_vars=AWX_SLICE)
    assert no_purge.returncode == 0, no_purge
    assert emu.state(COM[1]) == FLEET_MAPPINGS


# Purge with nothing present ------------------------------------------------------------------

ONLY_ABSENT = [{"origin_ip": "203.0.113.1", "state": "absent"}]


@pytest.mark.parametrize("mode", ["batch", "per_mapping"])
def test_purge_with_only_absent_items_is_refused_naming_the_zone(emu, mode):
    seed(emu, COM[1], {"203.0.113.1": ("oci", "us-ashburn-1"), "192.0.2.77": ("aws", "us-east-2")})
    counter = Counter(emu)
    run = run_role(emu, "localhost.yml", extra_vars=dict(PURGE, origin_cloud_regions_mappings=ONLY_ABSENT,
                                                         origin_cloud_regions_mode=mode))
    assert run.returncode != 0, run
    assert counter.delta()["writes"] == 0
    assert emu.state(COM[1]) == {"203.0.113.1": ("oci", "us-ashburn-1"), "192.0.2.77": ("aws", "us-east-2")}
    message = " ".join(run.stdout.split())
    assert "refusing to purge zone=example.com, nothing was written" in message, run.stdout
    assert "allow_purge_all" in message


def test_purge_with_one_zone_left_only_absent_items_stops_every_zone(emu):
    """The zone with present items would otherwise be written before the other one is refused."""
    seed(emu, COM[1], {"192.0.2.77": ("aws", "us-east-2")})
    seed(emu, NET[1], {"203.0.113.1": ("oci", "us-ashburn-1"), "192.0.2.78": ("gcp", "us-east1")})
    counter = Counter(emu)
    run = run_role(emu, "localhost.yml", extra_vars=dict(PURGE, origin_cloud_regions_mappings=[
        {"origin_ip": "192.0.2.10", "vendor": "aws", "region": "us-east-1"},
        {"origin_ip": "203.0.113.1", "state": "absent", "zone": "example.net"},
    ]))
    assert run.returncode != 0, run
    assert "refusing to purge zone=example.net" in " ".join(run.stdout.split())
    assert counter.delta()["writes"] == 0
    assert states(emu) == ({"192.0.2.77": ("aws", "us-east-2")},
                           {"203.0.113.1": ("oci", "us-ashburn-1"), "192.0.2.78": ("gcp", "us-east1")})


def test_purge_with_only_absent_items_and_allow_purge_all_empties_the_zone(emu):
    seed(emu, COM[1], {"203.0.113.1": ("oci", "us-ashburn-1"), "192.0.2.77": ("aws", "us-east-2")})
    run = run_role(emu, "localhost.yml", extra_vars=dict(PURGE, origin_cloud_regions_mappings=ONLY_ABSENT,
                                                         origin_cloud_regions_allow_purge_all=True))
    assert run.returncode == 0, run
    assert emu.state(COM[1]) == {}


def test_purge_when_no_host_is_gathered_is_refused(emu):
    """A play on localhost with host-derived mappings and no hosts named: nothing gathered for the zone."""
    fleet_with_a_stray(emu)
    counter = Counter(emu)
    run = run_role(emu, "localhost.yml", inventory=FLEET, extra_vars=dict(PURGE, origin_cloud_regions_from_hosts=True))
    assert run.returncode != 0, run
    assert "refusing to purge zone=example.com" in " ".join(run.stdout.split())
    assert counter.delta()["writes"] == 0
    assert emu.state(COM[1]) == dict(FLEET_MAPPINGS, **STRAY)
