# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the benchmarks share: the emulator's zone and token, the mappings, the scratch tree, one
timed ``ansible-playbook`` run, the ansible-playbook lookup, the common options and the tables.

Not a benchmark itself: bench_role.py, bench_export.py and bench_in_process.py import it.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import ipaddress
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
from integration.harness import EmulatorProcess  # noqa: E402  pylint: disable=wrong-import-position
REGIONS = REPO / "extras" / "emulator" / "supported_regions.json"
ZONE_NAME = "example.com"
ZONE_ID = "023e105f4ecef8ad9ca31a8372d0c353"
TOKEN = "bench-token-not-secret"
METHODS = ("GET", "PUT", "DELETE", "PATCH", "POST")


# --------------------------------------------------------------------------- data

def region_catalogue():
    """{vendor: [region name, ...]} from the emulator's supported_regions.json."""
    document = json.loads(REGIONS.read_text(encoding="utf-8"))
    return {vendor: [entry["name"] for entry in entries] for vendor, entries in document["vendors"].items()}


def make_mappings(count, seed=5, ipv4_mapped=False):
    """``count`` distinct origins, vendors in turn.

    By default (the role and in-process benchmarks): 80 % IPv4 (198.18.0.0/15, RFC 2544), 20 % IPv6
    (2001:db8::/32), each region drawn at random with ``seed``. With ``ipv4_mapped`` (the export
    benchmark): 70 % IPv4, 20 % IPv6, 10 % IPv4-mapped IPv6 (::ffff:203.0.x.x). With ``seed=None``
    the regions of each vendor are taken in turn instead of at random.
    """
    rng = random.Random(seed)
    catalogue = region_catalogue()
    vendors = sorted(catalogue)
    v4 = ipaddress.ip_network("198.18.0.0/15").network_address
    v6 = ipaddress.ip_network("2001:db8::/32").network_address
    mappings = []
    for index in range(count):
        if ipv4_mapped:
            kind = "v4" if index % 10 < 7 else "v6" if index % 10 < 9 else "mapped"
        else:
            kind = "v6" if index % 5 == 4 else "v4"
        if kind == "v4":
            ip = str(v4 + index + 1)
        elif kind == "v6":
            ip = str(v6 + 0x10000 * index + 1)
        else:
            ip = "::ffff:%s" % (ipaddress.ip_address("203.0.0.0") + index)
        vendor = vendors[index % len(vendors)]
        regions = catalogue[vendor]
        region = regions[index % len(regions)] if seed is None else rng.choice(regions)
        mappings.append({"origin_ip": ip, "vendor": vendor, "region": region})
    return mappings


# --------------------------------------------------------------------------- emulator

class Emulator(EmulatorProcess):
    """The integration tests' emulator process, with the benchmark's zone and token."""

    def __init__(self):
        super().__init__("--zone", "%s=%s" % (ZONE_NAME, ZONE_ID), "--api-token", TOKEN)

    def server_ms(self, limit):
        """Time the emulator spent on the last ``limit`` requests, in ms."""
        return sum(entry.get("ms") or 0 for entry in self.log(limit)) if limit else 0.0

    def count(self):
        return self.stats()["mappings"].get(ZONE_ID, 0)

    def seed_admin(self, mappings):
        """Put ``mappings`` in the zone through the emulator's admin endpoint (not counted as requests)."""
        answer = requests.post(self.admin_url + "/seed", json={"zone_id": ZONE_ID, "items": mappings}, timeout=60)
        answer.raise_for_status()
        return answer.json()["seeded"]


# --------------------------------------------------------------------------- scratch tree

def write_yaml(path, data):
    # JSON is YAML; it is also what a generator would most likely write, and parses fast.
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


class Workspace:
    """A temporary tree: a collections path pointing at the checkout, inventories, playbooks."""

    def __init__(self, keep=False, prefix="edgeops-bench-"):
        self.root = Path(tempfile.mkdtemp(prefix=prefix))
        self.keep = keep
        link = self.root / "collections" / "ansible_collections" / "edgeops" / "cloudflare"
        link.parent.mkdir(parents=True)
        link.symlink_to(REPO, target_is_directory=True)
        self.collections = self.root / "collections"

    def cleanup(self):
        if self.keep:
            print("kept %s" % self.root)
        else:
            shutil.rmtree(self.root, ignore_errors=True)

    def list_inventory(self, name, mappings, mode, purge):
        """Inventory with the mappings in group_vars/all (explicit list mode)."""
        inventory = self.root / name
        write_yaml(inventory / "hosts.yml", {"all": {"hosts": {}}})
        write_yaml(inventory / "group_vars" / "all.yml", {
            "origin_cloud_regions_zone": ZONE_NAME,
            "origin_cloud_regions_mode": mode,
            "origin_cloud_regions_purge": purge,
            "origin_cloud_regions_mappings": mappings,
        })
        return inventory

    def hosts_inventory(self, name, mappings, purge):
        """Inventory with one host per mapping (host-derived mode)."""
        inventory = self.root / name
        hosts = {}
        for index, mapping in enumerate(mappings):
            hosts["origin-%05d" % index] = {
                "ansible_host": mapping["origin_ip"],
                "origin_cloud_regions_host_vendor": mapping["vendor"],
                "origin_cloud_regions_host_region": mapping["region"],
            }
        write_yaml(inventory / "hosts.yml", {"all": {"children": {"origins": {"hosts": hosts}}}})
        write_yaml(inventory / "group_vars" / "all.yml", {
            "origin_cloud_regions_zone": ZONE_NAME,
            "origin_cloud_regions_from_hosts": True,
            "origin_cloud_regions_hosts": "{{ groups['origins'] }}",
            "origin_cloud_regions_purge": purge,
        })
        return inventory

    def playbook(self, directory=None):
        """A play on localhost that applies the role (in ``directory``, default the tree's root)."""
        path = (directory or self.root) / "apply.yml"
        write_yaml(path, [{
            "name": "Apply origin cloud region mappings",
            "hosts": "localhost",
            "gather_facts": False,
            "roles": ["edgeops.cloudflare.origin_cloud_regions"],
        }])
        return path

    def empty_playbook(self):
        path = self.root / "empty.yml"
        write_yaml(path, [{"name": "Start-up only", "hosts": "localhost", "gather_facts": False, "tasks": []}])
        return path


def ansible_env(workspace, emulator):
    """This process's environment for ansible-playbook: the scratch collections path, the emulator's URL and token."""
    env = dict(os.environ)
    for name in ("CLOUDFLARE_API_TOKEN", "CLOUDFLARE_EMAIL", "CLOUDFLARE_API_KEY", "CLOUDFLARE_API_BASE_URL"):
        env.pop(name, None)
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": str(workspace.collections),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_LOCALHOST_WARNING": "0",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
        "CLOUDFLARE_API_TOKEN": TOKEN,
        "CLOUDFLARE_API_BASE_URL": emulator.base_url,
    })
    return env


# --------------------------------------------------------------------------- runs

PlaybookRun = collections.namedtuple("PlaybookRun", "seconds methods writes requests stdout")


def timed_run(command, env, emulator, cwd=None, name=None):
    """Run one ``ansible-playbook`` command line and time it.

    Returns a PlaybookRun: wall seconds, API requests by method (METHODS), writes and all requests
    (from the emulator's counters before and after), and the command's stdout. A failed command
    ends the benchmark with its output's tail on stderr; ``name`` (default: the command line)
    says which run failed.
    """
    before = emulator.stats()
    started = time.perf_counter()
    completed = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    after = emulator.stats()
    if completed.returncode != 0:
        sys.stderr.write(completed.stdout[-4000:] + completed.stderr[-4000:])
        raise SystemExit("%s: ansible-playbook failed (rc=%d)" % (name or " ".join(command), completed.returncode))
    methods = {method: after["by_method"].get(method, 0) - before["by_method"].get(method, 0) for method in METHODS}
    return PlaybookRun(seconds, methods, after["writes"] - before["writes"], after["requests"] - before["requests"],
                       completed.stdout)


@dataclasses.dataclass(eq=False)
class Measurement:
    """One timed run as the tables show it: wall seconds, API requests by method, writes, a note."""

    seconds: float
    methods: dict
    writes: int
    note: str = ""

    @property
    def requests(self):
        return sum(self.methods.values())


# --------------------------------------------------------------------------- command line

def argument_parser(doc):
    """The parser of a benchmark whose module docstring is ``doc`` (its first paragraph is the description)."""
    return argparse.ArgumentParser(description=doc.split("\n\n", maxsplit=1)[0], formatter_class=argparse.RawDescriptionHelpFormatter)


def add_common_options(parser, check_targets_help):
    """--ansible-playbook, --markdown and --check-targets, in that order."""
    parser.add_argument("--ansible-playbook", default=None, help="ansible-playbook to run (default: next to this Python, else PATH)")
    parser.add_argument("--markdown", action="store_true", help="also print the table as Markdown")
    parser.add_argument("--check-targets", action="store_true", help=check_targets_help)


def find_ansible_playbook(given=None):
    """(path, first line of its --version): ``given``, else the one next to this Python, else PATH's."""
    ansible_playbook = given or str(Path(sys.executable).with_name("ansible-playbook"))
    if not os.path.exists(ansible_playbook):
        ansible_playbook = shutil.which("ansible-playbook") or "ansible-playbook"
    version = subprocess.run([ansible_playbook, "--version"], capture_output=True, text=True, check=True).stdout.splitlines()[0]
    return ansible_playbook, version


def machine(version):
    """The start of each benchmark's first line: ansible-playbook's version, Python's, the CPU count."""
    return "%s, Python %s, %d CPU(s)" % (version, sys.version.split()[0], os.cpu_count() or 0)


# --------------------------------------------------------------------------- report

def table(header, rows, markdown=False, left=(0,)):
    """``rows`` (lists of cells) under ``header``: columns padded to width, or Markdown with the
    columns whose index is in ``left`` aligned left and the others right."""
    if markdown:
        out = ["| " + " | ".join(header) + " |",
               "|" + "|".join("---" if index in left else "---:" for index in range(len(header))) + "|"]
        return "\n".join(out + ["| " + " | ".join(cells) + " |" for cells in rows])
    widths = [max(len(header[i]), *(len(cells[i]) for cells in rows)) for i in range(len(header))]
    out = ["  ".join(header[i].ljust(widths[i]) for i in range(len(header)))]
    return "\n".join(out + ["  ".join(cells[i].ljust(widths[i]) for i in range(len(header))) for cells in rows])


def print_table(header, rows, markdown=False, left=(0,)):
    """The report: a blank line, the table, with ``markdown`` a blank line and the Markdown table, a blank line."""
    print()
    print(table(header, rows))
    if markdown:
        print()
        print(table(header, rows, markdown=True, left=left))
    print()
