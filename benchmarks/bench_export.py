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

import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench import ZONE_NAME, make_mappings  # noqa: E402  pylint: disable=wrong-import-position
from _bench import Emulator, Workspace, ansible_env, timed_run  # noqa: E402  pylint: disable=wrong-import-position
from _bench import add_common_options, argument_parser, find_ansible_playbook, machine, print_table  # noqa: E402  pylint: disable=wrong-import-position

EXPORTS = ("export", "re-export", "hosts", "all-zones")
TARGET_REQUESTS = 36
TARGET_SECONDS = 5.0


def scenario_command(scenario, ansible_playbook, workspace, workdir):
    """The command line of one scenario, run in ``workdir`` (a directory of ``workspace``)."""
    if scenario == "drift-check":
        playbook = workspace.playbook(workdir)
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
    timed = timed_run(command, env, emulator, cwd=str(workdir))
    changed = sum(int(line.split(" changed=")[1].split()[0]) for line in timed.stdout.splitlines() if " changed=" in line)
    return timed.seconds, timed.methods, timed.writes, changed


def main(argv=None):
    parser = argument_parser(__doc__)
    parser.add_argument("--mappings", type=int, default=3500, help="mappings in the zone (default 3500)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per scenario (default 3); the median is reported")
    add_common_options(parser, "exit 1 unless every export costs <= %d requests, no write, < %.0f s" % (TARGET_REQUESTS, TARGET_SECONDS))
    args = parser.parse_args(argv)
    ansible_playbook, version = find_ansible_playbook(args.ansible_playbook)

    emulator = Emulator().start()
    workspace = Workspace(prefix="edgeops-bench-export-")
    try:
        env = ansible_env(workspace, emulator)
        # The export's own mix (IPv4-mapped addresses too, regions in turn): its file and figures come from it.
        seeded = emulator.seed_admin(make_mappings(args.mappings, seed=None, ipv4_mapped=True))
        print("%s, load %s, zone of %d mappings, emulator %s" % (
            machine(version), " ".join("%.1f" % x for x in os.getloadavg()), seeded, emulator.base_url), flush=True)
        rows = []
        exported = None
        group_vars_file = Path("inventory", "group_vars", "all", "origin_cloud_regions.yml")
        for scenario in EXPORTS + ("drift-check",):
            runs = []
            for attempt in range(args.repeat):
                workdir = workspace.root / ("%s-%d" % (scenario, attempt))
                workdir.mkdir()
                if scenario in ("re-export", "drift-check"):
                    # The file of the first export: a re-export must leave it as it is.
                    (workdir / group_vars_file).parent.mkdir(parents=True)
                    (workdir / group_vars_file).write_bytes(exported)
                    (workdir / "inventory" / "hosts.yml").write_text('{"all": {"hosts": {}}}\n', encoding="utf-8")
                seconds, methods, writes, changed = run(scenario_command(scenario, ansible_playbook, workspace, workdir), env, workdir, emulator)
                if scenario == "export" and exported is None:
                    exported = (workdir / group_vars_file).read_bytes()
                if scenario == "re-export" and ((workdir / group_vars_file).read_bytes() != exported or changed):
                    raise SystemExit("the re-export changed the file (changed=%d)" % changed)
                runs.append((seconds, methods, writes, changed))
                print("  %-11s run %d: %5.2f s  %3d requests  %d writes  changed=%d"
                      % (scenario, attempt + 1, seconds, sum(methods.values()), writes, changed), flush=True)
            rows.append((scenario, runs))
    finally:
        workspace.cleanup()
        emulator.stop()

    header = ["scenario", "mappings", "median wall s", "max wall s", "GET", "requests", "writes", "changed"]
    lines = []
    for scenario, runs in rows:
        methods = runs[0][1]
        lines.append([scenario, str(args.mappings), "%.2f" % statistics.median(run[0] for run in runs),
                      "%.2f" % max(run[0] for run in runs), str(methods["GET"]), str(sum(methods.values())),
                      str(max(run[2] for run in runs)), str(runs[-1][3])])
    print_table(header, lines, markdown=args.markdown)
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
