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

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench import METHODS, Measurement, make_mappings, region_catalogue  # noqa: E402  pylint: disable=wrong-import-position
from _bench import Emulator, Workspace, ansible_env, timed_run  # noqa: E402  pylint: disable=wrong-import-position
from _bench import add_common_options, argument_parser, find_ansible_playbook, machine, print_table  # noqa: E402  pylint: disable=wrong-import-position

SCENARIOS = ("new", "unchanged", "change", "purge")
MODES = ("batch-list", "batch-hosts", "per_mapping")
TARGETS = {"new": (40, 10.0, None), "unchanged": (40, 8.0, 0)}  # max requests, max seconds, max writes


# --------------------------------------------------------------------------- data

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


# --------------------------------------------------------------------------- playbook runs

def run(ansible_playbook, playbook, inventory, env, emulator):
    """One timed ansible-playbook run; returns (seconds, request counts by method, writes, server ms)."""
    timed = timed_run([ansible_playbook, str(playbook), "-i", str(inventory)], env, emulator)
    return timed.seconds, timed.methods, timed.writes, emulator.server_ms(timed.requests)


# --------------------------------------------------------------------------- report

class Row(Measurement):
    def __init__(self, scenario, mode, mappings, seconds, methods, writes, server_ms, note=""):
        super().__init__(seconds, methods, writes, note)
        self.scenario = scenario
        self.mode = mode
        self.mappings = mappings
        self.server_ms = server_ms

    def scaled(self, factor, mappings):
        methods = {name: int(round(count * factor)) for name, count in self.methods.items()}
        return Row(self.scenario, self.mode, mappings, self.seconds * factor, methods,
                   int(round(self.writes * factor)), self.server_ms * factor, note="extrapolated x%g" % factor)

    def cells(self):
        return [self.scenario, self.mode, str(self.mappings), "%.1f" % self.seconds] + \
            [str(self.methods[name]) for name in METHODS] + [str(self.requests), str(self.writes), "%.0f" % self.server_ms, self.note]


HEADER = ["scenario", "mode", "mappings", "wall s"] + list(METHODS) + ["requests", "writes", "server ms", "note"]


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
    parser = argument_parser(__doc__)
    parser.add_argument("--mappings", type=int, default=3500, help="mappings per zone (default 3500)")
    parser.add_argument("--sample", type=int, default=200, help="mappings for the per_mapping mode (default 200)")
    parser.add_argument("--modes", default=",".join(MODES), help="comma list of %s" % ", ".join(MODES))
    add_common_options(parser, "exit 1 when a target of the batch path is missed")
    parser.add_argument("--keep", action="store_true", help="keep the generated inventories and playbooks")
    args = parser.parse_args(argv)

    modes = [mode.strip() for mode in args.modes.split(",") if mode.strip()]
    unknown = set(modes) - set(MODES)
    if unknown:
        parser.error("unknown mode(s): %s" % ", ".join(sorted(unknown)))
    ansible_playbook, version = find_ansible_playbook(args.ansible_playbook)

    emulator = Emulator().start()
    workspace = Workspace(keep=args.keep)
    try:
        env = ansible_env(workspace, emulator)
        print("%s, emulator %s" % (machine(version), emulator.base_url))
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

    print_table(HEADER, [row.cells() for row in rows], markdown=args.markdown, left=(0, 1, len(HEADER) - 1))
    missed = check_targets(rows, args.mappings)
    return 1 if (missed and args.check_targets) else 0


if __name__ == "__main__":
    sys.exit(main())
