# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Benchmark of the in-process action plugins (docs/in-process.md) against the local emulator.

Starts extras/emulator/cloudflare_emulator.py on 127.0.0.1 (nothing else is contacted) and runs
real ``ansible-playbook``, one process per scenario, side by side in one run:

* ``debug loop``           ansible.builtin.debug over the same 200 loop items: the controller's own speed
* ``loop unchanged``       origin_cloud_region over 200 mappings that are already in place
* ``loop unchanged, module path``  the same with EDGEOPS_CLOUDFLARE_IN_PROCESS=false (AnsiballZ per item)
* ``loop unchanged``       origin_cloud_region over 3,500 mappings of one zone, all in place
* ``loop new``             origin_cloud_region over 3,500 mappings, the zone empty
* ``single task``          one origin_cloud_region task in steady state
* ``debug of the list's length``  ``debug: msg="{{ mappings | length }}"`` over the 3,500 mappings
* ``template only``        a play that only templates the list of 3,500 mappings (set_fact): the floor
                           of the batch module, which must receive every item rendered (2.19 renders
                           lazily, so the length alone does not render the items)
* ``batch new`` / ``batch unchanged``  origin_cloud_regions with the same 3,500 mappings (and unchanged
                           through the module path, for comparison)
* ``role per_mapping new`` / ``unchanged``  the role in its per-mapping mode with 3,500 mappings

The loops give the zone by name (``zone: example.com``), so the zone lookup is included. For each
run it prints the playbook's wall time (start-up included), the API requests by method and the writes
(from the emulator's own counters), then checks the targets:

* 200 unchanged mappings through origin_cloud_region: at most 2x the debug loop
* 3,500 unchanged mappings in a loop: at most 40 requests, under 60 s
* 3,500 new mappings in a loop: 3,500 PUTs and at most 40 other requests
* single task in steady state: exactly one request
* the batch module with 3,500 mappings: within 1.2x of the play that only templates the list
* the role's per-mapping mode with 3,500 mappings: under 60 s

Usage (from the repository root, with the venv that has ansible-core and requests)::

    python benchmarks/bench_in_process.py --markdown
    python benchmarks/bench_in_process.py --skip-module-path      # without the slow AnsiballZ loop

The short scenarios (start-up, single task, template only, batch) run ``--repeat`` times (default 3)
and the median run is shown, with every run's time in the note. This is a benchmark, not a test: it
exits 1 on a missed target only with ``--check-targets``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench import TOKEN, ZONE_ID, ZONE_NAME, Measurement, make_mappings, write_yaml  # noqa: E402  pylint: disable=wrong-import-position
from _bench import Emulator, Workspace, ansible_env, timed_run  # noqa: E402  pylint: disable=wrong-import-position
from _bench import add_common_options, argument_parser, find_ansible_playbook, machine, print_table  # noqa: E402  pylint: disable=wrong-import-position

SINGLE = "edgeops.cloudflare.origin_cloud_region"
GROUPS = ("compare", "loops", "single", "batch", "role")
BATCH = "edgeops.cloudflare.origin_cloud_regions"


class Result(Measurement):
    def __init__(self, name, items, seconds, methods, writes, note=""):
        super().__init__(seconds, methods, writes, note)
        self.name = name
        self.items = items
        self.target = ""
        self.verdict = ""

    @property
    def others(self):
        return self.requests - self.methods["PUT"]

    def cells(self):
        return [self.name, str(self.items), seconds_text(self.seconds), "%.1f" % (1000.0 * self.seconds / self.items) if self.items else "",
                str(self.methods["GET"]), str(self.methods["PUT"]), str(self.methods["DELETE"]), str(self.requests),
                str(self.writes), self.target, self.verdict, self.note]


def seconds_text(seconds):
    # Short runs with two decimals: a 1.2x target on a 1.3 s floor is decided in hundredths.
    return "%.2f" % seconds if seconds < 10 else "%.1f" % seconds


HEADER = ["scenario", "items", "wall s", "ms/item", "GET", "PUT", "DELETE", "requests", "writes", "target", "met", "note"]


class Bench:
    def __init__(self, ansible_playbook, workspace, emulator):
        self.ansible_playbook = ansible_playbook
        self.workspace = workspace
        self.emulator = emulator
        self.env = ansible_env(workspace, emulator)
        self.inventory = workspace.root / "localhost.yml"
        write_yaml(self.inventory, {"all": {"hosts": {"localhost": {
            "ansible_connection": "local", "ansible_python_interpreter": sys.executable}}}})

    def playbook(self, name, tasks, mappings):
        path = self.workspace.root / ("%s.yml" % name.replace(" ", "-").replace(",", ""))
        write_yaml(path, [{"name": name, "hosts": "localhost", "gather_facts": False,
                           "vars_files": [str(self.vars_file(mappings))], "tasks": tasks}])
        return path

    def vars_file(self, mappings):
        path = self.workspace.root / ("mappings-%d.json" % len(mappings))
        if not path.exists():
            write_yaml(path, {"mappings": mappings})
        return path

    def run(self, name, playbook, items, inventory=None, env=None, note="", repeat=1, before_each=None):
        """Run ``playbook``; with ``repeat`` > 1 run it that many times and keep the median run."""
        runs = []
        for _number in range(repeat):
            if before_each:
                before_each()
            runs.append(self._run_once(name, playbook, items, inventory, env, note))
        runs.sort(key=lambda result: result.seconds)
        result = runs[len(runs) // 2]
        if repeat > 1:
            result.note = ("median of %d: " % repeat) + " / ".join(seconds_text(run.seconds) for run in runs)
        return result

    def _run_once(self, name, playbook, items, inventory, env, note):
        timed = timed_run([self.ansible_playbook, str(playbook), "-i", str(inventory or self.inventory)],
                          dict(self.env, **(env or {})), self.emulator, name=name)
        result = Result(name, items, timed.seconds, timed.methods, timed.writes, note)
        print("  %-40s %5d items %7.2f s  %5d requests  %5d writes" % (name, items, timed.seconds, result.requests, result.writes), flush=True)
        return result

    def seed(self, mappings):
        """An emptied zone holding ``mappings``, put in place through the batch API."""
        self.emulator.reset()
        for start in range(0, len(mappings), 100):
            answer = self.emulator.api("PUT", "/zones/%s/origin/cloud_regions/batch" % ZONE_ID, token=TOKEN, json=mappings[start:start + 100])
            answer.raise_for_status()

    # -- scenarios ------------------------------------------------------------------

    def debug_loop(self, mappings):
        tasks = [{"name": "debug loop", "ansible.builtin.debug": {"msg": "{{ item.origin_ip }} {{ item.vendor }} {{ item.region }}"},
                  "loop": "{{ mappings }}"}]
        return self.run("debug loop", self.playbook("debug loop", tasks, mappings), len(mappings))

    def single_loop(self, name, mappings, env=None):
        tasks = [{"name": name, SINGLE: {"zone": ZONE_NAME, "origin_ip": "{{ item.origin_ip }}", "vendor": "{{ item.vendor }}",
                                         "region": "{{ item.region }}"}, "loop": "{{ mappings }}"}]
        return self.run(name, self.playbook(name, tasks, mappings), len(mappings), env=env)

    def single_task(self, mapping, repeat):
        self.seed([mapping])
        tasks = [{"name": "single task", SINGLE: {"zone_id": ZONE_ID, "origin_ip": mapping["origin_ip"], "vendor": mapping["vendor"],
                                                  "region": mapping["region"]}}]
        return self.run("single task, steady state", self.playbook("single task", tasks, [mapping]), 1, repeat=repeat)

    def template_only(self, mappings, repeat):
        tasks = [{"name": "template only", "ansible.builtin.set_fact": {"templated": "{{ mappings }}"}}]
        return self.run("template only (set_fact of the list)", self.playbook("template only", tasks, mappings), len(mappings),
                        repeat=repeat)

    def length_only(self, mappings, repeat):
        # ansible-core 2.19 templates lazily: the length is known without rendering the items.
        tasks = [{"name": "length only", "ansible.builtin.debug": {"msg": "{{ mappings | length }}"}}]
        return self.run("debug of the list's length", self.playbook("length only", tasks, mappings), len(mappings), repeat=repeat)

    def batch(self, name, mappings, repeat, empty_first=False, env=None):
        tasks = [{"name": name, BATCH: {"zone": ZONE_NAME, "mappings": "{{ mappings }}"}}]
        return self.run(name, self.playbook(name, tasks, mappings), len(mappings), env=env, repeat=repeat,
                        before_each=self.emulator.reset if empty_first else None)

    def role_per_mapping(self, name, mappings):
        inventory = self.workspace.list_inventory(name.replace(" ", "-").replace(",", ""), mappings, "per_mapping", False)
        return self.run(name, self.workspace.playbook(), len(mappings), inventory=inventory)


def judge(result, target, met):
    result.target = target
    result.verdict = "yes" if met else "NO"
    return met


def main(argv=None):
    parser = argument_parser(__doc__)
    parser.add_argument("--mappings", type=int, default=3500, help="mappings of the big scenarios (default 3500)")
    parser.add_argument("--sample", type=int, default=200, help="items of the debug/module loop comparison (default 200)")
    parser.add_argument("--skip-module-path", action="store_true", help="leave out the runs through the module path (AnsiballZ)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each short scenario, the median is kept (default 3)")
    parser.add_argument("--only", default=",".join(GROUPS), help="comma list of %s (default: all)" % ", ".join(GROUPS))
    add_common_options(parser, "exit 1 when a target is missed")
    parser.add_argument("--keep", action="store_true", help="keep the generated playbooks")
    args = parser.parse_args(argv)

    ansible_playbook, version = find_ansible_playbook(args.ansible_playbook)

    groups = [group.strip() for group in args.only.split(",") if group.strip()]
    unknown = set(groups) - set(GROUPS)
    if unknown:
        parser.error("unknown group(s): %s" % ", ".join(sorted(unknown)))
    big = make_mappings(args.mappings)
    sample = big[:args.sample]
    emulator = Emulator().start()
    workspace = Workspace(keep=args.keep)
    results = []
    verdicts = []
    try:
        bench = Bench(ansible_playbook, workspace, emulator)
        print("%s, emulator %s" % (machine(version), emulator.base_url))
        empty = bench.run("empty play (start-up)", bench.playbook("empty", [], []), 0, repeat=args.repeat)
        results.append(empty)

        if "compare" in groups:
            debug = bench.debug_loop(sample)
            bench.seed(sample)
            loop = bench.single_loop("loop unchanged", sample)
            verdicts.append(judge(loop, "<= 2x debug loop (%.1f s)" % (2 * debug.seconds), loop.seconds <= 2 * debug.seconds))
            results += [debug, loop]
            if not args.skip_module_path:
                results.append(bench.single_loop("loop unchanged, module path", sample, env={"EDGEOPS_CLOUDFLARE_IN_PROCESS": "false"}))
        if "loops" in groups:
            results += loops(bench, big, verdicts)
        if "single" in groups:
            single = bench.single_task(big[0], args.repeat)
            verdicts.append(judge(single, "exactly 1 request", single.requests == 1))
            results.append(single)
        if "batch" in groups:
            results += batches(bench, big, verdicts, args.repeat, module_path=not args.skip_module_path)
        if "role" in groups:
            results += roles(bench, big, verdicts)
    finally:
        workspace.cleanup()
        emulator.stop()

    print_table(HEADER, [result.cells() for result in results], markdown=args.markdown, left=(0, 9, 10, 11))
    missed = verdicts.count(False)
    print("targets: %d met, %d missed" % (len(verdicts) - missed, missed))
    return 1 if (missed and args.check_targets) else 0


def loops(bench, big, verdicts):
    bench.seed(big)
    unchanged = bench.single_loop("loop unchanged", big)
    verdicts.append(judge(unchanged, "<= 40 requests, < 60 s", unchanged.requests <= 40 and unchanged.seconds < 60))
    bench.emulator.reset()
    new = bench.single_loop("loop new", big)
    verdicts.append(judge(new, "%d PUT, <= 40 others" % len(big), new.methods["PUT"] == len(big) and new.others <= 40))
    if bench.emulator.count() != len(big):
        raise SystemExit("loop new: the zone holds %d mappings, expected %d" % (bench.emulator.count(), len(big)))
    return [unchanged, new]


def batches(bench, big, verdicts, repeat, module_path=True):
    length = bench.length_only(big, repeat)
    template = bench.template_only(big, repeat)
    batch_new = bench.batch("batch new", big, repeat, empty_first=True)
    batch_unchanged = bench.batch("batch unchanged", big, repeat)
    for batch in (batch_new, batch_unchanged):
        verdicts.append(judge(batch, "<= 1.2x template only (%.2f s)" % (1.2 * template.seconds), batch.seconds <= 1.2 * template.seconds))
    results = [length, template, batch_new, batch_unchanged]
    if module_path:
        results.append(bench.batch("batch unchanged, module path", big, repeat, env={"EDGEOPS_CLOUDFLARE_IN_PROCESS": "false"}))
    return results


def roles(bench, big, verdicts):
    bench.emulator.reset()
    role_new = bench.role_per_mapping("role per_mapping new", big)
    role_unchanged = bench.role_per_mapping("role per_mapping unchanged", big)
    for role in (role_new, role_unchanged):
        verdicts.append(judge(role, "< 60 s", role.seconds < 60))
    if bench.emulator.count() != len(big):
        raise SystemExit("role: the zone holds %d mappings, expected %d" % (bench.emulator.count(), len(big)))
    return [role_new, role_unchanged]


if __name__ == "__main__":
    sys.exit(main())
