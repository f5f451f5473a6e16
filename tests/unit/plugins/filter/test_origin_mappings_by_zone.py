# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.edgeops.cloudflare.plugins.filter.origin_mappings_by_zone import FilterModule, origin_mappings_by_zone

HOSTVARS = {
    "web1": {"ansible_host": "192.0.2.1", "origin_cloud_regions_host_vendor": "aws", "origin_cloud_regions_host_region": "us-east-1"},
    "web2": {"ansible_host": "2001:DB8::2", "origin_cloud_regions_host_vendor": "gcp", "origin_cloud_regions_host_region": "us-central1",
             "origin_cloud_regions_host_zone": "example.net"},
    "db1": {"ansible_host": "192.0.2.9"},  # defines no mapping
    "198.51.100.4": {"origin_cloud_regions_host_state": "absent"},  # no ansible_host: the name is the address
}


def test_filter_is_registered():
    assert FilterModule().filters() == {"origin_mappings_by_zone": origin_mappings_by_zone}


def test_list_and_hosts_grouped_by_zone_with_canonical_ips():
    listed = [
        {"origin_ip": "203.0.113.5", "vendor": "azure", "region": "westeurope"},
        {"origin_ip": "203.0.113.6", "vendor": "oci", "region": "eu-frankfurt-1", "zone_id": "abc123"},
    ]
    plan = origin_mappings_by_zone(listed, hostvars=HOSTVARS, hosts=list(HOSTVARS), zone="example.com")
    assert plan["problems"] == []
    assert plan["count"] == 5
    assert plan["zones"] == [
        {"zone": "example.com", "zone_id": None, "mappings": [
            {"origin_ip": "203.0.113.5", "vendor": "azure", "region": "westeurope"},
            {"origin_ip": "192.0.2.1", "vendor": "aws", "region": "us-east-1"},
            {"origin_ip": "198.51.100.4", "state": "absent"},
        ]},
        {"zone": None, "zone_id": "abc123", "mappings": [{"origin_ip": "203.0.113.6", "vendor": "oci", "region": "eu-frankfurt-1"}]},
        {"zone": "example.net", "zone_id": None, "mappings": [{"origin_ip": "2001:db8::2", "vendor": "gcp", "region": "us-central1"}]},
    ]


def test_custom_host_variable_names():
    hostvars = {"edge1": {"public_ip": "192.0.2.44", "cloud": "aws", "cloud_region": "eu-west-1"}}
    plan = origin_mappings_by_zone([], hostvars=hostvars, hosts=["edge1"], zone_id="z1",
                                   ip_var="public_ip", vendor_var="cloud", region_var="cloud_region")
    assert plan["zones"] == [{"zone": None, "zone_id": "z1", "mappings": [{"origin_ip": "192.0.2.44", "vendor": "aws", "region": "eu-west-1"}]}]


def test_identical_duplicates_merge_across_sources():
    listed = [{"origin_ip": "192.0.2.1", "vendor": "aws", "region": "us-east-1"}]
    plan = origin_mappings_by_zone(listed, hostvars=HOSTVARS, hosts=["web1"], zone="example.com")
    assert plan["problems"] == [] and plan["count"] == 1


def test_every_problem_names_its_source_and_no_zone_is_returned():
    listed = [
        {"origin_ip": "192.0.2.1", "vendor": "aws", "region": "us-west-2"},      # conflicts with host web1
        {"origin_ip": "10.0.0.0/8", "vendor": "aws", "region": "us-east-1"},     # CIDR
        {"origin_ip": "192.0.2.3", "vendor": "AWS", "region": "us-east-1"},      # vendor case
        {"origin_ip": "192.0.2.4", "vendor": "aws"},                             # no region
        {"origin_ip": "192.0.2.5", "vendor": "aws", "region": "x", "zone": "a", "zone_id": "b"},
        {"origin_ip": "192.0.2.6", "vendor": "aws", "region": "x", "zone": ""},
        {"origin_ip": "192.0.2.7", "state": "gone"},
    ]
    plan = origin_mappings_by_zone(listed, hostvars=HOSTVARS, hosts=["web1"], zone="example.com")
    assert plan["zones"] == [] and plan["count"] == 0
    assert plan["problems"] == [
        "origin_cloud_regions_mappings[4]: zone and zone_id are mutually exclusive",
        "origin_cloud_regions_mappings[5]: zone or zone_id is empty",
        "origin_cloud_regions_mappings[1].origin_ip: '10.0.0.0/8' is a network (CIDR prefix), not a single IP address",
        "origin_cloud_regions_mappings[2] (192.0.2.3): vendor must be one of aws, azure, gcp, oci, got 'AWS'",
        "origin_cloud_regions_mappings[3] (192.0.2.4): region must be a non-empty string, got None",
        "origin_cloud_regions_mappings[6] (192.0.2.7): state must be present or absent, got 'gone'",
        "host web1 (192.0.2.1) conflicts with origin_cloud_regions_mappings[0]: aws/us-east-1 versus aws/us-west-2",
    ]


def test_missing_zone_is_a_problem():
    plan = origin_mappings_by_zone([{"origin_ip": "192.0.2.1", "vendor": "aws", "region": "us-east-1"}])
    assert plan["problems"] == ["origin_cloud_regions_mappings[0]: no zone (set zone or zone_id on it, or a default zone)"]


def test_default_zone_given_twice_is_a_problem():
    plan = origin_mappings_by_zone([], zone="example.com", zone_id="abc")
    assert plan["problems"] == ["the default zone is given both by name and by id"]


def test_include_default_zone_for_purging_an_emptied_zone():
    plan = origin_mappings_by_zone([], zone="example.com", include_default_zone=True)
    assert plan["zones"] == [{"zone": "example.com", "zone_id": None, "mappings": []}]
    assert origin_mappings_by_zone([], zone="example.com")["zones"] == []


@pytest.mark.parametrize("args, message", [
    (({"origin_ip": "192.0.2.1"},), "must be a list"),
    (([["192.0.2.1"]],), "origin_cloud_regions_mappings[0] must be a dict"),
    (([],), None),
])
def test_input_shape_errors(args, message):
    if message is None:
        assert origin_mappings_by_zone(*args)["zones"] == []
        return
    with pytest.raises(AnsibleFilterError, match=message.replace("[", r"\[").replace("]", r"\]")):
        origin_mappings_by_zone(*args)


def test_unknown_option_and_hosts_without_hostvars_are_errors():
    with pytest.raises(AnsibleFilterError, match="unknown option"):
        origin_mappings_by_zone([], vendor_variable="x")
    with pytest.raises(AnsibleFilterError, match="hosts needs hostvars"):
        origin_mappings_by_zone([], hosts=["web1"])


def test_thousands_of_hosts():
    hostvars = {"h%d" % i: {"ansible_host": "10.%d.%d.%d" % (i // 65536, i // 256 % 256, i % 256),
                            "origin_cloud_regions_host_vendor": "aws", "origin_cloud_regions_host_region": "us-east-1"}
                for i in range(3500)}
    plan = origin_mappings_by_zone([], hostvars=hostvars, hosts=list(hostvars), zone="example.com")
    assert plan["count"] == 3500 and plan["problems"] == []


def test_left_out_names_the_inventory_hosts_that_define_a_mapping_but_are_not_gathered():
    # As with --limit web1: the play's hosts are reduced, the inventory is not.
    plan = origin_mappings_by_zone([], hostvars=HOSTVARS, hosts=["web1"], zone="example.com", inventory_hosts=list(HOSTVARS))
    assert plan["left_out"] == ["web2", "198.51.100.4"]  # db1 defines no mapping
    assert plan["count"] == 1
    everyone = origin_mappings_by_zone([], hostvars=HOSTVARS, hosts=list(HOSTVARS), zone="example.com", inventory_hosts=list(HOSTVARS))
    assert everyone["left_out"] == []
    assert origin_mappings_by_zone([], hostvars=HOSTVARS, hosts=["web1"], zone="example.com")["left_out"] == []
    with pytest.raises(AnsibleFilterError, match="inventory_hosts needs hostvars"):
        origin_mappings_by_zone([], inventory_hosts=["web1"])
