# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.edgeops.cloudflare.plugins.filter.origin_mappings_drift import FilterModule, origin_mappings_drift

# What the role gathered: example.com wants three present and one absent; example.net one.
ZONES = [
    {"zone": "example.com", "zone_id": None, "mappings": [
        {"origin_ip": "192.0.2.10", "vendor": "aws", "region": "us-east-1"},
        {"origin_ip": "192.0.2.11", "vendor": "gcp", "region": "us-central1"},
        {"origin_ip": "192.0.2.14", "vendor": "oci", "region": "us-ashburn-1"},
        {"origin_ip": "192.0.2.12", "state": "absent"},
    ]},
    {"zone": None, "zone_id": "0bd1a5a0b3b8c4d5e6f708192a3b4c5d", "mappings": [
        {"origin_ip": "2001:db8::1", "vendor": "gcp", "region": "us-east1"},
    ]},
]
# The batch module's results (registered loop over zone indexes).
RESULTS = {"results": [
    {"item": 0, "created": ["192.0.2.10"], "updated": ["192.0.2.11"], "deleted": ["192.0.2.12"], "unchanged": ["192.0.2.14"]},
    {"item": 1, "created": [], "updated": [], "deleted": [], "unchanged": ["2001:db8::1"]},
]}
# The zones as origin_cloud_region_info listed them before the run.
LISTINGS = {"results": [
    {"item": 0, "mappings": [
        {"origin_ip": "192.0.2.11", "vendor": "aws", "region": "us-east-1", "modified_on": "x"},
        {"origin_ip": "192.0.2.12", "vendor": "azure", "region": "westeurope"},
        {"origin_ip": "192.0.2.13", "vendor": "oci", "region": "us-ashburn-1"},
        {"origin_ip": "192.0.2.14", "vendor": "oci", "region": "us-ashburn-1"},
    ]},
    {"item": 1, "mappings": [{"origin_ip": "2001:db8::1", "vendor": "gcp", "region": "us-east1"},
                             {"origin_ip": "2001:db8::2", "vendor": "aws", "region": "us-east-2"}]},
]}


def test_filter_is_registered():
    assert FilterModule().filters() == {"origin_mappings_drift": origin_mappings_drift}


def test_check_mode_report_with_listings():
    report = origin_mappings_drift(ZONES, results=RESULTS, listings=LISTINGS, check_mode=True)
    assert report["lines"] == [
        "drift of 2 zone(s) (check mode): 3 change(s), 2 unmanaged"
        " [+ create, ~ update, - delete, ? unmanaged: in the zone, in no inventory]",
        "example.com: 1 to create, 1 to update, 1 to delete, 1 unchanged, 1 unmanaged",
        "  + 192.0.2.10 aws/us-east-1",
        "  ~ 192.0.2.11 aws/us-east-1 -> gcp/us-central1",
        "  - 192.0.2.12 azure/westeurope",
        "  ? 192.0.2.13 oci/us-ashburn-1",
        "0bd1a5a0b3b8c4d5e6f708192a3b4c5d: 0 to create, 0 to update, 0 to delete, 1 unchanged, 1 unmanaged",
        "  ? 2001:db8::2 aws/us-east-2",
    ]
    assert report["zones"] == {
        "example.com": {"created": 1, "updated": 1, "deleted": 1, "unchanged": 1, "unmanaged": 1},
        "0bd1a5a0b3b8c4d5e6f708192a3b4c5d": {"created": 0, "updated": 0, "deleted": 0, "unchanged": 1, "unmanaged": 1},
    }
    assert report["changes"] == 3
    assert report["unmanaged"] == 2


def test_without_listings_unmanaged_is_not_counted_and_lines_say_what_is_known():
    report = origin_mappings_drift(ZONES, results=RESULTS)
    assert report["lines"][0] == "changes of 2 zone(s): 3 change(s) [+ create, ~ update, - delete]"
    assert report["lines"][1] == "example.com: 1 created, 1 updated, 1 deleted, 1 unchanged"
    assert "  ~ 192.0.2.11 -> gcp/us-central1" in report["lines"]
    assert "  - 192.0.2.12" in report["lines"]
    assert report["zones"]["example.com"]["unmanaged"] is None
    assert report["unmanaged"] is None


def test_purge_counts_no_unmanaged():
    results = {"results": [dict(RESULTS["results"][0], deleted=["192.0.2.12", "192.0.2.13"]), RESULTS["results"][1]]}
    report = origin_mappings_drift(ZONES, results=results, listings=LISTINGS, purge=True, check_mode=True)
    assert report["zones"]["example.com"] == {"created": 1, "updated": 1, "deleted": 2, "unchanged": 1, "unmanaged": 0}
    assert "  - 192.0.2.13 oci/us-ashburn-1" in report["lines"]
    assert not any(line.startswith("  ?") for line in report["lines"])
    assert report["unmanaged"] == 0


def test_an_unmanaged_list_from_the_module_wins():
    results = {"results": [dict(RESULTS["results"][0], unmanaged=["192.0.2.13"]),
                           dict(RESULTS["results"][1], unmanaged=[])]}
    report = origin_mappings_drift(ZONES, results=results, check_mode=True)
    assert report["unmanaged"] == 1
    assert "  ? 192.0.2.13" in report["lines"]


def test_lines_are_capped_per_category_and_sorted_by_ip():
    zone = {"zone": "example.com", "zone_id": None,
            "mappings": [{"origin_ip": "192.0.2.%d" % n, "vendor": "aws", "region": "us-east-1"} for n in range(1, 26)]}
    created = ["192.0.2.%d" % n for n in range(25, 0, -1)]
    results = [{"item": 0, "created": created, "updated": [], "deleted": [], "unchanged": []}]
    report = origin_mappings_drift([zone], results=results, max_lines=3, check_mode=True)
    assert report["lines"][1:] == [
        "example.com: 25 to create, 0 to update, 0 to delete, 0 unchanged",
        "  + 192.0.2.1 aws/us-east-1",
        "  + 192.0.2.2 aws/us-east-1",
        "  + 192.0.2.3 aws/us-east-1",
        "  + ... 22 more to create",
    ]
    every = origin_mappings_drift([zone], results=results, max_lines=None)
    assert len([line for line in every["lines"] if line.startswith("  + 192")]) == 25


def test_skipped_listings_are_ignored():
    skipped = {"results": [{"item": 0, "skipped": True}, {"item": 1, "skipped": True}], "skipped": True}
    assert origin_mappings_drift(ZONES, results=RESULTS, listings=skipped)["unmanaged"] is None


@pytest.mark.parametrize("zones, options, message", [
    ("x", {"results": []}, "list of gathered zones"),
    (ZONES, {"results": [], "max_lines": -1}, "max_lines"),
    (ZONES, {"results": "x"}, "results must be"),
    (ZONES, {"results": {"results": [RESULTS["results"][0]]}}, "no result for zone 0bd1"),
])
def test_bad_input(zones, options, message):
    with pytest.raises(AnsibleFilterError, match=message):
        origin_mappings_drift(zones, **options)
