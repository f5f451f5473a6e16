# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import ipaddress

import pytest
import yaml

from ansible.errors import AnsibleFilterError
from ansible.parsing.yaml.loader import AnsibleLoader

from ansible_collections.edgeops.cloudflare.plugins.filter.origin_mappings_by_zone import origin_mappings_by_zone
from ansible_collections.edgeops.cloudflare.plugins.filter.origin_mappings_to_yaml import (
    FilterModule,
    host_name,
    origin_mappings_to_yaml,
)

COM = "023e105f4ecef8ad9ca31a8372d0c353"
NET = "0bd1a5a0b3b8c4d5e6f708192a3b4c5d"


def info(zone_id, mappings, **extra):
    """An origin_cloud_region_info result as a registered variable holds it."""
    result = {"changed": False, "zone_id": zone_id, "count": len(mappings), "api_requests": 2,
              "mappings": [dict(origin_ip=ip, vendor=vendor, region=region, modified_on="2026-03-01T12:00:00Z")
                           for ip, vendor, region in mappings]}
    result.update(extra)
    return result


COM_MAPPINGS = [
    ("2001:db8::1", "gcp", "us-central1"),
    ("192.0.2.10", "aws", "us-east-1"),
    ("::ffff:192.0.2.1", "oci", "us-ashburn-1"),
    ("10.0.0.2", "azure", "westeurope"),
    ("192.0.2.9", "aws", "us-east-1"),
]


def load(text):
    """What Ansible itself reads from the file."""
    return AnsibleLoader(text).get_single_data()


def test_filter_is_registered():
    assert FilterModule().filters() == {"origin_mappings_to_yaml": origin_mappings_to_yaml}


def test_mappings_form_is_sorted_one_line_each_without_timestamps():
    text = origin_mappings_to_yaml({"results": [info(COM, COM_MAPPINGS, item="example.com")]})
    lines = text.splitlines()
    assert lines[0] == "---"
    body = lines[lines.index("origin_cloud_regions_mappings:") + 1:]
    assert body == [
        "  - {origin_ip: 10.0.0.2, vendor: azure, region: westeurope, zone: example.com}",
        "  - {origin_ip: 192.0.2.9, vendor: aws, region: us-east-1, zone: example.com}",
        "  - {origin_ip: 192.0.2.10, vendor: aws, region: us-east-1, zone: example.com}",
        '  - {origin_ip: "::ffff:192.0.2.1", vendor: oci, region: us-ashburn-1, zone: example.com}',
        '  - {origin_ip: "2001:db8::1", vendor: gcp, region: us-central1, zone: example.com}',
    ]
    assert "modified_on" not in text and "2026" not in text
    assert text.endswith("}\n")


def test_what_ansible_reads_is_what_the_role_takes():
    text = origin_mappings_to_yaml([info(COM, COM_MAPPINGS, item={"id": COM, "name": "example.com"})])
    data = load(text)
    assert list(data) == ["origin_cloud_regions_mappings"]
    assert data == yaml.safe_load(text)
    plan = origin_mappings_by_zone(data["origin_cloud_regions_mappings"])
    assert plan["problems"] == []
    assert [zone["zone"] for zone in plan["zones"]] == ["example.com"]
    assert sorted((m["origin_ip"], m["vendor"], m["region"]) for m in plan["zones"][0]["mappings"]) == sorted(COM_MAPPINGS)


def test_odd_spellings_come_out_canonical_and_deterministic():
    odd = [("2001:DB8:0:0:0:0:0:1", "gcp", "us-central1"), ("::FFFF:c000:0201", "oci", "us-ashburn-1")]
    first = origin_mappings_to_yaml([info(COM, odd, zone="Example.COM.")])
    assert '"2001:db8::1"' in first and '"::ffff:192.0.2.1"' in first and "zone: example.com}" in first
    again = origin_mappings_to_yaml([info(COM, list(reversed(odd)), zone="example.com")])
    assert again == first


def test_zones_sorted_by_name_and_a_single_result_works():
    net = info(NET, [("192.0.2.1", "aws", "us-west-2")], item="example.net")
    com = info(COM, [("192.0.2.1", "gcp", "us-east1")], item="example.com")
    text = origin_mappings_to_yaml([net, com])
    assert text.index("zone: example.com") < text.index("zone: example.net")
    assert origin_mappings_to_yaml(com) == origin_mappings_to_yaml([com])


def test_zone_option_names_a_single_result():
    text = origin_mappings_to_yaml(info(COM, [("192.0.2.1", "aws", "us-east-1")]), zone="example.com")
    assert "zone: example.com}" in text


def test_zone_id_key():
    text = origin_mappings_to_yaml([info(COM.upper(), [("192.0.2.1", "aws", "us-east-1")])], zone_key="zone_id")
    assert "  - {origin_ip: 192.0.2.1, vendor: aws, region: us-east-1, zone_id: %s}" % COM in text


def test_empty_zone_gives_an_empty_list():
    data = load(origin_mappings_to_yaml([info(COM, [], item="example.com")]))
    assert data == {"origin_cloud_regions_mappings": []}


def test_values_yaml_would_misread_are_quoted():
    tricky = [("192.0.2.1", "aws", "yes"), ("192.0.2.2", "aws", "1:20"), ("192.0.2.3", "aws", "no way, {x}"),
              ("192.0.2.4", "aws", "null"), ("192.0.2.5", "aws", "0x1F"), ("192.0.2.6", "aws", "1e3")]
    data = load(origin_mappings_to_yaml([info(COM, tricky, item="example.com")]))
    assert [(m["origin_ip"], m["vendor"], m["region"]) for m in data["origin_cloud_regions_mappings"]] == tricky


def test_hosts_form_names_hosts_after_their_ip():
    text = origin_mappings_to_yaml([info(COM, COM_MAPPINGS, item="example.com")], form="hosts")
    data = load(text)
    hosts = data["all"]["children"]["origins"]["hosts"]
    assert list(hosts) == ["origin-10-0-0-2", "origin-192-0-2-9", "origin-192-0-2-10", "origin---ffff-192-0-2-1",
                           "origin-2001-db8--1"]
    assert hosts["origin-2001-db8--1"] == {"ansible_host": "2001:db8::1", "origin_cloud_regions_host_vendor": "gcp",
                                           "origin_cloud_regions_host_region": "us-central1",
                                           "origin_cloud_regions_host_zone": "example.com"}


def test_hosts_form_reproduces_the_zone_through_the_role_filter():
    text = origin_mappings_to_yaml([info(COM, COM_MAPPINGS, item="example.com")], form="hosts", ip_var="public_ip",
                                   vendor_var="cloud", region_var="cloud_region", group="edge", host_prefix="cf-")
    hosts = load(text)["all"]["children"]["edge"]["hosts"]
    assert all(name.startswith("cf-") for name in hosts)
    plan = origin_mappings_by_zone([], hostvars=hosts, hosts=list(hosts), ip_var="public_ip", vendor_var="cloud",
                                   region_var="cloud_region")
    assert plan["problems"] == []
    assert sorted((m["origin_ip"], m["vendor"], m["region"]) for m in plan["zones"][0]["mappings"]) == sorted(COM_MAPPINGS)


def test_hosts_form_of_several_zones_names_hosts_with_their_zone():
    com = info(COM, [("192.0.2.1", "aws", "us-east-1"), ("192.0.2.2", "aws", "us-east-1")], item="example.com")
    net = info(NET, [("192.0.2.1", "gcp", "us-east1")], item="example.net")
    hosts = load(origin_mappings_to_yaml([com, net], form="hosts"))["all"]["children"]["origins"]["hosts"]
    assert list(hosts) == ["origin-192-0-2-1.example.com", "origin-192-0-2-2.example.com", "origin-192-0-2-1.example.net"]
    assert hosts["origin-192-0-2-1.example.net"]["origin_cloud_regions_host_zone"] == "example.net"
    # By id: the id names the zone.
    hosts = load(origin_mappings_to_yaml([com, net], form="hosts", zone_key="zone_id"))["all"]["children"]["origins"]["hosts"]
    assert "origin-192-0-2-1.%s" % NET in hosts


def test_hosts_form_empty():
    text = origin_mappings_to_yaml([info(COM, [], item="example.com")], form="hosts")
    assert text.endswith("      hosts: {}\n")
    assert load(text) == {"all": {"children": {"origins": {"hosts": {}}}}}


@pytest.mark.parametrize("count", [200])
def test_host_names_never_collide(count):
    ips = ["192.0.2.%d" % n for n in range(count)] + [str(ipaddress.ip_address("2001:db8::") + n) for n in range(count)]
    ips += ["::ffff:192.0.2.%d" % n for n in range(count)] + ["1:2:3:4:5:6:7:%x" % n for n in range(count)] + ["::", "::1"]
    names = [host_name(ip) for ip in ips]
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("results, options, message", [
    ([{"mappings": []}], {}, "names no zone"),
    ([{"failed": True, "msg": "boom", "mappings": []}], {}, "refusing to write a partial export"),
    ([{"zone": "example.com"}], {}, "no list 'mappings'"),
    ([{"zone": "example.com", "mappings": [{"origin_ip": "192.0.2.1/24", "vendor": "aws", "region": "x"}]}], {}, "CIDR"),
    ([{"zone": "example.com", "mappings": [{"origin_ip": "192.0.2.1", "vendor": "", "region": "x"}]}], {}, "vendor"),
    ([{"zone": "example.com", "mappings": [{"origin_ip": "192.0.2.1", "vendor": "aws", "region": "a"},
                                           {"origin_ip": "192.0.2.01", "vendor": "aws", "region": "b"}]}], {}, "192.0.2.01"),
    ([{"zone": "example.com", "mappings": [{"origin_ip": "::1", "vendor": "aws", "region": "a"},
                                           {"origin_ip": "0::1", "vendor": "aws", "region": "b"}]}], {}, "twice"),
    ([{"zone": "example.com", "mappings": []}, {"zone": "example.com", "mappings": [
        {"origin_ip": "::1", "vendor": "aws", "region": "a"}]}], {}, "read twice"),
    ([], {"form": "json"}, "form must be one of"),
    ([], {"zone_key": "name"}, "zone_key must be one of"),
    ([], {"form": "hosts", "group": "my-origins"}, "group must be"),
    ([], {"form": "hosts", "host_prefix": "a b"}, "host_prefix must be"),
    ([], {"form": "hosts", "ip_var": "ansible host"}, "ip_var must be"),
    ("text", {}, "expected the result of origin_cloud_region_info"),
])
def test_bad_input_is_refused_naming_it(results, options, message):
    with pytest.raises(AnsibleFilterError, match=message):
        origin_mappings_to_yaml(results, **options)


def test_skipped_results_are_left_out_and_header_can_be_replaced():
    text = origin_mappings_to_yaml([{"skipped": True}, info(COM, [], item="example.com")], header="my header\n\nline 3")
    assert text.splitlines()[:4] == ["---", "# my header", "#", "# line 3"]
