# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.edgeops.cloudflare.plugins.module_utils._endpoints import GENERATIONS, zone_lookup
from ansible_collections.edgeops.cloudflare.plugins.module_utils._mapping import canonical_mapping

Z = "023e105f4ecef8ad9ca31a8372d0c353"
V2 = GENERATIONS["v2"]
V1 = GENERATIONS["v1"]


def test_generations():
    assert sorted(GENERATIONS) == ["v1", "v2"]
    assert (V2.name, V2.paginated, V2.batch_write_method) == ("v2", True, "PUT")
    assert (V1.name, V1.paginated, V1.batch_write_method) == ("v1", False, "PATCH")


PATHS = [
    ("v2", "collection", (Z,), "/zones/%s/origin/cloud_regions" % Z),
    ("v2", "item", (Z, "192.0.2.1"), "/zones/%s/origin/cloud_regions/192.0.2.1" % Z),
    ("v2", "item", (Z, "2001:db8::1"), "/zones/%s/origin/cloud_regions/2001:db8::1" % Z),
    ("v2", "item", (Z, "::ffff:192.0.2.1"), "/zones/%s/origin/cloud_regions/::ffff:192.0.2.1" % Z),
    ("v2", "batch", (Z,), "/zones/%s/origin/cloud_regions/batch" % Z),
    ("v2", "supported_regions", (Z,), "/zones/%s/origin/cloud_regions/supported_regions" % Z),
    ("v1", "collection", (Z,), "/zones/%s/cache/origin_cloud_regions" % Z),
    ("v1", "item", (Z, "192.0.2.1"), "/zones/%s/cache/origin_cloud_regions/192.0.2.1" % Z),
    ("v1", "item", (Z, "2001:db8::1"), "/zones/%s/cache/origin_cloud_regions/2001:db8::1" % Z),
    ("v1", "batch", (Z,), "/zones/%s/cache/origin_cloud_regions/batch" % Z),
    ("v1", "supported_regions", (Z,), "/zones/%s/cache/origin_cloud_regions/supported_regions" % Z),
]


@pytest.mark.parametrize("generation, operation, args, path", PATHS)
def test_paths(generation, operation, args, path):
    assert getattr(GENERATIONS[generation], operation)(*args) == path


def test_path_segments_are_quoted():
    # A zone id or IP can never add path segments or a query.
    assert V2.collection("a/b?c") == "/zones/a%2Fb%3Fc/origin/cloud_regions"
    assert V2.item("z", "1/2") == "/zones/z/origin/cloud_regions/1%2F2"
    assert V1.item("z", "fe80::1%eth0") == "/zones/z/cache/origin_cloud_regions/fe80::1%25eth0"


def test_request_items():
    assert V2.request_item("2001:db8::1", "gcp", "us-central1") == {"origin_ip": "2001:db8::1", "vendor": "gcp", "region": "us-central1"}
    assert V1.request_item("192.0.2.1", "aws", "us-east-1") == {"ip": "192.0.2.1", "vendor": "aws", "region": "us-east-1"}


def test_canonical_mapping_shape():
    assert canonical_mapping("192.0.2.1", "aws", "us-east-1") == {
        "origin_ip": "192.0.2.1", "vendor": "aws", "region": "us-east-1", "modified_on": None}


def test_mapping_from_v2_entry_normalizes_the_ip():
    entry = {"origin_ip": "2001:DB8:0:0::1", "vendor": "aws", "region": "us-east-1", "modified_on": "2026-03-01T12:00:00Z"}
    assert V2.mapping_from_entry(entry) == {
        "origin_ip": "2001:db8::1", "vendor": "aws", "region": "us-east-1", "modified_on": "2026-03-01T12:00:00Z"}


def test_mapping_from_v1_entry_reads_origin_dash_ip():
    entry = {"origin-ip": "::ffff:c000:201", "vendor": "oci", "region": "us-ashburn-1"}
    assert V1.mapping_from_entry(entry) == {
        "origin_ip": "::ffff:192.0.2.1", "vendor": "oci", "region": "us-ashburn-1", "modified_on": None}


def test_unparsable_ip_in_an_answer_is_kept_as_is():
    assert V2.mapping_from_entry({"origin_ip": "not-an-ip", "vendor": "aws", "region": "r"})["origin_ip"] == "not-an-ip"
    assert V2.mapping_from_entry({"vendor": "aws", "region": "r"})["origin_ip"] is None


def test_batch_item_ip():
    assert V2.batch_item_ip({"origin_ip": "2001:DB8::A", "error": "x"}) == "2001:db8::a"
    assert V1.batch_item_ip({"origin-ip": "192.0.2.9", "error": "x"}) == "192.0.2.9"


def test_v2_unwrap_is_identity():
    payload = {"id": "x", "value": [1]}
    assert V2.unwrap(payload) is payload


def test_v1_unwrap():
    entry = {"origin-ip": "192.0.2.1", "vendor": "aws", "region": "us-east-1"}
    setting = {"id": "origin_public_cloud_region", "editable": True, "value": entry, "modified_on": None}
    assert V1.unwrap(setting) == entry
    assert V1.unwrap({"id": "origin_public_cloud_region", "editable": True, "value": []}) == []
    # supported_regions and unwrapped batch answers pass through
    catalogue = {"obtained_codes": True, "vendors": {}}
    assert V1.unwrap(catalogue) is catalogue
    batch = {"succeeded": [], "failed": []}
    assert V1.unwrap(batch) is batch
    assert V1.unwrap(None) is None
    assert V1.unwrap([entry]) == [entry]


def test_zone_lookup():
    assert zone_lookup("example.com") == ("/zones", {"name": "example.com"})
