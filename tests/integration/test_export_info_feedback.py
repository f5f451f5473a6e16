# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What origin_cloud_region_info returns is what origin_cloud_regions takes: a backup and restore,
and a copy from one zone to another, each two tasks, with real ansible-playbook runs against the
emulator on 127.0.0.1 (the info output, modified_on included, fed back unchanged)."""

from __future__ import annotations

from .harness import run_playbook
from .role_helpers import COM, NET, SECRET, Counter
from .test_export_roundtrip import seed_api, zone_mappings
# The fixtures, used as test arguments:
from .role_helpers import emu, role_emulator  # noqa: F401 pylint: disable=unused-import

ENV = {"CLOUDFLARE_API_TOKEN": SECRET}


def test_copy_a_zone_to_another_in_two_tasks(emu):
    source = seed_api(emu, COM[1], zone_mappings(250))
    seed_api(emu, NET[1], [{"origin_ip": "198.51.100.1", "vendor": "aws", "region": "us-east-1"}])  # not in the source
    tasks = [
        {"name": "Read the source zone", "edgeops.cloudflare.origin_cloud_region_info": {"zone": COM[0]}, "register": "source"},
        {"name": "Make the target zone hold the same", "edgeops.cloudflare.origin_cloud_regions": {
            "zone": NET[0], "mappings": "{{ source.mappings }}", "purge": True}, "register": "copied"},
    ]
    run = run_playbook(emu, tasks, env=ENV)
    assert run.returncode == 0, run
    assert run.task("Read the source zone")["result"]["mappings"][0]["modified_on"]
    assert emu.state(NET[1]) == source
    assert run.task("Make the target zone hold the same")["result"]["counts"] == {
        "created": 250, "updated": 0, "deleted": 1, "unchanged": 0, "failed": 0}

    counter = Counter(emu)
    again = run_playbook(emu, tasks, env=ENV)
    assert again.returncode == 0, again
    assert again.task("Make the target zone hold the same")["status"] == "ok"
    assert counter.delta()["writes"] == 0


def test_back_up_a_zone_and_restore_it_in_two_tasks(emu, tmp_path):
    original = seed_api(emu, COM[1], zone_mappings(250, seed=3))
    backup = tmp_path / "example.com.json"
    saved = run_playbook(emu, [
        {"name": "Read the zone", "edgeops.cloudflare.origin_cloud_region_info": {"zone": COM[0]}, "register": "zone"},
        {"name": "Keep it in a file", "ansible.builtin.copy": {
            "content": "{{ zone.mappings | to_nice_json }}", "dest": str(backup), "mode": "0600"}},
    ], env=ENV)
    assert saved.returncode == 0, saved

    # Someone deletes three mappings, moves one and adds one behind Ansible's back.
    ips = sorted(original)
    emu.api("DELETE", "/zones/%s/origin/cloud_regions/batch" % COM[1], token=SECRET, json=ips[:3]).raise_for_status()
    seed_api(emu, COM[1], [{"origin_ip": ips[3], "vendor": "oci", "region": "eu-frankfurt-1"},
                           {"origin_ip": "198.51.100.99", "vendor": "aws", "region": "us-east-1"}])
    assert emu.state(COM[1]) != original

    counter = Counter(emu)
    restored = run_playbook(emu, [
        {"name": "Restore the zone", "edgeops.cloudflare.origin_cloud_regions": {
            "zone": COM[0], "mappings": "{{ lookup('ansible.builtin.file', '%s') | from_json }}" % backup, "purge": True},
         "register": "restore"},
    ], env=ENV)
    assert restored.returncode == 0, restored
    assert emu.state(COM[1]) == original
    assert restored.task("Restore the zone")["result"]["counts"] == {
        "created": 3, "updated": 1, "deleted": 1, "unchanged": 246, "failed": 0}
    # Three pages to list, one batch to write, one to delete, one supported_regions lookup, one zone lookup.
    assert counter.delta()["by_method"] == {"GET": 5, "PUT": 1, "DELETE": 1}
