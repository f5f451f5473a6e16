# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The in-process path and the module path give the same results (docs/in-process.md).

Each test runs the same tasks twice against the emulator on 127.0.0.1, from the same starting
state: once in the controller's process (the default on localhost) and once through the module
(EDGEOPS_CLOUDFLARE_IN_PROCESS=false: AnsiballZ and a new Python per task). Every recorded task
result must be equal field by field, and so must what ansible-playbook printed, the requests the
emulator received and what it holds afterwards; only timestamps (``modified_on``) and tracebacks
are left out of the comparison. Then the loop's view: one listing of the zone instead of one GET
per item, with the same per-item results.
"""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from .harness import TOKEN, ZONE_ID, ansible_playbook, run_playbook
from .test_fault_matrix import CASES as FAULT_CASES
from .test_fault_matrix import as_items, sent

SINGLE = "edgeops.cloudflare.origin_cloud_region"
BATCH = "edgeops.cloudflare.origin_cloud_regions"
INFO = "edgeops.cloudflare.origin_cloud_region_info"
ZONES = "edgeops.cloudflare.zone_info"
AUTH = {"CLOUDFLARE_API_TOKEN": TOKEN}
PATHS = {"in_process": {"EDGEOPS_CLOUDFLARE_IN_PROCESS": "true"}, "module": {"EDGEOPS_CLOUDFLARE_IN_PROCESS": "false"}}
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z")
AWS = ("aws", "us-east-1")
OTHER_ZONE = "0bd1a5a0b3b8c4d5e6f708192a3b4c5d"

# Each test here picks the path of every run itself (PATHS): the modulepath gate leaves it out.
pytestmark = pytest.mark.path_specific


def normalized(value, drop=()):
    """A recorded result without what differs from run to run: timestamps, tracebacks, ``drop``."""
    if isinstance(value, dict):
        return {key: ("<traceback>" if key == "exception" and item else normalized(item, drop))
                for key, item in value.items() if key not in drop}
    if isinstance(value, list):
        return [normalized(item, drop) for item in value]
    if isinstance(value, str):
        return TIMESTAMP.sub("<time>", value)
    return value


def printed(run):
    """What ansible-playbook printed, without timestamps and run-specific paths."""
    text = TIMESTAMP.sub("<time>", run.stdout + run.stderr)
    return re.sub(r"/tmp/edgeops-[a-z]+-[A-Za-z0-9_]+", "<tmp>", text)


class Outcome:
    def __init__(self, run, state, requests):
        self.run = run
        self.state = state
        self.requests = requests


def both_ways(emulator, tasks, seed=None, faults=(), env=None, **kwargs):
    """Run ``tasks`` in-process and through the module, each from the same state; return both outcomes."""
    outcomes = {}
    for path, switch in PATHS.items():
        emulator.reset()
        if seed:
            emulator.seed(as_items(seed))
        if faults:
            emulator.add_faults(*faults)
        since = len(emulator.log(0))
        run = run_playbook(emulator, tasks, env=dict(AUTH, **dict(env or {}, **switch)), **kwargs)
        outcomes[path] = Outcome(run, emulator.state(), sent(emulator, since))
    return outcomes["in_process"], outcomes["module"]


def assert_same(in_process, module, drop=(), requests=True):
    assert in_process.state == module.state, (in_process.run, module.run)
    if requests:
        assert in_process.requests == module.requests, (in_process.run, module.run)
    assert in_process.run.returncode == module.run.returncode, (in_process.run, module.run)
    recorded = [normalized(entry, drop) for entry in in_process.run.results]
    expected = [normalized(entry, drop) for entry in module.run.results]
    assert [entry["task"] for entry in recorded] == [entry["task"] for entry in expected]
    for actual, wanted in zip(recorded, expected):
        assert actual == wanted, "task %r differs" % actual["task"]
    if not drop:
        assert printed(in_process.run) == printed(module.run)


def task(name, module=SINGLE, **args):
    args.setdefault("zone_id", ZONE_ID)
    return {"name": name, module: args, "register": "out", "ignore_errors": True}


def zones_task(title, **args):
    """A zone_info task: it has no zone option (``name`` is its alias of ``names``)."""
    return {"name": title, ZONES: args, "register": "out", "ignore_errors": True}


def mapping(name, origin_ip, vendor=None, region=None, **args):
    if vendor:
        args.update(vendor=vendor, region=region)
    return task(name, origin_ip=origin_ip, **args)


SEED = {"192.0.2.1": AWS, "192.0.2.2": ("gcp", "us-central1"), "2001:db8::9": ("azure", "westeurope")}


@pytest.mark.parametrize("check", [False, True], ids=["apply", "check"])
def test_the_same_results_for_success_check_and_diff(emulator, check):
    tasks = [
        mapping("unchanged", "192.0.2.1", *AWS),
        mapping("update", "192.0.2.2", "gcp", "europe-west1"),
        mapping("create ipv6", "2001:DB8::A", "oci", "us-ashburn-1"),
        mapping("delete", "2001:db8::9", state="absent"),
        mapping("absent already", "198.51.100.1", state="absent"),
        dict(mapping("check mode on the task", "203.0.113.1", *AWS), check_mode=True),
        task("read all", INFO),
        task("read one with regions", INFO, origin_ip="192.0.2.1", supported_regions=True),
        task("batch", BATCH, mappings=[{"origin_ip": "203.0.113.7", "vendor": "gcp", "region": "us-central1"},
                                       {"origin_ip": "192.0.2.1", "state": "absent"}]),
        task("batch purge", BATCH, mappings=[{"origin_ip": "203.0.113.7", "vendor": "gcp", "region": "us-central1"}], purge=True),
        dict(mapping("hidden", "203.0.113.9", *AWS), no_log=True),
        zones_task("zones"),
        zones_task("zones by name", names=["EXAMPLE.net.", "example.com", "nope.example"]),
        zones_task("zones of an account", name="example.com", account_id="01a7362d577a6c3019a474fd6f485823"),
    ]
    in_process, module = both_ways(emulator, tasks, seed=SEED, check=check, diff=True)
    assert in_process.run.returncode == 0, in_process.run
    assert_same(in_process, module)
    assert in_process.run.task("update")["result"]["diff"]["after"]["region"] == "europe-west1"
    assert "censored" in in_process.run.task("hidden")["result"]
    zones = in_process.run.task("zones by name")["result"]
    assert [zone["name"] for zone in zones["zones"]] == ["example.com", "example.net"] and zones["missing"] == ["nope.example"]
    assert zones["api_requests"] == 3 and "zone_id" not in zones


def test_the_same_failures(emulator):
    tasks = [
        mapping("bad ip", "10.0.0.0/8", *AWS),
        mapping("unsupported option", "192.0.2.1", *AWS, bogus=True),
        mapping("vendor missing", "192.0.2.1", region="us-east-1"),
        mapping("zone twice", "192.0.2.1", *AWS, zone="example.com"),
        mapping("region not supported", "192.0.2.5", "gcp", "us-east-1"),
        mapping("refused by the API", "192.0.2.5", "aws", "us-nowhere-1", validate_region=False),
        mapping("wrong token", "192.0.2.5", *AWS, api_token="not-the-token"),
        task("unknown zone", INFO, zone_id=None, zone="example.org"),
        task("bad items", BATCH, mappings=[{"origin_ip": "192.0.2.1"}, "text", {"origin_ip": "::1", "vendor": "ibm", "region": "x"}]),
        task("keys that are not text", BATCH, mappings=[
            {"origin_ip": "192.0.2.1", "vendor": "aws", "region": "us-east-1", 1: "x"},
            {"origin_ip": "192.0.2.2", None: "y"},
        ]),
        task("purge all refused", BATCH, mappings=[], purge=True),
        mapping("unreachable", "192.0.2.5", *AWS, api_base_url="http://127.0.0.1:9/client/v4", max_retry_wait=0),
        dict(mapping("hidden failure", "192.0.2.5", "aws", "bad-region"), no_log=True),
        zones_task("zones bad name", names=["ok.example", "no/such"], timeout=0),
        zones_task("zones with a zone option", zone="example.com"),
        zones_task("zones wrong token", api_token="not-the-token"),
        zones_task("zones unreachable", api_base_url="http://127.0.0.1:9/client/v4", max_retry_wait=0),
    ]
    in_process, module = both_ways(emulator, tasks, seed=SEED, diff=True)
    assert_same(in_process, module)
    statuses = [entry["status"] for entry in in_process.run.results]
    assert statuses == ["failed"] * len(tasks), statuses


def test_no_credentials_fails_the_same(emulator):
    run_tasks = [mapping("no credentials", "192.0.2.1", *AWS)]
    outcomes = {}
    for path, switch in PATHS.items():
        emulator.reset()
        outcomes[path] = run_playbook(emulator, run_tasks, env=switch)
    assert [normalized(entry) for entry in outcomes["in_process"].results] == [normalized(entry) for entry in outcomes["module"].results]
    assert "no Cloudflare credentials" in outcomes["in_process"].task("no credentials")["result"]["msg"]


def test_module_defaults_and_the_action_group_apply_to_both(emulator):
    tasks = [{
        "name": "with defaults",
        "module_defaults": {"group/edgeops.cloudflare.cloudflare": {"zone": "example.com", "api_token": TOKEN},
                            SINGLE: {"validate_region": False}},
        "block": [
            {"name": "map", SINGLE: {"origin_ip": "203.0.113.5", "vendor": "gcp", "region": "us-central1"}, "register": "out"},
            {"name": "read", INFO: {}, "register": "info"},
            {"name": "batch", BATCH: {"mappings": [{"origin_ip": "203.0.113.6", "vendor": "aws", "region": "us-east-1"}]}},
        ],
    }, {
        # zone_info has no zone option: a group default of zone would be refused.
        "name": "zones with defaults",
        "module_defaults": {"group/edgeops.cloudflare.cloudflare": {"api_token": TOKEN}},
        "block": [{"name": "zones", ZONES: {}, "register": "zones"}],
    }]
    in_process, module = both_ways(emulator, tasks, env={"CLOUDFLARE_API_TOKEN": ""})
    assert in_process.run.returncode == 0, in_process.run
    assert_same(in_process, module)
    result = in_process.run.task("map")["result"]
    assert result["zone_id"] == ZONE_ID and result["invocation"]["module_args"]["validate_region"] is False
    assert result["api_requests"] == 3  # zone lookup, GET (404), PUT: no supported_regions with validate_region false
    assert in_process.state == {"203.0.113.5": ("gcp", "us-central1"), "203.0.113.6": AWS}
    assert in_process.run.task("zones")["result"]["count"] == 2


def test_warnings_are_the_same(emulator):
    tasks = [
        mapping("v1", "192.0.2.1", *AWS, api_generation="v1"),
        mapping("alias twice", "192.0.2.1", *AWS, zone_id=None, zone="example.com", zone_name="example.com"),
    ]
    in_process, module = both_ways(emulator, tasks)
    assert_same(in_process, module)
    assert any("2026-10-01" in warning for warning in in_process.run.task("v1")["result"]["warnings"])
    assert in_process.run.task("alias twice")["result"]["warnings"] == ["Both option zone and its alias zone_name are set."]


@pytest.mark.parametrize("source", ["environment", "task"])
def test_no_secret_in_either_path_at_vvvv(emulator, source):
    env = {"CLOUDFLARE_API_TOKEN": TOKEN + "\n"} if source == "environment" else {"CLOUDFLARE_API_TOKEN": ""}
    options = {} if source == "environment" else {"api_token": TOKEN + " "}
    tasks = [
        mapping("ok", "192.0.2.1", *AWS, **options),
        mapping("failing", "192.0.2.2", "aws", "bad-region", **options),
        task("read", INFO, **options),
        task("batch failing", BATCH, mappings=[{"origin_ip": "192.0.2.3", "vendor": "aws", "region": "bad"}], **options),
        zones_task("zones", **options),
        zones_task("zones failing", names=["no/such"], **options),
    ]
    in_process, module = both_ways(emulator, tasks, env=env, verbosity=4, diff=True)
    for outcome in (in_process, module):
        for text in (outcome.run.stdout, outcome.run.stderr, str(outcome.run.results)):
            assert TOKEN not in text
    assert "running edgeops.cloudflare.origin_cloud_region in the controller's process" in in_process.run.stdout
    assert "AnsiballZ_origin_cloud_region.py" in module.run.stdout
    assert "running edgeops.cloudflare.zone_info in the controller's process" in in_process.run.stdout
    assert "AnsiballZ_zone_info.py" in module.run.stdout
    assert [normalized(entry) for entry in in_process.run.results] == [normalized(entry) for entry in module.run.results]


@pytest.mark.parametrize("case", FAULT_CASES, ids=repr)
def test_faults_both_ways(emulator, case):
    """Every row of the fault matrix (test_fault_matrix.py) ends the same way on both paths."""
    if case.role:
        tasks = [{"name": "case", "ansible.builtin.include_role": {"name": "edgeops.cloudflare.origin_cloud_regions"},
                  "vars": case.args}]
    else:
        tasks = [{"name": "case", case.target: dict({"zone_id": ZONE_ID}, **case.args), "register": "out"}]
    in_process, module = both_ways(emulator, tasks, seed=case.seed, faults=case.faults)
    assert in_process.state == case.state
    assert_same(in_process, module)


# -- the loop's view ---------------------------------------------------------------------------------


def loop_task(name, items, module=SINGLE, **extra):
    args = {"zone_id": ZONE_ID, "origin_ip": "{{ item.origin_ip }}", "vendor": "{{ item.vendor | default(omit) }}",
            "region": "{{ item.region | default(omit) }}", "state": "{{ item.state | default('present') }}"}
    return dict({"name": name, module: args, "loop": items, "register": "out"}, **extra)


def zone_of(count, start=1):
    return {"198.18.%d.%d" % (number // 200, number % 200): AWS for number in range(start, start + count)}


def loop_items():
    """40 items on a zone of 150: 30 unchanged, 5 updated, 3 created, 2 deleted."""
    seeded = sorted(zone_of(150))
    items = [{"origin_ip": ip, "vendor": "aws", "region": "us-east-1"} for ip in seeded[:30]]
    items += [{"origin_ip": ip, "vendor": "gcp", "region": "us-central1"} for ip in seeded[30:35]]
    items += [{"origin_ip": "203.0.113.%d" % number, "vendor": "oci", "region": "us-ashburn-1"} for number in (1, 2, 3)]
    items += [{"origin_ip": ip, "state": "absent"} for ip in seeded[35:37]]
    return items


def kinds(requests):
    counts = {}
    for request in requests:
        kind = " ".join(request.split()[:2])
        counts[kind] = counts.get(kind, 0) + 1
    return counts


@pytest.mark.parametrize("check", [False, True], ids=["apply", "check"])
def test_a_loop_reads_the_zone_once_and_answers_the_same(emulator, check):
    items = loop_items()
    in_process, module = both_ways(emulator, [loop_task("loop", items)], seed=zone_of(150), check=check, diff=True)
    assert in_process.run.returncode == 0, in_process.run
    # Each item still says how many requests it sent: fewer in-process, where the view answers.
    assert_same(in_process, module, drop=("api_requests",), requests=False)
    writes = 0 if check else 10
    assert kinds(module.requests) == dict({"GET item": 40, "GET regions": 8}, **({} if check else {"PUT item": 8, "DELETE item": 2}))
    # Two single reads, the zone's two pages, the catalogue once, then only the writes.
    expected = {"GET item": 2, "GET list": 2, "GET regions": 1}
    if writes:
        expected.update({"PUT item": 8, "DELETE item": 2})
    assert kinds(in_process.requests) == expected
    per_item = [entry["result"]["api_requests"] for entry in in_process.run.results if entry["status"] == "item_ok"]
    assert sum(per_item) == len(in_process.requests)


def test_the_loop_view_follows_the_loops_own_writes(emulator):
    """Items that touch one IP twice see the loop's earlier write, as they would on the API."""
    items = [{"origin_ip": "192.0.2.%d" % number, "vendor": "aws", "region": "us-east-1"} for number in range(1, 6)]
    items += [{"origin_ip": "192.0.2.1", "vendor": "gcp", "region": "us-central1"}, {"origin_ip": "192.0.2.2", "state": "absent"},
              {"origin_ip": "192.0.2.4", "vendor": "gcp", "region": "us-central1"},
              {"origin_ip": "192.0.2.1", "vendor": "gcp", "region": "us-central1"}, {"origin_ip": "192.0.2.2", "state": "absent"}]
    in_process, module = both_ways(emulator, [loop_task("loop", items)], diff=True)
    assert_same(in_process, module, drop=("api_requests",), requests=False)
    changed = [entry["result"]["changed"] for entry in in_process.run.results if entry["status"] == "item_ok"]
    assert changed == [True] * 8 + [False, False]
    assert kinds(in_process.requests)["GET list"] == 1


def test_a_lost_answer_in_a_loop_is_read_back_from_the_api(emulator):
    items = [{"origin_ip": "192.0.2.%d" % number, "vendor": "aws", "region": "us-east-1"} for number in range(1, 9)]
    faults = [{"action": "body", "body": "result_null", "method": "PUT", "after": 4, "times": 1}]
    in_process, module = both_ways(emulator, [loop_task("loop", items)], faults=faults)
    assert_same(in_process, module, drop=("api_requests",), requests=False)
    fifth = [entry for entry in in_process.run.results if entry["status"] == "item_ok"][4]["result"]
    assert fifth["changed"] is True and fifth["warnings"]
    assert "GET item 200" in in_process.requests[in_process.requests.index("PUT item 200:body") + 1]


def test_short_loops_single_tasks_and_the_switch_keep_one_read_each(emulator):
    emulator.seed(as_items(zone_of(20)))
    items = [{"origin_ip": ip, "vendor": "aws", "region": "us-east-1"} for ip in sorted(zone_of(20))]
    plays = [
        ([loop_task("three", items[:3])], {}, {"GET item": 3}),
        ([dict(mapping("single", items[0]["origin_ip"], *AWS), ignore_errors=False)], {}, {"GET item": 1}),
        ([loop_task("switched off", items)], {"edgeops_cloudflare_loop_view": False}, {"GET item": 20}),
        ([loop_task("switched off", items)], {}, {"GET item": 20}),
        ([loop_task("extended", items, loop_control={"extended": True})], {}, {"GET item": 2, "GET list": 1}),
    ]
    for number, (tasks, extra_vars, expected) in enumerate(plays):
        since = len(emulator.log(0))
        env = dict(AUTH, EDGEOPS_CLOUDFLARE_LOOP_VIEW="false") if number == 3 else AUTH
        run = run_playbook(emulator, tasks, env=env, extra_vars=extra_vars)
        assert run.returncode == 0, run
        assert kinds(sent(emulator, since)) == expected, tasks[0]["name"]


def test_a_loop_over_two_zones_keeps_one_view_each(emulator):
    emulator.seed(as_items(zone_of(30)))
    emulator.seed(as_items(zone_of(30)), zone_id=OTHER_ZONE)
    ips = sorted(zone_of(30))
    items = [{"origin_ip": ip, "vendor": "aws", "region": "us-east-1", "zone_id": zone} for ip in ips for zone in (ZONE_ID, OTHER_ZONE)]
    task_ = loop_task("two zones", items)
    task_[SINGLE]["zone_id"] = "{{ item.zone_id }}"
    since = len(emulator.log(0))
    run = run_playbook(emulator, [task_], env=AUTH)
    assert run.returncode == 0, run
    assert kinds(sent(emulator, since)) == {"GET item": 4, "GET list": 2}


# -- where the module path is taken ----------------------------------------------------------------

FAKE_REMOTE = '''
from __future__ import annotations

from ansible.plugins.connection.local import DOCUMENTATION as LOCAL_DOCUMENTATION
from ansible.plugins.connection.local import Connection as LocalConnection

DOCUMENTATION = LOCAL_DOCUMENTATION.replace("name: local", "name: edgeops_fake_remote", 1)


class Connection(LocalConnection):
    """Runs commands locally, but is not the local connection: a stand-in for a remote proxy host."""

    transport = "edgeops_fake_remote"
'''


def test_a_task_delegated_to_another_host_runs_the_module_there(emulator, tmp_path):
    (tmp_path / "connection_plugins").mkdir()
    (tmp_path / "connection_plugins" / "edgeops_fake_remote.py").write_text(textwrap.dedent(FAKE_REMOTE), encoding="utf-8")
    (tmp_path / "inventory.yml").write_text(yaml.safe_dump({"all": {"hosts": {
        "localhost": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable},
        "proxy": {"ansible_connection": "edgeops_fake_remote", "ansible_python_interpreter": sys.executable}}}}), encoding="utf-8")
    play = [{"hosts": "localhost", "gather_facts": False, "tasks": [
        dict(mapping("on the proxy", "192.0.2.1", *AWS), delegate_to="proxy", ignore_errors=False),
        dict(mapping("on the controller", "192.0.2.1", *AWS), delegate_to="localhost", ignore_errors=False),
        dict(mapping("async", "192.0.2.2", *AWS), ignore_errors=False, **{"async": 60, "poll": 1}),
        dict(zones_task("zones on the proxy"), delegate_to="proxy", ignore_errors=False),
        dict(zones_task("zones on the controller"), delegate_to="localhost", ignore_errors=False),
        dict(zones_task("zones async"), ignore_errors=False, **{"async": 60, "poll": 1}),
    ]}]
    (tmp_path / "play.yml").write_text(yaml.safe_dump(play), encoding="utf-8")
    run = ansible_playbook(emulator, [Path(tmp_path, "play.yml"), "-i", Path(tmp_path, "inventory.yml"), "-vvv"],
                           env=dict(AUTH, ANSIBLE_CONNECTION_PLUGINS=str(tmp_path / "connection_plugins")))
    assert run.returncode == 0, run
    proxy, controller = run.stdout.split("TASK [on the controller]")
    controller, asynchronous = controller.split("TASK [async]")
    asynchronous, zones_proxy = asynchronous.split("TASK [zones on the proxy]")
    zones_proxy, zones_controller = zones_proxy.split("TASK [zones on the controller]")
    zones_controller, zones_async = zones_controller.split("TASK [zones async]")
    assert "connection 'edgeops_fake_remote', not on the controller" in proxy and "AnsiballZ_origin_cloud_region.py" in proxy
    assert "in the controller's process" in controller and "AnsiballZ" not in controller
    assert "async is not supported in the controller's process" in asynchronous and "async_wrapper" in asynchronous
    assert run.task("on the proxy")["result"]["changed"] is True
    assert run.task("on the controller")["result"]["changed"] is False
    assert run.task("async")["result"]["changed"] is True
    assert emulator.state() == {"192.0.2.1": AWS, "192.0.2.2": AWS}
    assert "connection 'edgeops_fake_remote', not on the controller" in zones_proxy and "AnsiballZ_zone_info.py" in zones_proxy
    assert "running edgeops.cloudflare.zone_info in the controller's process" in zones_controller
    assert "AnsiballZ" not in zones_controller
    assert "async is not supported in the controller's process" in zones_async and "async_wrapper" in zones_async
    # The same answer on the three paths (the async one adds its job's fields).
    answers = [run.task(name)["result"] for name in ("zones on the proxy", "zones on the controller", "zones async")]
    fields = ("changed", "zones", "count", "missing", "api_requests", "invocation")
    assert [{key: answer[key] for key in fields} for answer in answers] == [{key: answers[0][key] for key in fields}] * 3
    assert answers[0]["count"] == 2
