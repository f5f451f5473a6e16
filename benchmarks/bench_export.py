# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Benchmark of the export (playbook edgeops.cloudflare.export_mappings) against the local emulator.

Starts extras/emulator/cloudflare_emulator.py on 127.0.0.1 (nothing else is contacted), seeds
one zone with N mappings (default 3,500: IPv4, IPv6 and IPv4-mapped, every vendor) through the
emulator's admin endpoint (not counted), then runs the real ``ansible-playbook
edgeops.cloudflare.export_mappings`` from a scratch directory, each scenario ``--repeat`` times:

1. ``export``      the zone by name, into a new group_vars file (mappings form)
2. ``re-export``   the same again: the file must come out byte-identical and the run ``changed=0``
3. ``hosts``       the zone by name, into a new YAML inventory (host-per-origin form)
4. ``all-zones``   every zone the token sees (zone_info, then the zone by id), into a new file
5. ``drift-check`` the role in check mode with the exported file and purge (the drift report;
                   it lists the zone twice: once for the report, once in the batch module)

For each run it prints the wall time of the whole ``ansible-playbook``, the API requests by method
and the writes (from the emulator's own counters). With ``--check-targets`` it exits 1 unless every
export run of N=3,500 costs at most 36 requests, writes nothing and takes under 5 s.

Usage (from the repository root, with the venv that has ansible-core and requests)::

    python benchmarks/bench_export.py                  # N=3500, 3 runs per scenario
    python benchmarks/bench_export.py --markdown       # also print a Markdown table
    python benchmarks/bench_export.py --check-targets  # exit 1 when a target is missed

The figure to quote is the median of the runs (also the slowest is shown): the machine may be
shared, and a benchmark is not a test.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import shutil
import statistics
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
EXPORTS = ("export", "re-export", "hosts", "all-zones")
TARGET_REQUESTS = 36
TARGET_SECONDS = 5.0


def make_mappings(count):
    """``count`` mappings: 70 % IPv4, 20 % IPv6, 10 % IPv4-mapped IPv6; vendors and regions in turn."""
    catalogue = json.loads(REGIONS.read_text(encoding="utf-8"))["vendors"]
    vendors = sorted(catalogue)
    v4 = ipaddress.ip_network("198.18.0.0/15").network_address
    v6 = ipaddress.ip_network("2001:db8::/32").network_address
    mappings = []
    for index in range(count):
        if index % 10 < 7:
            ip = str(v4 + index + 1)
        elif index % 10 < 9:
            ip = str(v6 + 0x10000 * index + 1)
        else:
            ip = "::ffff:%s" % (ipaddress.ip_address("203.0.0.0") + index)
        vendor = vendors[index % len(vendors)]
        regions = catalogue[vendor]
        mappings.append({"origin_ip": ip, "vendor": vendor, "region": regions[index % len(regions)]["name"]})
    return mappings


class Emulator(EmulatorProcess):
    def __init__(self):
        super().__init__("--zone", "%s=%s" % (ZONE_NAME, ZONE_ID), "--api-token", TOKEN)

    def seed_admin(self, mappings):
        answer = requests.post(self.admin_url + "/seed", json={"zone_id": ZONE_ID, "items": mappings}, timeout=60)
        answer.raise_for_status()
        return answer.json()["seeded"]


def scenario_command(scenario, ansible_playbook, workdir):
    """The command line of one scenario, run in ``workdir``."""
    if scenario == "drift-check":
        playbook = workdir / "apply.yml"
        playbook.write_text(json.dumps([{"name": "Apply", "hosts": "localhost", "gather_facts": False,
                                         "roles": ["edgeops.cloudflare.origin_cloud_regions"]}]) + "\n", encoding="utf-8")
        return [ansible_playbook, str(playbook), "-i", str(workdir / "inventory"), "--check",
                "-e", "origin_cloud_regions_purge=true"]
    command = [ansible_playbook, "edgeops.cloudflare.export_mappings"]
    if scenario == "all-zones":
        command += ["-e", "origin_cloud_regions_export_all_zones=true",
                    "-e", "origin_cloud_regions_export_dest=all/origin_cloud_regions.yml"]
    elif scenario == "hosts":
        command += ["-e", "origin_cloud_regions_export_zones=%s" % ZONE_NAME, "-e", "origin_cloud_regions_export_form=hosts",
                    "-e", "origin_cloud_regions_export_dest=hosts/origins.yml"]
    else:
        command += ["-e", "origin_cloud_regions_export_zones=%s" % ZONE_NAME,
                    "-e", "origin_cloud_regions_export_dest=inventory/group_vars/all/origin_cloud_regions.yml"]
    return command


def run(command, env, workdir, emulator):
    """One timed run: (seconds, requests by method, writes, PLAY RECAP changed count)."""
    before = emulator.stats()
    started = time.perf_counter()
    completed = subprocess.run(command, env=env, cwd=str(workdir), capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    after = emulator.stats()
    if completed.returncode != 0:
        sys.stderr.write(completed.stdout[-4000:] + completed.stderr[-4000:])
        raise SystemExit("ansible-playbook failed (rc=%d): %s" % (completed.returncode, " ".join(command)))
    methods = {method: after["by_method"].get(method, 0) - before["by_method"].get(method, 0) for method in METHODS}
    changed = sum(int(line.split(" changed=")[1].split()[0]) for line in completed.stdout.splitlines() if " changed=" in line)
    return seconds, methods, after["writes"] - before["writes"], changed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mappings", type=int, default=3500, help="mappings in the zone (default 3500)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per scenario (default 3); the median is reported")
    parser.add_argument("--ansible-playbook", default=None, help="ansible-playbook to run (default: next to this Python, else PATH)")
    parser.add_argument("--markdown", action="store_true", help="also print the table as Markdown")
    parser.add_argument("--check-targets", action="store_true",
                        help="exit 1 unless every export costs <= %d requests, no write, < %.0f s" % (TARGET_REQUESTS, TARGET_SECONDS))
    args = parser.parse_args(argv)
    ansible_playbook = args.ansible_playbook or str(Path(sys.executable).with_name("ansible-playbook"))
    if not os.path.exists(ansible_playbook):
        ansible_playbook = shutil.which("ansible-playbook") or "ansible-playbook"
    version = subprocess.run([ansible_playbook, "--version"], capture_output=True, text=True, check=True).stdout.splitlines()[0]

    emulator = Emulator().start()
    root = Path(tempfile.mkdtemp(prefix="edgeops-bench-export-"))
    try:
        link = root / "collections" / "ansible_collections" / "edgeops" / "cloudflare"
        link.parent.mkdir(parents=True)
        link.symlink_to(REPO, target_is_directory=True)
        env = dict(os.environ)
        for name in ("CLOUDFLARE_EMAIL", "CLOUDFLARE_API_KEY"):
            env.pop(name, None)
        env.update({"ANSIBLE_COLLECTIONS_PATH": str(root / "collections"), "ANSIBLE_NOCOLOR": "1",
                    "ANSIBLE_RETRY_FILES_ENABLED": "0", "ANSIBLE_LOCALHOST_WARNING": "0",
                    "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0", "CLOUDFLARE_API_TOKEN": TOKEN,
                    "CLOUDFLARE_API_BASE_URL": emulator.base_url})
        seeded = emulator.seed_admin(make_mappings(args.mappings))
        print("%s, Python %s, %d CPU(s), load %s, zone of %d mappings, emulator %s" % (
            version, sys.version.split()[0], os.cpu_count() or 0, " ".join("%.1f" % x for x in os.getloadavg()), seeded,
            emulator.base_url), flush=True)
        rows = []
        exported = None
        group_vars_file = Path("inventory", "group_vars", "all", "origin_cloud_regions.yml")
        for scenario in EXPORTS + ("drift-check",):
            runs = []
            for attempt in range(args.repeat):
                workdir = root / ("%s-%d" % (scenario, attempt))
                workdir.mkdir()
                if scenario in ("re-export", "drift-check"):
                    # The file of the first export: a re-export must leave it as it is.
                    (workdir / group_vars_file).parent.mkdir(parents=True)
                    (workdir / group_vars_file).write_bytes(exported)
                    (workdir / "inventory" / "hosts.yml").write_text('{"all": {"hosts": {}}}\n', encoding="utf-8")
                seconds, methods, writes, changed = run(scenario_command(scenario, ansible_playbook, workdir), env, workdir, emulator)
                if scenario == "export" and exported is None:
                    exported = (workdir / group_vars_file).read_bytes()
                if scenario == "re-export" and ((workdir / group_vars_file).read_bytes() != exported or changed):
                    raise SystemExit("the re-export changed the file (changed=%d)" % changed)
                runs.append((seconds, methods, writes, changed))
                print("  %-11s run %d: %5.2f s  %3d requests  %d writes  changed=%d"
                      % (scenario, attempt + 1, seconds, sum(methods.values()), writes, changed), flush=True)
            rows.append((scenario, runs))
    finally:
        shutil.rmtree(root, ignore_errors=True)
        emulator.stop()

    header = ["scenario", "mappings", "median wall s", "max wall s", "GET", "requests", "writes", "changed"]
    lines = []
    for scenario, runs in rows:
        methods = runs[0][1]
        lines.append([scenario, str(args.mappings), "%.2f" % statistics.median(run[0] for run in runs),
                      "%.2f" % max(run[0] for run in runs), str(methods["GET"]), str(sum(methods.values())),
                      str(max(run[2] for run in runs)), str(runs[-1][3])])
    widths = [max(len(header[i]), *(len(cells[i]) for cells in lines)) for i in range(len(header))]
    print()
    print("  ".join(header[i].ljust(widths[i]) for i in range(len(header))))
    for cells in lines:
        print("  ".join(cells[i].ljust(widths[i]) for i in range(len(header))))
    if args.markdown:
        print()
        print("| " + " | ".join(header) + " |")
        print("|---|" + "---:|" * (len(header) - 1))
        for cells in lines:
            print("| " + " | ".join(cells) + " |")
    print()
    missed = []
    for scenario, runs in rows:
        if scenario not in EXPORTS or args.mappings != 3500:
            continue
        worst = max(sum(run[1].values()) for run in runs)
        median = statistics.median(run[0] for run in runs)
        ok = worst <= TARGET_REQUESTS and median < TARGET_SECONDS and not any(run[2] for run in runs)
        print("target %-10s <= %d requests, no write, median < %.0f s: %s (%d requests, %.2f s)"
              % (scenario, TARGET_REQUESTS, TARGET_SECONDS, "ok" if ok else "FAIL", worst, median))
        if not ok:
            missed.append(scenario)
    return 1 if (missed and args.check_targets) else 0


if __name__ == "__main__":
    sys.exit(main())
