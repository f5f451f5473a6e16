# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Adopting a live zone, proved end to end with real ansible-playbook runs against the emulator:

seed a zone through the API (IPv4, IPv6 in odd spellings, IPv4-mapped, every vendor), export it
with ``ansible-playbook edgeops.cloudflare.export_mappings``, apply the exported file with the role
and ``purge``: nothing changes and not one write is sent. Then edit the file (add, move, remove a
few mappings), and check mode predicts exactly those (the drift report and the set_stats numbers);
apply, export again: the file comes back byte for byte as edited. For the group_vars list
(mappings form), the one-host-per-origin inventory (hosts form), and two zones in one file.

The helpers here are imported by the other test_export*/test_drift* modules.
"""

from __future__ import annotations

import ipaddress
import json
import re
from pathlib import Path

import pytest
import yaml

from .harness import ansible_playbook
from .role_helpers import COM, NET, SECRET, Counter, recap_changed
# The fixtures, used as test arguments:
from .role_helpers import emu, role_emulator  # noqa: F401 pylint: disable=unused-import

REGIONS = json.loads((Path(__file__).resolve().parents[2] / "extras" / "emulator" / "supported_regions.json").read_text(encoding="utf-8"))
CATALOGUE = {vendor: [entry["name"] for entry in entries] for vendor, entries in REGIONS["vendors"].items()}
VENDORS = sorted(CATALOGUE)
GROUP_VARS_FILE = "inventory/group_vars/all/origin_cloud_regions.yml"
HOSTS_FILE = "inventory/origins.yml"
LOCALHOST_INVENTORY = """\
all:
  hosts:
    localhost:
      ansible_connection: local
      ansible_python_interpreter: "{{ ansible_playbook_python }}"
"""
LIST_PLAYBOOK = """\
- name: Map the origins listed in group_vars
  hosts: localhost
  gather_facts: false
  roles:
    - edgeops.cloudflare.origin_cloud_regions
"""
HOSTS_PLAYBOOK = """\
- name: Map the origins of the group 'origins'
  hosts: localhost
  gather_facts: false
  vars:
    origin_cloud_regions_from_hosts: true
    origin_cloud_regions_hosts: "{{ groups['origins'] }}"
  roles:
    - edgeops.cloudflare.origin_cloud_regions
"""
LINE = {
    "mappings": re.compile(r"^  - \{origin_ip: (?P<ip>[^,]+), vendor: (?P<vendor>[^,]+), region: (?P<region>[^,]+), "
                           r"zone: (?P<zone>[^}]+)\}$"),
    "hosts": re.compile(r"^        (?P<host>[^:]+): \{ansible_host: (?P<ip>[^,]+), origin_cloud_regions_host_vendor: "
                        r"(?P<vendor>[^,]+), origin_cloud_regions_host_region: (?P<region>[^,]+), "
                        r"origin_cloud_regions_host_zone: (?P<zone>[^}]+)\}$"),
}


# --------------------------------------------------------------------------- data, independent of the collection

def canonical(text):
    """RFC 5952 text of an address, IPv4-mapped in the mixed notation (computed here, not by the collection)."""
    address = ipaddress.ip_address(text)
    if address.version == 6 and address.ipv4_mapped is not None:
        return "::ffff:%s" % address.ipv4_mapped
    return str(address)


def sort_key(zone, ip):
    address = ipaddress.ip_address(ip)
    return (zone, address.version, int(address))


def odd_spelling(address, index):
    """One of several spellings of an IPv6 address that are not RFC 5952."""
    if index % 3 == 0:
        return address.exploded.upper()                                            # every zero, upper case
    if index % 3 == 1:
        return ":".join(group.lstrip("0") or "0" for group in address.exploded.split(":"))  # no "::"
    return ":".join(group.zfill(4) if group else group for group in str(address).split(":"))  # leading zeros


def zone_mappings(count, seed=0, ipv4_base="198.18.0.0"):
    """``count`` mappings as seeded (odd spellings) -> their canonical IPs: 60 % IPv4, 25 % IPv6, 15 % IPv4-mapped."""
    seeded = []
    v4 = ipaddress.ip_address(ipv4_base)
    v6 = ipaddress.ip_address("2001:db8::")
    for index in range(count):
        vendor = VENDORS[(index + seed) % len(VENDORS)]
        region = CATALOGUE[vendor][(index * 7 + seed) % len(CATALOGUE[vendor])]
        kind = index % 20
        if kind < 12:
            ip = str(v4 + 3 * index + 1)
        elif kind < 17:
            ip = odd_spelling(v6 + (index << 20) + index + seed, index)
        else:
            mapped = ipaddress.ip_address("203.0.113.0") + (index % 250) + 1 + (index // 250) * 256
            ip = ("::FFFF:%s" % mapped) if index % 2 else ("0:0:0:0:0:ffff:%04x:%04x" % (int(mapped) >> 16, int(mapped) & 0xffff))
        seeded.append({"origin_ip": ip, "vendor": vendor, "region": region})
    return seeded


def seed_api(emulator, zone_id, mappings):
    """Seed through the API itself (the batch endpoint, 100 a request), as another tool would have."""
    for start in range(0, len(mappings), 100):
        answer = emulator.api("PUT", "/zones/%s/origin/cloud_regions/batch" % zone_id, token=SECRET,
                              json=mappings[start:start + 100])
        answer.raise_for_status()
        assert not answer.json()["result"]["failed"], answer.text
    return {canonical(m["origin_ip"]): (m["vendor"], m["region"]) for m in mappings}


# --------------------------------------------------------------------------- runs

class Project:
    """A scratch project: inventory/ (localhost, plus the exported file) and playbooks/."""

    def __init__(self, root, emulator, form="mappings"):
        self.root = root
        self.emulator = emulator
        self.form = form
        (root / "inventory" / "group_vars" / "all").mkdir(parents=True)
        (root / "inventory" / "hosts.yml").write_text(LOCALHOST_INVENTORY, encoding="utf-8")
        (root / "playbooks").mkdir()
        (root / "playbooks" / "apply.yml").write_text(LIST_PLAYBOOK if form == "mappings" else HOSTS_PLAYBOOK, encoding="utf-8")

    @property
    def file(self):
        return self.root / (GROUP_VARS_FILE if self.form == "mappings" else HOSTS_FILE)

    def run(self, arguments, extra_vars=None):
        env = {"CLOUDFLARE_API_TOKEN": SECRET, "ANSIBLE_SHOW_CUSTOM_STATS": "1"}
        return ansible_playbook(self.emulator, arguments, env=env, extra_vars=extra_vars, workdir=self.root)

    def export(self, zones, *options):
        """ansible-playbook edgeops.cloudflare.export_mappings, as docs/adopt.md shows it."""
        arguments = ["edgeops.cloudflare.export_mappings", "-e", "origin_cloud_regions_export_zones=%s" % zones,
                     "-e", "origin_cloud_regions_export_dest=%s" % (GROUP_VARS_FILE if self.form == "mappings" else HOSTS_FILE)]
        if self.form == "hosts":
            arguments += ["-e", "origin_cloud_regions_export_form=hosts"]
        return self.run(arguments + list(options))

    def apply(self, *options, purge=False):
        return self.run(["playbooks/apply.yml", "-i", "inventory"] + list(options),
                        extra_vars={"origin_cloud_regions_purge": purge})


def custom_stats(run):
    """The set_stats data of a run, as ansible-playbook prints it (ANSIBLE_SHOW_CUSTOM_STATS)."""
    lines = [line for line in run.stdout.splitlines() if line.startswith("\tRUN: ")]
    assert len(lines) == 1, run.stdout[-3000:]
    return json.loads(lines[0][len("\tRUN: "):])


def drift_lines(run):
    """The lines of the role's drift report."""
    entries = [entry for entry in run.results if entry["task"].endswith("Show the drift of each zone")]
    assert len(entries) == 1, [entry["task"] for entry in run.results]
    return entries[0]["result"]["msg"]


def file_entries(text, form):
    """[(zone, ip, vendor, region, host)] of the exported file, in file order, read with our own pattern."""
    entries = []
    for line in text.splitlines():
        match = LINE[form].match(line)
        if match:
            ip = match.group("ip").strip('"')
            entries.append((match.group("zone"), ip, match.group("vendor"), match.group("region"),
                            match.groupdict().get("host")))
    return entries


def host_name(ip, zone, several):
    """The documented host naming: origin-<IP with '.' and ':' as '-'>, plus '.<zone>' in an export of several zones."""
    return "origin-" + ip.replace(".", "-").replace(":", "-") + ("." + zone if several else "")


def line(form, zone, ip, vendor, region, host=None):
    """One line of the exported file, in the format docs/adopt.md documents."""
    quoted = ip if ":" not in ip else '"%s"' % ip
    if form == "mappings":
        return "  - {origin_ip: %s, vendor: %s, region: %s, zone: %s}" % (quoted, vendor, region, zone)
    return ("        %s: {ansible_host: %s, origin_cloud_regions_host_vendor: %s, origin_cloud_regions_host_region: %s, "
            "origin_cloud_regions_host_zone: %s}" % (host, quoted, vendor, region, zone))


def check_exported(text, form, expected):
    """The file holds exactly ``expected`` ({zone: {ip: (vendor, region)}}), canonical, sorted, nothing else."""
    assert text.startswith("---\n# ") and text.endswith("}\n")
    assert "modified_on" not in text and SECRET not in text
    entries = file_entries(text, form)
    body = [raw for raw in text.splitlines() if not raw.startswith("#") and raw != "---"]
    structure = ["origin_cloud_regions_mappings:"] if form == "mappings" else ["all:", "  children:", "    origins:", "      hosts:"]
    assert body[:len(structure)] == structure and len(body) == len(structure) + len(entries), "unexpected lines"
    assert {zone: {ip: (vendor, region) for z, ip, vendor, region, _host in entries if z == zone} for zone in expected} == expected
    assert all(ip == canonical(ip) for _zone, ip, _vendor, _region, _host in entries)
    assert [sort_key(zone, ip) for zone, ip, *_rest in entries] == sorted(sort_key(zone, ip) for zone, ip, *_rest in entries)
    if form == "hosts":
        several = len(expected) > 1
        assert [host for *_rest, host in entries] == [host_name(ip, zone, several) for zone, ip, *_rest in entries]
    # And what Ansible reads from it is the same.
    data = yaml.safe_load(text)
    if form == "mappings":
        assert len(data["origin_cloud_regions_mappings"]) == len(entries)
    else:
        assert len(data["all"]["children"]["origins"]["hosts"]) == len(entries)


def edit(text, form, add=(), move=(), remove=(), several=False):
    """Edit the exported text as a person would: drop lines, change a vendor/region, insert new lines in order.

    ``add``: (zone, ip, vendor, region); ``move``: (zone, ip, vendor, region) for an existing ip; ``remove``: (zone, ip).
    """
    lines = text.splitlines()
    head = [index for index, raw in enumerate(lines) if LINE[form].match(raw)]
    start = head[0] if head else len(lines)
    entries = file_entries(text, form)
    table = {(zone, ip): (vendor, region, host) for zone, ip, vendor, region, host in entries}
    for zone, ip in remove:
        del table[(zone, ip)]
    for zone, ip, vendor, region in move:
        table[(zone, ip)] = (vendor, region, table[(zone, ip)][2])
    for zone, ip, vendor, region in add:
        assert (zone, ip) not in table
        table[(zone, ip)] = (vendor, region, host_name(ip, zone, several))
    ordered = sorted(table, key=lambda key: sort_key(*key))
    body = [line(form, zone, ip, table[(zone, ip)][0], table[(zone, ip)][1], table[(zone, ip)][2]) for zone, ip in ordered]
    return "\n".join(lines[:start] + body) + "\n"


def expected_after(expected, add=(), move=(), remove=()):
    result = {zone: dict(mappings) for zone, mappings in expected.items()}
    for zone, ip in remove:
        del result[zone][ip]
    for zone, ip, vendor, region in list(move) + list(add):
        result[zone][ip] = (vendor, region)
    return result


def other_target(vendor, region):
    """Another vendor and region, for a 'move'."""
    vendor = VENDORS[(VENDORS.index(vendor) + 1) % len(VENDORS)]
    return vendor, CATALOGUE[vendor][3]


# --------------------------------------------------------------------------- the round trips

def round_trip(emulator, tmp_path, form, zones):
    """zones: {(name, id): seeded {ip: target}}. Export, apply (no write), edit, predict, apply, export again."""
    project = Project(tmp_path, emulator, form)
    expected = {name: mappings for (name, _zone_id), mappings in zones.items()}
    names = ",".join(name for name, _zone_id in zones)
    pages = sum(-(-len(mappings) // 100) for mappings in expected.values())

    counter = Counter(emulator)
    first = project.export(names)
    assert first.returncode == 0, first
    assert counter.delta() == {"requests": len(zones) + pages, "writes": 0, "by_method": {"GET": len(zones) + pages}}
    assert recap_changed(first) == {"localhost": 1}
    exported = project.file.read_bytes()
    check_exported(exported.decode("utf-8"), form, expected)

    again = project.export(names)
    assert again.returncode == 0, again
    assert recap_changed(again) == {"localhost": 0}
    assert project.file.read_bytes() == exported

    # The exported file, applied with purge: not one write, nothing changed.
    counter = Counter(emulator)
    applied = project.apply(purge=True)
    assert applied.returncode == 0, applied
    assert set(recap_changed(applied).values()) == {0}, applied.stdout
    assert counter.delta()["writes"] == 0
    assert custom_stats(applied)["origin_cloud_regions_drift_changes"] == 0

    # Edit: in each zone add three, move two, remove two.
    add, move, remove = [], [], []
    for number, (name, mappings) in enumerate(expected.items()):
        ips = sorted(mappings, key=lambda ip: sort_key(name, ip))
        add += [(name, "192.0.2.%d" % (200 + number), "aws", "us-east-1"),
                (name, canonical("2001:DB8:FFFF::%X" % (number + 1)), "gcp", "europe-west1"),
                (name, canonical("::ffff:198.51.100.%d" % (number + 1)), "oci", "eu-frankfurt-1")]
        move += [(name, ip) + other_target(*mappings[ip]) for ip in (ips[5], ips[-5])]
        remove += [(name, ip) for ip in (ips[10], ips[-10])]
    edited = edit(exported.decode("utf-8"), form, add, move, remove, several=len(zones) > 1)
    project.file.write_text(edited, encoding="utf-8")
    wanted = expected_after(expected, add, move, remove)
    check_exported(edited, form, wanted)

    # Check mode without purge: the removed ones are unmanaged; with purge, deleted. Nothing written.
    counter = Counter(emulator)
    check = project.apply("--check")
    check_purge = project.apply("--check", purge=True)
    assert check.returncode == 0, check
    assert check_purge.returncode == 0, check_purge
    assert counter.delta()["writes"] == 0
    for run, purge in ((check, False), (check_purge, True)):
        stats = custom_stats(run)
        lines = drift_lines(run)
        for name, mappings in expected.items():
            zone_remove = [ip for zone, ip in remove if zone == name]
            assert stats["origin_cloud_regions_drift"][name] == {
                "created": 3, "updated": 2, "deleted": 2 if purge else 0,
                "unchanged": len(mappings) - 4, "unmanaged": 0 if purge else 2}
            for zone, ip, vendor, region in add:
                if zone == name:
                    assert "  + %s %s/%s" % (ip, vendor, region) in lines
            for zone, ip, vendor, region in move:
                if zone == name:
                    assert "  ~ %s %s/%s -> %s/%s" % ((ip,) + mappings[ip] + (vendor, region)) in lines
            for ip in zone_remove:
                assert "  %s %s %s/%s" % (("-" if purge else "?", ip) + mappings[ip]) in lines
            assert "%s: 3 to create, 2 to update, %d to delete, %d unchanged, %d unmanaged" % (
                name, 2 if purge else 0, len(mappings) - 4, 0 if purge else 2) in lines
        assert stats["origin_cloud_regions_drift_changes"] == len(zones) * (7 if purge else 5)
        assert stats["origin_cloud_regions_drift_unmanaged"] == (0 if purge else 2 * len(zones))

    # Apply with purge, then export again: the file is the edited one, byte for byte.
    applied = project.apply(purge=True)
    assert applied.returncode == 0, applied
    for (name, zone_id) in zones:
        assert emulator.state(zone_id) == wanted[name]
    assert custom_stats(applied)["origin_cloud_regions_drift"] == {
        name: {"created": 3, "updated": 2, "deleted": 2, "unchanged": len(mappings) - 4, "unmanaged": 0}
        for name, mappings in expected.items()}
    final = project.export(names)
    assert final.returncode == 0, final
    assert recap_changed(final) == {"localhost": 0}, final.stdout
    assert project.file.read_text(encoding="utf-8") == edited


@pytest.mark.parametrize("form", ["mappings", "hosts"])
def test_one_zone_of_1000_round_trips_without_a_write(emu, tmp_path, form):
    seeded = zone_mappings(1000)
    assert {m["vendor"] for m in seeded} == set(VENDORS)
    assert any(m["origin_ip"] != canonical(m["origin_ip"]) for m in seeded)
    mappings = seed_api(emu, COM[1], seeded)
    assert emu.state(COM[1]) == mappings and len(mappings) == 1000
    round_trip(emu, tmp_path, form, {COM: mappings})


@pytest.mark.parametrize("form", ["mappings", "hosts"])
def test_two_zones_in_one_file_round_trip(emu, tmp_path, form):
    com = seed_api(emu, COM[1], zone_mappings(300))
    # Some IPs of example.net are example.com's too: in the hosts form, two hosts named with their zone.
    net = seed_api(emu, NET[1], zone_mappings(40, seed=1) + zone_mappings(150, seed=2, ipv4_base="100.64.0.0")[40:])
    assert set(com) & set(net)
    round_trip(emu, tmp_path, form, {COM: com, NET: net})
