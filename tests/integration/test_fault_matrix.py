# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The fault matrix: each fault of the emulator's deterministic fault rules, run against the
single module, the batch module (or the info module for listing faults) and the role, with real
ansible-playbook runs on 127.0.0.1.

Every case asserts three things: the final state on the server, the result the task reported,
and the requests that were sent (method, kind of path, status or fault). docs/faults.md is the
same table in prose; keep both in step.
"""

from __future__ import annotations

import pytest

from .harness import TOKEN, ZONE_ID, run_playbook

SINGLE = "edgeops.cloudflare.origin_cloud_region"
BATCH = "edgeops.cloudflare.origin_cloud_regions"
INFO = "edgeops.cloudflare.origin_cloud_region_info"
AUTH = {"CLOUDFLARE_API_TOKEN": TOKEN}
AWS = ("aws", "us-east-1")
GCP = ("gcp", "us-central1")


def bulk(count, start=1, target=AWS):
    """``count`` mappings on 2001:db8::N, as {ip: (vendor, region)}."""
    return {"2001:db8::%x" % number: target for number in range(start, start + count)}


def as_items(state):
    return [{"origin_ip": ip, "vendor": vendor, "region": region} for ip, (vendor, region) in state.items()]


def sent(emulator, since):
    """The requests after the first ``since`` ones, as 'METHOD kind answer' strings."""
    return ["%s %s %s" % (entry["method"], kind_of(entry["path"]), answer_of(entry)) for entry in emulator.log(0)[since:]]


def kind_of(path):
    if path.endswith("/batch"):
        return "batch"
    if path.endswith("/supported_regions"):
        return "regions"
    if path.endswith("/cloud_regions"):
        return "list"
    if "/cloud_regions/" in path:
        return "item"
    return "zones"


def answer_of(entry):
    if entry.get("fault") in ("drop", "drop_after_apply"):
        return entry["fault"]
    if entry.get("fault"):
        return "%s:%s" % (entry["status"], entry["fault"])
    return str(entry["status"])


def run_task(emulator, module, args, role=False):
    """One task (or the role with ``args`` as its variables) against the emulator; returns (run, result)."""
    if role:
        task = {"name": "case", "ansible.builtin.include_role": {"name": "edgeops.cloudflare.origin_cloud_regions"}, "vars": args}
    else:
        task = {"name": "case", module: dict({"zone_id": ZONE_ID}, **args), "register": "out"}
    run = run_playbook(emulator, [task], env=AUTH)
    if role:
        # The role's batch task loops over zones: the item's own result holds what the module said.
        applied = [entry for entry in run.results if entry["task"].endswith("Apply the mappings of each zone")
                   and entry["status"].startswith("item_")]
        return run, (applied[-1]["result"] if applied else {})
    return run, run.task("case")["result"]


def role_vars(items, purge=False, **extra):
    return dict({"origin_cloud_regions_mappings": items, "origin_cloud_regions_zone_id": ZONE_ID,
                 "origin_cloud_regions_purge": purge}, **extra)


class Case:
    """One row of the matrix."""

    def __init__(self, name, target, seed, faults, args, state, requests, outcome, role=False):
        self.name, self.target, self.seed, self.faults, self.args = name, target, seed, faults, args
        self.state, self.requests, self.outcome, self.role = state, requests, outcome, role

    def __repr__(self):
        return self.name


def ok(changed, **fields):
    return dict(failed=False, changed=changed, **fields)


def failed(*words, **fields):
    return dict(failed=True, words=words, **fields)


TWO = {"192.0.2.1": AWS, "192.0.2.2": AWS}
DROP_AFTER_DELETE = {"action": "drop_after_apply", "method": "DELETE"}
TWO_ABSENT = [{"origin_ip": "192.0.2.1", "state": "absent"}, {"origin_ip": "192.0.2.2", "state": "absent"}]
LISTING_FAULTS = {"empty_page": {"action": "empty_page", "method": "GET", "route": "list", "page": 2},
                  "ignore_paging": {"action": "ignore_paging", "method": "GET", "route": "list", "times": None}}
SEED_250 = bulk(250)
KEEP_10 = as_items(bulk(10))

CASES = [
    # A lost answer to a delete: the write happened, the retry finds nothing left to delete.
    Case("lost-delete-answer/single", SINGLE, TWO, [dict(DROP_AFTER_DELETE, route="item")],
         {"origin_ip": "192.0.2.1", "state": "absent"},
         {"192.0.2.2": AWS}, ["GET item 200", "DELETE item drop_after_apply", "DELETE item 404"], ok(True)),
    Case("lost-delete-answer/batch", BATCH, TWO, [dict(DROP_AFTER_DELETE, route="batch")], {"mappings": TWO_ABSENT},
         {}, ["GET list 200", "DELETE batch drop_after_apply", "DELETE batch 200", "GET list 200"],
         ok(True, deleted=["192.0.2.1", "192.0.2.2"], warned=True)),
    Case("lost-delete-answer/role", None, TWO, [dict(DROP_AFTER_DELETE, route="batch")], role_vars(TWO_ABSENT),
         {}, ["GET list 200", "DELETE batch drop_after_apply", "DELETE batch 200", "GET list 200"],
         ok(True, deleted=["192.0.2.1", "192.0.2.2"]), role=True),
    # A write that keeps failing on the wire after retries (max_retry_wait bounds the waiting).
    Case("resets-persist/single", SINGLE, {}, [{"action": "drop", "method": "PUT", "times": None}],
         {"origin_ip": "192.0.2.1", "vendor": "aws", "region": "us-east-1", "max_retry_wait": 3},
         {}, ["GET item 404", "GET regions 200"] + ["PUT item drop"] * 4 + ["GET item 404"],
         failed("not in place", "converges")),
    Case("resets-persist/batch-150", BATCH, {}, [{"action": "drop", "method": "PUT", "route": "batch", "after": 1, "times": None}],
         {"mappings": as_items(bulk(150)), "max_retry_wait": 3},
         bulk(100), ["GET list 200", "GET regions 200", "PUT batch 200"] + ["PUT batch drop"] * 4 + ["GET list 200"],
         failed("100 of 150", "converges", created=100)),
    Case("resets-persist/role-150", None, {}, [{"action": "drop", "method": "PUT", "route": "batch", "after": 1, "times": None}],
         role_vars(as_items(bulk(150)), origin_cloud_regions_max_retry_wait=3),
         bulk(100), ["GET list 200", "GET regions 200", "PUT batch 200"] + ["PUT batch drop"] * 4 + ["GET list 200"],
         failed("100 of 150", "converges", created=100), role=True),
    # A success status whose body cannot be believed, after the write was applied.
    Case("result-null/single", SINGLE, {}, [{"action": "body", "body": "result_null", "method": "PUT"}],
         {"origin_ip": "192.0.2.1", "vendor": "aws", "region": "us-east-1"},
         {"192.0.2.1": AWS}, ["GET item 404", "GET regions 200", "PUT item 200:body", "GET item 200"], ok(True, warned=True)),
    Case("result-empty-object/batch", BATCH, {}, [{"action": "body", "body": "result_empty_object", "method": "PUT"}],
         {"mappings": as_items(TWO)},
         TWO, ["GET list 200", "GET regions 200", "PUT batch 200:body", "GET list 200"],
         ok(True, created=["192.0.2.1", "192.0.2.2"], warned=True)),
    Case("truncated-json/batch", BATCH, {}, [{"action": "body", "body": "truncated_json", "method": "PUT"}],
         {"mappings": as_items(TWO)},
         TWO, ["GET list 200", "GET regions 200", "PUT batch 200:body", "GET list 200"],
         ok(True, created=["192.0.2.1", "192.0.2.2"], warned=True)),
    Case("html/batch", BATCH, TWO, [{"action": "body", "body": "html", "method": "DELETE"}], {"mappings": TWO_ABSENT},
         {}, ["GET list 200", "DELETE batch 200:body", "GET list 200"],
         ok(True, deleted=["192.0.2.1", "192.0.2.2"], warned=True)),
    Case("result-empty-list/role", None, {}, [{"action": "body", "body": "result_empty_list", "method": "PUT"}],
         role_vars(as_items(TWO)),
         TWO, ["GET list 200", "GET regions 200", "PUT batch 200:body", "GET list 200"],
         ok(True, created=["192.0.2.1", "192.0.2.2"]), role=True),
    # A listing that does not add up is never planned on, let alone purged against.
    Case("empty-page/info", INFO, SEED_250, [LISTING_FAULTS["empty_page"]], {},
         SEED_250, ["GET list 200", "GET list 200:empty_page"], failed("incomplete", "page 2")),
    Case("empty-page/batch-purge", BATCH, SEED_250, [LISTING_FAULTS["empty_page"]], {"mappings": KEEP_10, "purge": True},
         SEED_250, ["GET list 200", "GET list 200:empty_page"], failed("incomplete", "page 2")),
    Case("empty-page/role-purge", None, SEED_250, [LISTING_FAULTS["empty_page"]], role_vars(KEEP_10, purge=True),
         SEED_250, ["GET list 200", "GET list 200:empty_page"], failed("incomplete", "page 2"), role=True),
    Case("ignore-paging/info", INFO, SEED_250, [LISTING_FAULTS["ignore_paging"]], {},
         SEED_250, ["GET list 200:ignore_paging"] * 2, failed("incomplete", "repeats")),
    Case("ignore-paging/batch-purge", BATCH, SEED_250, [LISTING_FAULTS["ignore_paging"]], {"mappings": KEEP_10, "purge": True},
         SEED_250, ["GET list 200:ignore_paging"] * 2, failed("incomplete", "repeats")),
    # Rate limiting, however the server spells Retry-After.
    Case("retry-after-decimal/single", SINGLE, {}, [{"action": "status", "status": 429, "retry_after": "1.5"}],
         {"origin_ip": "192.0.2.1", "vendor": "aws", "region": "us-east-1"},
         {"192.0.2.1": AWS}, ["GET item 429:status", "GET item 404", "GET regions 200", "PUT item 200"], ok(True)),
    Case("retry-after-garbage/batch", BATCH, {}, [{"action": "status", "status": 429, "retry_after": "soon", "method": "PUT"}],
         {"mappings": as_items(TWO)},
         TWO, ["GET list 200", "GET regions 200", "PUT batch 429:status", "PUT batch 200"], ok(True, created=["192.0.2.1", "192.0.2.2"])),
    Case("retry-after-date/role", None, {}, [{"action": "status", "status": 429, "retry_after": "Wed, 21 Oct 2015 07:28:00 GMT"}],
         role_vars(as_items(TWO)),
         TWO, ["GET list 429:status", "GET list 200", "GET regions 200", "PUT batch 200"], ok(True), role=True),
    Case("code-971-in-403/single", SINGLE, {}, [{"action": "status", "status": 403, "code": 971, "retry_after": "1"}],
         {"origin_ip": "192.0.2.1", "vendor": "aws", "region": "us-east-1"},
         {"192.0.2.1": AWS}, ["GET item 403:status", "GET item 404", "GET regions 200", "PUT item 200"], ok(True)),
    Case("rate-limited-past-budget/batch", BATCH, TWO, [{"action": "status", "status": 429, "code": 971, "retry_after": "30", "times": None}],
         {"mappings": as_items({"192.0.2.1": GCP}), "max_retry_wait": 5},
         TWO, ["GET list 429:status"], failed("429", "971")),
    # An answer slower than the timeout, after the write: the retried write is idempotent.
    Case("slow-answer-after-write/single", SINGLE, {}, [{"action": "delay_after_apply", "seconds": 4, "method": "PUT"}],
         {"origin_ip": "192.0.2.1", "vendor": "gcp", "region": "us-central1", "timeout": 1},
         {"192.0.2.1": GCP}, ["GET item 404", "GET regions 200", "PUT item 200:delay_after_apply", "PUT item 200"], ok(True)),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_fault(emulator, case):
    if case.seed:
        emulator.seed(as_items(case.seed))
    emulator.add_faults(*case.faults)
    since = len(emulator.log(0))
    run, result = run_task(emulator, case.target, case.args, role=case.role)
    expected = case.outcome

    assert emulator.state() == case.state, run
    assert sent(emulator, since) == case.requests, run
    if expected["failed"]:
        assert run.returncode != 0, run
        failure = run.task("case")["result"] if not case.role else _role_failure(run)
        for word in expected["words"]:
            assert word in failure["msg"], failure["msg"]
        if "created" in expected:
            assert len(failure["created"]) == expected["created"], failure
            assert failure["counts"]["created"] == expected["created"]
    else:
        assert run.returncode == 0, run
        assert result["changed"] is expected["changed"], result
        for key in ("created", "deleted"):
            if key in expected:
                assert result[key] == expected[key], result
        if "warned" in expected:
            assert bool(result.get("warnings")) is expected["warned"], result


def _role_failure(run):
    failures = [entry for entry in run.results if entry["status"] in ("failed", "item_failed")]
    assert failures, run
    # The first failure is the module's own (item_failed); the loop's summary comes after it.
    return failures[0]["result"]


def test_a_rerun_after_a_partial_failure_converges(emulator):
    """150 creates, the second chunk lost for good: 100 in place; the same task again writes the other 50."""
    wanted = as_items(bulk(150))
    emulator.add_faults({"action": "drop", "method": "PUT", "route": "batch", "after": 1, "times": None})
    first, _result = run_task(emulator, BATCH, {"mappings": wanted, "max_retry_wait": 1})
    assert first.returncode != 0, first
    assert len(emulator.state()) == 100
    emulator.clear_faults()
    second, result = run_task(emulator, BATCH, {"mappings": wanted})
    assert second.returncode == 0, second
    assert result["counts"] == {"created": 50, "updated": 0, "deleted": 0, "unchanged": 100, "failed": 0}
    assert emulator.state() == bulk(150)
    third, result = run_task(emulator, BATCH, {"mappings": wanted})
    assert third.returncode == 0 and result["changed"] is False, third
