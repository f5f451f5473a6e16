# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_util is private to the collection: it may change at any time.

"""Every endpoint path and wire shape of both API generations, in one place.

- ``v2`` (current): ``/zones/{zone_id}/origin/cloud_regions``; flat bodies with
  ``origin_ip``; idempotent PUT; paginated list.
- ``v1`` (deprecated): ``/zones/{zone_id}/cache/origin_cloud_regions``; requests use
  ``ip``, answers spell it ``origin-ip`` and wrap it in a setting envelope
  ``{id, editable, value, modified_on}``; POST creates (1145 when it exists), PATCH upserts.

Both translate to and from the one mapping shape the rest of the collection uses:
``{origin_ip, vendor, region, modified_on}`` with a canonical IP.
"""

from __future__ import annotations

from urllib.parse import quote

from ansible_collections.edgeops.cloudflare.plugins.module_utils._ip import InvalidIPError, normalize_ip
from ansible_collections.edgeops.cloudflare.plugins.module_utils._mapping import canonical_mapping

ZONES_PATH = "/zones"


def _canonical_ip(value):
    # The server should already answer canonically; normalizing again keeps a differently
    # spelled answer comparable.  Keep an unparsable answer as it is rather than failing.
    try:
        return normalize_ip(value)
    except InvalidIPError:
        return value


class Generation:
    """Paths and shapes shared by both generations; subclasses set the differences."""

    name = None
    collection_path = None
    ip_key_in_request = None
    ip_key_in_answer = None
    batch_write_method = None
    # v2 creates and replaces with one idempotent PUT; v1 needs POST (create) or PATCH (upsert).
    upsert_with_put = False
    paginated = False

    def collection(self, zone_id):
        return "%s/%s/%s" % (ZONES_PATH, quote(zone_id, safe=""), self.collection_path)

    def item(self, zone_id, origin_ip):
        # ':' of IPv6 is left alone: it is legal in a path segment and what the docs show.
        return "%s/%s" % (self.collection(zone_id), quote(origin_ip, safe=":"))

    def batch(self, zone_id):
        return "%s/batch" % self.collection(zone_id)

    def supported_regions(self, zone_id):
        return "%s/supported_regions" % self.collection(zone_id)

    def request_item(self, origin_ip, vendor, region):
        return {self.ip_key_in_request: origin_ip, "vendor": vendor, "region": region}

    def mapping_from_entry(self, entry):
        return canonical_mapping(
            _canonical_ip(entry.get(self.ip_key_in_answer)), entry.get("vendor"), entry.get("region"), entry.get("modified_on"))

    def batch_item_ip(self, item):
        return _canonical_ip(item.get(self.ip_key_in_answer))

    def unwrap(self, result):
        """The payload of a successful answer's ``result``."""
        return result


class V2(Generation):
    name = "v2"
    collection_path = "origin/cloud_regions"
    ip_key_in_request = "origin_ip"
    ip_key_in_answer = "origin_ip"
    batch_write_method = "PUT"
    upsert_with_put = True
    paginated = True


class V1(Generation):
    name = "v1"
    collection_path = "cache/origin_cloud_regions"
    ip_key_in_request = "ip"
    ip_key_in_answer = "origin-ip"
    batch_write_method = "PATCH"

    def unwrap(self, result):
        # v1 wraps every mapping answer in the zone setting {id, editable, value, modified_on};
        # supported_regions and the batch answers are not wrapped.
        if isinstance(result, dict) and "value" in result and "id" in result:
            return result["value"]
        return result


GENERATIONS = {"v2": V2(), "v1": V1()}


def zone_lookup(name):
    """Path and query to find a zone by name."""
    return ZONES_PATH, {"name": name}
