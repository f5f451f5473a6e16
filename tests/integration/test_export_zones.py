# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""edgeops.cloudflare.zone_info and the export of every zone, several zones, or one by id, with real
ansible-playbook runs against the emulator on 127.0.0.1: paging of GET /zones, names that match no
zone, pages that do not add up, check mode and --diff of the export, what it refuses, and that a
token given as a role variable never shows."""

from __future__ import annotations

import json

import pytest
import requests
import yaml

from .harness import EmulatorProcess, run_playbook
from .role_helpers import COM, NET, SECRET, Counter, recap_changed
from .test_export_roundtrip import HOSTS_FILE, Project, seed_api
# The fixtures, used as test arguments:
from .role_helpers import emu, role_emulator  # noqa: F401 pylint: disable=unused-import

TOKEN = "zones-token"
# Sixty zones: GET /zones answers 50 a page, so two pages.
MANY = [("zone%02d.example" % number, "%032x" % (0xabc000 + number)) for number in range(60)]


@pytest.fixture(scope="module")
def many_zones():
    arguments = ["--api-token", TOKEN]
    for name, zone_id in MANY:
        arguments += ["--zone", "%s=%s" % (name, zone_id)]
    emulator = EmulatorProcess(*arguments).start()
    yield emulator
    emulator.stop()


@pytest.fixture
def zones_emu(many_zones):
    many_zones.reset()
    return many_zones


def admin_seed(emulator, zone_id, mappings):
    answer = requests.post(emulator.admin_url + "/seed", json={"zone_id": zone_id, "items": mappings}, timeout=30)
    answer.raise_for_status()


def zone_info(emulator, **options):
    run = run_playbook(emulator, [{"name": "zones", "edgeops.cloudflare.zone_info": options, "register": "zones"}],
                       env={"CLOUDFLARE_API_TOKEN": TOKEN})
    return run, run.task("zones")["result"]


def test_every_zone_over_two_pages(zones_emu):
    counter = Counter(zones_emu)
    run, result = zone_info(zones_emu)
    assert run.returncode == 0, run
    assert [zone["name"] for zone in result["zones"]] == [name for name, _zone_id in MANY]
    assert [zone["id"] for zone in result["zones"]] == [zone_id for _name, zone_id in MANY]
    assert result["count"] == 60 and result["missing"] == [] and result["changed"] is False
    assert {zone["status"] for zone in result["zones"]} == {"active"}
    assert counter.delta()["requests"] == 2 == result["api_requests"]
    assert all(entry["path"].startswith("/client/v4/zones") for entry in zones_emu.log(2))


def test_names_one_request_each_and_missing_ones_listed(zones_emu):
    counter = Counter(zones_emu)
    run, result = zone_info(zones_emu, names=["ZONE07.example.", "zone03.example", "nope.example"])
    assert run.returncode == 0, run
    assert [zone["name"] for zone in result["zones"]] == ["zone03.example", "zone07.example"]
    assert result["missing"] == ["nope.example"]
    assert counter.delta()["requests"] == 3


def test_a_name_that_is_no_zone_name_is_refused_before_any_request(zones_emu):
    counter = Counter(zones_emu)
    run = run_playbook(zones_emu, [{"name": "zones", "edgeops.cloudflare.zone_info": {"names": ["ok.example", "no/such"]}}],
                       env={"CLOUDFLARE_API_TOKEN": TOKEN})
    assert run.returncode != 0
    assert "names[1]: must be a DNS name" in run.stdout
    assert counter.delta()["requests"] == 0


def test_pages_that_do_not_add_up_fail_rather_than_return_a_partial_list(zones_emu):
    short_page = {"success": True, "errors": [], "messages": [], "result": [],
                  "result_info": {"page": 2, "per_page": 50, "count": 0, "total_count": 60, "total_pages": 2}}
    zones_emu.add_faults({"route": "zones", "after": 1, "action": "body", "body": "raw", "raw": json.dumps(short_page),
                          "content_type": "application/json"})
    run = run_playbook(zones_emu, [{"name": "zones", "edgeops.cloudflare.zone_info": {}}], env={"CLOUDFLARE_API_TOKEN": TOKEN})
    assert run.returncode != 0
    assert "the list of zones is incomplete or inconsistent (50 zone(s) on 2 page(s), but result_info.total_count says 60)" \
        in run.stdout


def test_export_every_zone(zones_emu, tmp_path):
    for name, zone_id in MANY[::20]:
        admin_seed(zones_emu, zone_id, [{"origin_ip": "192.0.2.%d" % number, "vendor": "aws", "region": "us-east-1"}
                                        for number in (7, 3)])
    counter = Counter(zones_emu)
    arguments = ["edgeops.cloudflare.export_mappings", "-e", "origin_cloud_regions_export_all_zones=true",
                 "-e", "origin_cloud_regions_export_dest=all.yml", "-e", "origin_cloud_regions_api_token=%s" % TOKEN]
    run = Project(tmp_path, zones_emu).run(arguments)
    assert run.returncode == 0, run
    # Two pages of zones, then one page of mappings for each zone.
    assert counter.delta() == {"requests": 62, "writes": 0, "by_method": {"GET": 62}}
    data = yaml.safe_load((tmp_path / "all.yml").read_text(encoding="utf-8"))
    assert data["origin_cloud_regions_mappings"] == [
        {"origin_ip": "192.0.2.%d" % number, "vendor": "aws", "region": "us-east-1", "zone": name}
        for name, _zone_id in MANY[::20] for number in (3, 7)]
    assert "6 mapping(s) of 60 zone(s) in %s" % (tmp_path / "all.yml") in run.stdout


def test_export_by_id_check_mode_and_diff(emu, tmp_path):
    seed_api(emu, COM[1], [{"origin_ip": "2001:DB8::1", "vendor": "gcp", "region": "us-east1"},
                           {"origin_ip": "192.0.2.1", "vendor": "aws", "region": "us-east-1"}])
    project = Project(tmp_path, emu)
    options = ["-e", "origin_cloud_regions_export_zone_key=zone_id"]
    check = project.export("example.com", "--check", "--diff", *options)
    assert check.returncode == 0, check
    assert not project.file.exists()
    assert recap_changed(check) == {"localhost": 1}
    assert "+  - {origin_ip: 192.0.2.1, vendor: aws, region: us-east-1, zone_id: %s}" % COM[1] in check.stdout
    assert '+  - {origin_ip: "2001:db8::1", vendor: gcp, region: us-east1, zone_id: %s}' % COM[1] in check.stdout

    written = project.export("example.com", *options)
    assert written.returncode == 0, written
    # The role applies the file as it is, naming the zone by id: nothing to write.
    counter = Counter(emu)
    applied = project.apply(purge=True)
    assert applied.returncode == 0, applied
    assert counter.delta()["writes"] == 0

    seed_api(emu, COM[1], [{"origin_ip": "192.0.2.2", "vendor": "oci", "region": "us-ashburn-1"}])
    diff = project.export("example.com", "--diff", *options)
    assert diff.returncode == 0, diff
    assert recap_changed(diff) == {"localhost": 1}
    assert "+  - {origin_ip: 192.0.2.2, vendor: oci, region: us-ashburn-1, zone_id: %s}" % COM[1] in diff.stdout


@pytest.mark.parametrize("options, message", [
    ([], "give origin_cloud_regions_export_dest (the file to write, not a directory) and either"),
    (["-e", "origin_cloud_regions_export_zones=example.com", "-e", "origin_cloud_regions_export_all_zones=true"], "not both"),
    (["-e", "origin_cloud_regions_export_zones=example.com", "-e", "origin_cloud_regions_export_form=csv"],
     "origin_cloud_regions_export_form"),
    (["-e", "origin_cloud_regions_export_zones=example.com,nope.example"],
     "zone: no zone named 'nope.example' is visible with these credentials"),
])
def test_export_refuses_and_writes_nothing(emu, tmp_path, options, message):
    run = Project(tmp_path, emu).run(["edgeops.cloudflare.export_mappings", "-e", "origin_cloud_regions_export_dest=out.yml"]
                                     + options)
    assert run.returncode != 0
    assert message in run.stdout, run.stdout
    assert not (tmp_path / "out.yml").exists()


def test_export_without_dest_is_refused_by_the_argument_spec(emu, tmp_path):
    run = Project(tmp_path, emu).run(["edgeops.cloudflare.export_mappings", "-e", "origin_cloud_regions_export_zones=example.com"])
    assert run.returncode != 0
    assert "origin_cloud_regions_export_dest" in run.stdout


def test_token_as_role_variable_never_shows_and_hosts_form_of_two_zones(emu, tmp_path):
    seed_api(emu, COM[1], [{"origin_ip": "192.0.2.1", "vendor": "aws", "region": "us-east-1"}])
    seed_api(emu, NET[1], [{"origin_ip": "192.0.2.1", "vendor": "gcp", "region": "us-east1"}])
    secrets = tmp_path / "secrets.yml"
    secrets.write_text("origin_cloud_regions_api_token: %s\n" % SECRET, encoding="utf-8")
    project = Project(tmp_path, emu, form="hosts")
    run = project.run(["edgeops.cloudflare.export_mappings", "-vvv", "-e", "@%s" % secrets,
                       "-e", "origin_cloud_regions_export_zones=example.net,example.com",
                       "-e", "origin_cloud_regions_export_form=hosts", "-e", "origin_cloud_regions_export_dest=%s" % HOSTS_FILE])
    assert run.returncode == 0, run
    assert SECRET not in run.stdout + run.stderr
    hosts = yaml.safe_load(project.file.read_text(encoding="utf-8"))["all"]["children"]["origins"]["hosts"]
    assert list(hosts) == ["origin-192-0-2-1.example.com", "origin-192-0-2-1.example.net"]
