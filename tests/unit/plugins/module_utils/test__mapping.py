# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.edgeops.cloudflare.plugins.module_utils._mapping import (
    VENDORS,
    ZONE_MAPPING_LIMIT,
    Plan,
    build_plan,
    desired_state,
    diff_view,
    ip_sort_key,
    region_names,
    region_problem,
    same_target,
    sorted_mappings,
)
from ansible_collections.edgeops.cloudflare.tests.unit.fake_api import SUPPORTED_REGIONS


def m(ip, vendor="aws", region="us-east-1", modified_on=None):
    return {"origin_ip": ip, "vendor": vendor, "region": region, "modified_on": modified_on}


def want(ip, vendor="aws", region="us-east-1"):
    return {"origin_ip": ip, "vendor": vendor, "region": region}


def test_constants():
    assert VENDORS == ("aws", "azure", "gcp", "oci")
    assert ZONE_MAPPING_LIMIT == 3500


# -- small helpers ------------------------------------------------------------------


def test_same_target():
    current = m("192.0.2.1", "aws", "us-east-1", "2026-01-01T00:00:00Z")
    assert same_target(current, "aws", "us-east-1") is True
    assert same_target(current, "aws", "us-west-2") is False
    assert same_target(current, "gcp", "us-east-1") is False
    assert same_target(None, "aws", "us-east-1") is False


def test_diff_view_drops_timestamps():
    assert diff_view(m("2001:db8::1", "gcp", "us-central1", "2026-01-01T00:00:00Z")) == want("2001:db8::1", "gcp", "us-central1")
    assert diff_view(None) == {}
    assert diff_view({}) == {}


def test_region_names():
    assert region_names(SUPPORTED_REGIONS) == {"aws": ["us-east-1", "us-west-2", "eu-west-1"], "gcp": ["us-central1", "europe-west1"]}
    assert region_names({"obtained_codes": False, "vendors": {}}) == {}
    assert region_names({"vendors": {"oci": None}}) == {"oci": []}


NAMES = {"aws": ["us-west-2", "us-east-1", "eu-west-1"], "gcp": ["us-central1"], "oci": []}


@pytest.mark.parametrize("vendor, region, message", [
    ("aws", "us-east-1", None),
    ("gcp", "us-central1", None),
    ("aws", "us-east-9", "region 'us-east-9' is not valid for vendor 'aws'; valid regions: eu-west-1, us-east-1, us-west-2"),
    ("aws", "US-EAST-1", "region 'US-EAST-1' is not valid for vendor 'aws'; valid regions: eu-west-1, us-east-1, us-west-2"),
    ("gcp", "us-east-1", "region 'us-east-1' is not valid for vendor 'gcp'; valid regions: us-central1"),
    ("oci", "us-ashburn-1", "region 'us-ashburn-1' is not valid for vendor 'oci'; valid regions: none"),
    ("azure", "eastus", "vendor 'azure' is not supported for this zone; supported vendors: aws, gcp, oci"),
])
def test_region_problem(vendor, region, message):
    assert region_problem(NAMES, vendor, region) == message


def test_region_problem_with_an_empty_catalogue():
    assert region_problem({}, "aws", "us-east-1") == "vendor 'aws' is not supported for this zone; supported vendors: none"


def test_ip_sort_key_orders_ipv4_before_ipv6_numerically():
    ips = ["2001:db8::10", "10.0.0.2", "unparsable", "2001:db8::9", "9.0.0.1", "::ffff:192.0.2.1", "10.0.0.10"]
    assert sorted(ips, key=ip_sort_key) == ["9.0.0.1", "10.0.0.2", "10.0.0.10", "::ffff:192.0.2.1", "2001:db8::9",
                                            "2001:db8::10", "unparsable"]


def test_sorted_mappings():
    assert [x["origin_ip"] for x in sorted_mappings([m("2001:db8::1"), m("192.0.2.10"), m("192.0.2.9")])] == [
        "192.0.2.9", "192.0.2.10", "2001:db8::1"]


# -- desired_state --------------------------------------------------------------------


def test_desired_state_indexes_by_canonical_ip():
    present, absent, problems = desired_state([
        {"origin_ip": "2001:DB8:0::1", "vendor": "gcp", "region": "us-central1", "state": "present"},
        {"origin_ip": "192.0.2.1", "vendor": "aws", "region": "us-east-1"},
        {"origin_ip": "::FFFF:C000:0202", "state": "absent"},
    ])
    assert present == {"2001:db8::1": want("2001:db8::1", "gcp", "us-central1"), "192.0.2.1": want("192.0.2.1")}
    assert absent == ["::ffff:192.0.2.2"]
    assert problems == []


def test_desired_state_merges_agreeing_duplicates():
    present, absent, problems = desired_state([
        {"origin_ip": "2001:db8::1", "vendor": "aws", "region": "us-east-1"},
        {"origin_ip": "2001:0DB8::0001", "vendor": "aws", "region": "us-east-1", "state": "present"},
        {"origin_ip": "192.0.2.7", "state": "absent"},
        {"origin_ip": "192.0.2.7", "state": "absent", "vendor": "aws"},
    ])
    assert present == {"2001:db8::1": want("2001:db8::1")}
    assert absent == ["192.0.2.7"]
    assert problems == []


def test_desired_state_disagreeing_duplicates_name_both_indexes():
    present, absent, problems = desired_state([
        {"origin_ip": "192.0.2.1", "vendor": "aws", "region": "us-east-1"},
        {"origin_ip": "192.0.2.2", "vendor": "aws", "region": "us-east-1"},
        {"origin_ip": "192.0.2.1", "vendor": "aws", "region": "us-west-2"},
        {"origin_ip": "2001:db8::1", "vendor": "gcp", "region": "us-central1"},
        {"origin_ip": "2001:DB8::1", "state": "absent"},
    ])
    assert problems == [
        "mappings[2] (192.0.2.1) conflicts with mappings[0]: aws/us-west-2 versus aws/us-east-1",
        "mappings[4] (2001:db8::1) conflicts with mappings[3]: state=absent versus gcp/us-central1",
    ]
    # the first of the pair is kept, the conflicting one is not
    assert present["192.0.2.1"] == want("192.0.2.1")
    assert absent == []


def test_desired_state_names_invalid_items_by_index():
    present, absent, problems = desired_state([
        {"origin_ip": "192.0.2.1", "vendor": "aws", "region": "us-east-1"},
        {"origin_ip": "192.0.2.0/24", "vendor": "aws", "region": "us-east-1"},
        {"origin_ip": "origin.example.com", "state": "absent"},
        {"origin_ip": "192.0.2.3", "vendor": "AWS", "region": "us-east-1"},
        {"origin_ip": "192.0.2.4", "vendor": "gcp", "region": " "},
        {"origin_ip": "192.0.2.5", "vendor": "gcp", "region": None},
        {"origin_ip": "192.0.2.6", "vendor": None, "region": "x"},
        {"origin_ip": None, "vendor": "gcp", "region": "x"},
    ])
    assert problems == [
        "mappings[1].origin_ip: '192.0.2.0/24' is a network (CIDR prefix), not a single IP address",
        "mappings[2].origin_ip: 'origin.example.com' is not an IP address (host names are not accepted)",
        "mappings[3] (192.0.2.3): vendor must be one of aws, azure, gcp, oci, got 'AWS'",
        "mappings[4] (192.0.2.4): region must be a non-empty string, got ' '",
        "mappings[5] (192.0.2.5): region must be a non-empty string, got None",
        "mappings[6] (192.0.2.6): vendor must be one of aws, azure, gcp, oci, got None",
        "mappings[7].origin_ip: a value of type NoneType is not an IP address: expected a string",
    ]
    assert present == {"192.0.2.1": want("192.0.2.1")}
    assert absent == []


def test_desired_state_absent_items_need_no_vendor_or_region():
    present, absent, problems = desired_state([{"origin_ip": "192.0.2.1", "state": "absent", "vendor": None, "region": None}])
    assert (present, absent, problems) == ({}, ["192.0.2.1"], [])


def test_desired_state_empty():
    assert desired_state([]) == ({}, [], [])


# -- build_plan ---------------------------------------------------------------------------


CURRENT = [
    m("192.0.2.1", "aws", "us-east-1", "t1"),      # wanted the same: unchanged
    m("192.0.2.2", "aws", "us-east-1", "t2"),      # wanted elsewhere: update
    m("2001:db8::1", "gcp", "us-central1", "t3"),  # wanted absent: delete
    m("192.0.2.10", "gcp", "us-central1", "t4"),   # not listed: purge only
    m("192.0.2.9", "aws", "eu-west-1", "t5"),      # not listed: purge only
]


def test_build_plan_without_purge():
    present = {"192.0.2.1": want("192.0.2.1"), "192.0.2.2": want("192.0.2.2", "aws", "us-west-2"),
               "198.51.100.1": want("198.51.100.1", "gcp", "us-central1")}
    plan = build_plan(CURRENT, present, ["2001:db8::1", "203.0.113.99"], purge=False)
    assert plan.create == [want("198.51.100.1", "gcp", "us-central1")]
    assert plan.update == [want("192.0.2.2", "aws", "us-west-2")]
    assert plan.unchanged == [m("192.0.2.1", "aws", "us-east-1", "t1")]
    # absent and not there: nothing to do
    assert plan.delete == [m("2001:db8::1", "gcp", "us-central1", "t3")]
    assert plan.writes == [want("198.51.100.1", "gcp", "us-central1"), want("192.0.2.2", "aws", "us-west-2")]
    assert plan.create or plan.update or plan.delete
    assert plan.before == {mapping["origin_ip"]: mapping for mapping in CURRENT}
    assert plan.size_after(len(CURRENT)) == 5


def test_build_plan_with_purge_deletes_unlisted_in_ip_order():
    present = {"192.0.2.1": want("192.0.2.1"), "192.0.2.2": want("192.0.2.2", "aws", "us-west-2")}
    plan = build_plan(CURRENT, present, ["2001:db8::1"], purge=True)
    assert [x["origin_ip"] for x in plan.delete] == ["192.0.2.9", "192.0.2.10", "2001:db8::1"]
    assert plan.delete[0] == m("192.0.2.9", "aws", "eu-west-1", "t5")
    assert plan.create == []
    assert plan.update == [want("192.0.2.2", "aws", "us-west-2")]
    assert plan.size_after(5) == 2


def test_build_plan_purge_everything():
    plan = build_plan(CURRENT, {}, [], purge=True)
    assert [x["origin_ip"] for x in plan.delete] == ["192.0.2.1", "192.0.2.2", "192.0.2.9", "192.0.2.10", "2001:db8::1"]
    assert plan.size_after(5) == 0


def test_build_plan_nothing_to_do():
    plan = build_plan(CURRENT[:1], {"192.0.2.1": want("192.0.2.1")}, [], purge=True)
    assert (plan.create, plan.update, plan.delete) == ([], [], [])
    assert not (plan.create or plan.update or plan.delete)
    assert plan.writes == []


def test_build_plan_vendor_change_alone_is_an_update():
    plan = build_plan([m("192.0.2.1", "aws", "us-central1")], {"192.0.2.1": want("192.0.2.1", "gcp", "us-central1")}, [])
    assert plan.update == [want("192.0.2.1", "gcp", "us-central1")]


def test_size_after():
    plan = Plan()
    plan.create = [want("192.0.2.%d" % n) for n in range(3)]
    plan.delete = [m("198.51.100.1")]
    assert plan.size_after(3499) == 3501
    assert plan.size_after(0) == 2
    assert Plan().size_after(7) == 7
