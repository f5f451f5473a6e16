# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Benchmark of the role edgeops.cloudflare.origin_cloud_regions against the local emulator.

Starts extras/emulator/cloudflare_emulator.py on 127.0.0.1 (nothing else is contacted),
then, for each mode, runs real ``ansible-playbook`` four times on one zone:

1. ``new``        apply N mappings to the empty zone
2. ``unchanged``  apply the same N mappings again
3. ``change``     apply them with 10 % of the vendors/regions changed
4. ``purge``      apply the list without 10 % of the mappings, with purge=true

Modes:

* ``batch-list``   the role's default batch mode, mappings in group_vars (an explicit list)
* ``batch-hosts``  the batch mode, one mapping per inventory host (N hosts, play on localhost)
* ``per_mapping``  the per-mapping mode on a sample (default 200 mappings); its wall time
                   and request counts are also shown scaled up to N, marked "extrapolated"

For each run it prints the playbook's wall time, the API requests by method and the writes
(from the emulator's own counters), and finally checks the targets of the batch path:
N=3500 new mappings in at most 40 requests and under 10 s, unchanged in at most 40 requests,
no write and under 8 s.

Usage (from the repository root, with the venv that has ansible-core and requests)::

    python benchmarks/bench_role.py                      # all modes, N=3500, sample 200
    python benchmarks/bench_role.py --modes batch-list   # only the headline
    python benchmarks/bench_role.py --markdown           # also print a Markdown table

Generated inventories and playbooks go to a temporary directory that is removed at the end
(``--keep`` keeps it). This is a benchmark, not a test: it never fails on timing unless
``--check-targets`` is given.
"""

from __future__ import annotations

import argparse
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

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
from integration.harness import EmulatorProcess  # noqa: E402  pylint: disable=wrong-import-position
REGIONS = REPO / "extras" / "emulator" / "supported_regions.json"
ZONE_NAME = "example.com"
ZONE_ID = "023e105f4ecef8ad9ca31a8372d0c353"
TOKEN = "bench-token-not-secret"
METHODS = ("GET", "PUT", "DELETE", "PATCH", "POST")
SCENARIOS = ("new", "unchanged", "change", "purge")
MODES = ("batch-list", "batch-hosts", "per_mapping")
TARGETS = {"new": (40, 10.0, None), "unchanged": (40, 8.0, 0)}  # max requests, max seconds, max writes


# --------------------------------------------------------------------------- data

def region_catalogue():
    document = json.loads(REGIONS.read_text(encoding="utf-8"))
    return {vendor: [entry["name"] for entry in entries] for vendor, entries in document["vendors"].items()}


def make_mappings(count, seed=5):
    """``count`` distinct origins: 80 % IPv4 (198.18.0.0/15, RFC 2544), 20 % IPv6 (2001:db8::/32)."""
    rng = random.Random(seed)
    catalogue = region_catalogue()
    vendors = sorted(catalogue)
    v4 = ipaddress.ip_network("198.18.0.0/15")
    v6 = ipaddress.ip_network("2001:db8::/32")
    mappings = []
    for index in range(count):
        if index % 5 == 4:
            ip = str(v6.network_address + 0x10000 * index + 1)
        else:
            ip = str(v4.network_address + index + 1)
        vendor = vendors[index % len(vendors)]
        mappings.append({"origin_ip": ip, "vendor": vendor, "region": rng.choice(catalogue[vendor])})
    return mappings


def changed_copy(mappings, share=0.10):
    """The same list with every 1/share-th mapping moved to another region (or vendor)."""
    catalogue = region_catalogue()
    step = int(round(1 / share))
    result = []
    for index, mapping in enumerate(mappings):
        mapping = dict(mapping)
        if index % step == 0:
            regions = [name for name in catalogue[mapping["vendor"]] if name != mapping["region"]]
            if regions:
                mapping["region"] = regions[index % len(regions)]
            else:
                vendor = next(name for name in sorted(catalogue) if name != mapping["vendor"])
                mapping.update(vendor=vendor, region=catalogue[vendor][0])
        result.append(mapping)
    return result


def purged_copy(mappings, share=0.10):
    """The list without every 1/share-th mapping (offset so that other items than the changed ones go)."""
    step = int(round(1 / share))
    return [mapping for index, mapping in enumerate(mappings) if index % step != step // 2]


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


# --------------------------------------------------------------------------- playbook runs

def write_yaml(path, data):
    # JSON is YAML; it is also what a generator would most likely write, and parses fast.
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


class Workspace:
    """A temporary tree: a collections path pointing at the checkout, inventories, playbooks."""

    def __init__(self, keep=False):
        self.root = Path(tempfile.mkdtemp(prefix="edgeops-bench-"))
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

    def playbook(self):
        path = self.root / "apply.yml"
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


def run(ansible_playbook, playbook, inventory, env, emulator):
    """One timed ansible-playbook run; returns (seconds, request counts by method, writes, server ms)."""
    before = emulator.stats()
    started = time.perf_counter()
    completed = subprocess.run([ansible_playbook, str(playbook), "-i", str(inventory)], env=env,
                               capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    after = emulator.stats()
    if completed.returncode != 0:
        sys.stderr.write(completed.stdout[-4000:] + completed.stderr[-4000:])
        raise SystemExit("ansible-playbook failed (rc=%d)" % completed.returncode)
    methods = {method: after["by_method"].get(method, 0) - before["by_method"].get(method, 0) for method in METHODS}
    requests_sent = after["requests"] - before["requests"]
    writes = after["writes"] - before["writes"]
    return seconds, methods, writes, emulator.server_ms(requests_sent)


# --------------------------------------------------------------------------- report

class Row:
    def __init__(self, scenario, mode, mappings, seconds, methods, writes, server_ms, note=""):
        self.scenario = scenario
        self.mode = mode
        self.mappings = mappings
        self.seconds = seconds
        self.methods = methods
        self.writes = writes
        self.server_ms = server_ms
        self.note = note

    @property
    def requests(self):
        return sum(self.methods.values())

    def scaled(self, factor, mappings):
        methods = {name: int(round(count * factor)) for name, count in self.methods.items()}
        return Row(self.scenario, self.mode, mappings, self.seconds * factor, methods,
                   int(round(self.writes * factor)), self.server_ms * factor, note="extrapolated x%g" % factor)

    def cells(self):
        return [self.scenario, self.mode, str(self.mappings), "%.1f" % self.seconds] + \
            [str(self.methods[name]) for name in METHODS] + [str(self.requests), str(self.writes), "%.0f" % self.server_ms, self.note]


HEADER = ["scenario", "mode", "mappings", "wall s"] + list(METHODS) + ["requests", "writes", "server ms", "note"]


def table(rows, markdown=False):
    lines = [row.cells() for row in rows]
    if markdown:
        out = ["| " + " | ".join(HEADER) + " |", "|" + "|".join("---" if i < 2 or i == len(HEADER) - 1 else "---:" for i in range(len(HEADER))) + "|"]
        out += ["| " + " | ".join(cells) + " |" for cells in lines]
        return "\n".join(out)
    widths = [max(len(HEADER[i]), *(len(cells[i]) for cells in lines)) for i in range(len(HEADER))]
    out = ["  ".join(HEADER[i].ljust(widths[i]) for i in range(len(HEADER)))]
    out += ["  ".join(cells[i].ljust(widths[i]) for i in range(len(HEADER))) for cells in lines]
    return "\n".join(out)


def check_targets(rows, count):
    problems = []
    for row in rows:
        if not row.mode.startswith("batch") or row.mappings != count or row.scenario not in TARGETS or row.note:
            continue
        max_requests, max_seconds, max_writes = TARGETS[row.scenario]
        verdict = []
        if row.requests > max_requests:
            verdict.append("%d requests > %d" % (row.requests, max_requests))
        if row.seconds >= max_seconds:
            verdict.append("%.1f s >= %.0f s" % (row.seconds, max_seconds))
        if max_writes is not None and row.writes > max_writes:
            verdict.append("%d writes > %d" % (row.writes, max_writes))
        status = "FAIL (%s)" % ", ".join(verdict) if verdict else "ok"
        print("target %-9s %-11s <= %d requests, < %.0f s%s: %s" % (
            row.scenario, row.mode, max_requests, max_seconds, ", no write" if max_writes == 0 else "", status))
        if verdict:
            problems.append(row)
    return problems


# --------------------------------------------------------------------------- main

def bench_mode(mode, count, sample, workspace, emulator, ansible_playbook, env):
    size = sample if mode == "per_mapping" else count
    base = make_mappings(size)
    lists = {"new": base, "unchanged": base, "change": changed_copy(base)}
    lists["purge"] = purged_copy(lists["change"])
    playbook = workspace.playbook()
    emulator.reset()
    rows = []
    for scenario in SCENARIOS:
        purge = scenario == "purge"
        name = "%s-%s" % (mode, scenario)
        if mode == "batch-hosts":
            inventory = workspace.hosts_inventory(name, lists[scenario], purge)
        else:
            inventory = workspace.list_inventory(name, lists[scenario], "per_mapping" if mode == "per_mapping" else "batch", purge)
        seconds, methods, writes, server_ms = run(ansible_playbook, playbook, inventory, env, emulator)
        row = Row(scenario, mode, size, seconds, methods, writes, server_ms)
        rows.append(row)
        print("  %-9s %-11s %5d mappings %6.1f s  %3d requests  %3d writes  (zone holds %d)"
              % (scenario, mode, size, seconds, row.requests, writes, emulator.count()), flush=True)
    expected = len(lists["purge"])
    if emulator.count() != expected:
        raise SystemExit("%s: the zone holds %d mappings, expected %d" % (mode, emulator.count(), expected))
    if mode == "per_mapping" and count != sample:
        factor = count / float(sample)
        rows += [row.scaled(factor, count) for row in rows]
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mappings", type=int, default=3500, help="mappings per zone (default 3500)")
    parser.add_argument("--sample", type=int, default=200, help="mappings for the per_mapping mode (default 200)")
    parser.add_argument("--modes", default=",".join(MODES), help="comma list of %s" % ", ".join(MODES))
    parser.add_argument("--ansible-playbook", default=None, help="ansible-playbook to run (default: next to this Python, else PATH)")
    parser.add_argument("--markdown", action="store_true", help="also print the table as Markdown")
    parser.add_argument("--check-targets", action="store_true", help="exit 1 when a target of the batch path is missed")
    parser.add_argument("--keep", action="store_true", help="keep the generated inventories and playbooks")
    args = parser.parse_args(argv)

    modes = [mode.strip() for mode in args.modes.split(",") if mode.strip()]
    unknown = set(modes) - set(MODES)
    if unknown:
        parser.error("unknown mode(s): %s" % ", ".join(sorted(unknown)))
    ansible_playbook = args.ansible_playbook or str(Path(sys.executable).with_name("ansible-playbook"))
    if not os.path.exists(ansible_playbook):
        ansible_playbook = shutil.which("ansible-playbook") or "ansible-playbook"
    version = subprocess.run([ansible_playbook, "--version"], capture_output=True, text=True, check=True).stdout.splitlines()[0]

    emulator = Emulator().start()
    workspace = Workspace(keep=args.keep)
    try:
        env = ansible_env(workspace, emulator)
        print("%s, Python %s, %d CPU(s), emulator %s" % (version, sys.version.split()[0], os.cpu_count() or 0, emulator.base_url))
        empty_inventory = workspace.list_inventory("empty", [], "batch", False)
        seconds, _methods, _writes, _ms = run(ansible_playbook, workspace.empty_playbook(), empty_inventory, env, emulator)
        print("ansible-playbook start-up (empty play): %.1f s" % seconds)
        rows = []
        for mode in modes:
            print("mode %s" % mode, flush=True)
            rows += bench_mode(mode, args.mappings, args.sample, workspace, emulator, ansible_playbook, env)
    finally:
        workspace.cleanup()
        emulator.stop()

    print()
    print(table(rows))
    if args.markdown:
        print()
        print(table(rows, markdown=True))
    print()
    missed = check_targets(rows, args.mappings)
    return 1 if (missed and args.check_targets) else 0


if __name__ == "__main__":
    sys.exit(main())
