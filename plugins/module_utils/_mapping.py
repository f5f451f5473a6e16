# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_util is private to the collection: it may change at any time.

"""Mapping logic with no I/O: validation, comparison, planning and diff views.

Shared by the single-mapping module and the batch module, so that "same vendor and
region means nothing to write" is decided in exactly one place.
"""

from __future__ import annotations

import functools
import ipaddress

from ansible_collections.edgeops.cloudflare.plugins.module_utils._ip import InvalidIPError, normalize_ip

VENDORS = ("aws", "azure", "gcp", "oci")
ZONE_MAPPING_LIMIT = 3500


def canonical_mapping(origin_ip, vendor, region, modified_on=None):
    """The collection's one mapping shape, whichever API generation it came from."""
    return {"origin_ip": origin_ip, "vendor": vendor, "region": region, "modified_on": modified_on}


def same_target(current, vendor, region):
    """True when an existing mapping already points at this vendor and region."""
    return current is not None and current.get("vendor") == vendor and current.get("region") == region


def diff_view(mapping):
    """What diff mode shows of a mapping: its identity and target, not timestamps."""
    if not mapping:
        return {}
    return {"origin_ip": mapping["origin_ip"], "vendor": mapping["vendor"], "region": mapping["region"]}


def region_names(catalogue):
    """``{vendor: [region names]}`` from a supported_regions answer."""
    return {vendor: [region.get("name") for region in regions or []] for vendor, regions in (catalogue.get("vendors") or {}).items()}


def region_problem(names_by_vendor, vendor, region):
    """Why vendor/region is not in the catalogue, or None when it is."""
    if vendor not in names_by_vendor:
        return "vendor %r is not supported for this zone; supported vendors: %s" % (vendor, ", ".join(sorted(names_by_vendor)) or "none")
    names = names_by_vendor[vendor]
    if region not in names:
        return "region %r is not valid for vendor %r; valid regions: %s" % (region, vendor, ", ".join(sorted(names)) or "none")
    return None


class Plan:
    """What a batch run will do, per canonical IP."""

    def __init__(self):
        self.create = []
        self.update = []
        self.delete = []
        self.unchanged = []
        self.before = {}

    @property
    def writes(self):
        return self.create + self.update

    def size_after(self, current_count):
        return current_count + len(self.create) - len(self.delete)


def desired_state(items, labels=None):
    """Validate and index the wanted mappings by canonical IP.

    ``items`` are dicts with origin_ip, vendor, region and state (present/absent);
    ``labels`` name them in problems (default ``mappings[N]``).
    Returns ``(present, absent, problems)``: ``present`` maps IP to the wanted mapping,
    ``absent`` is a list of IPs, ``problems`` lists every bad item (label and reason),
    including two items for one IP that disagree.
    """
    present = {}
    absent = []
    seen = {}
    problems = []
    labels = labels or ["mappings[%d]" % index for index in range(len(items))]
    for index, item in enumerate(items):
        label = labels[index]
        try:
            ip = normalize_ip(item.get("origin_ip"))
        except InvalidIPError as exc:
            problems.append("%s.origin_ip: %s" % (label, exc))
            continue
        state = item.get("state") or "present"
        if state not in ("present", "absent"):
            problems.append("%s (%s): state must be present or absent, got %r" % (label, ip, state))
            continue
        wanted = ("absent",) if state == "absent" else (item.get("vendor"), item.get("region"))
        if state != "absent":
            problem = _item_problem(item)
            if problem:
                problems.append("%s (%s): %s" % (label, ip, problem))
                continue
        if ip in seen:
            first_index, first_wanted = seen[ip]
            if first_wanted != wanted:
                problems.append("%s (%s) conflicts with %s: %s versus %s"
                                % (label, ip, labels[first_index], _describe_wanted(wanted), _describe_wanted(first_wanted)))
            continue
        seen[ip] = (index, wanted)
        if state == "absent":
            absent.append(ip)
        else:
            present[ip] = {"origin_ip": ip, "vendor": item["vendor"], "region": item["region"]}
    return present, absent, problems


def _item_problem(item):
    vendor, region = item.get("vendor"), item.get("region")
    if vendor not in VENDORS:
        return "vendor must be one of %s, got %r" % (", ".join(VENDORS), vendor)
    if not isinstance(region, str) or not region.strip():
        return "region must be a non-empty string, got %r" % (region,)
    return None


def _describe_wanted(wanted):
    return "state=absent" if wanted == ("absent",) else "%s/%s" % wanted


def build_plan(current, present, absent, purge=False):
    """Compare the zone's mappings with what is wanted.

    ``current`` is the list of mappings from the API; ``present``/``absent`` come from
    ``desired_state``.  With ``purge``, mappings not listed in ``present`` are deleted.
    """
    plan = Plan()
    by_ip = {mapping["origin_ip"]: mapping for mapping in current}
    plan.before = by_ip
    for ip, wanted in present.items():
        existing = by_ip.get(ip)
        if existing is None:
            plan.create.append(wanted)
        elif same_target(existing, wanted["vendor"], wanted["region"]):
            plan.unchanged.append(existing)
        else:
            plan.update.append(wanted)
    doomed = set(ip for ip in absent if ip in by_ip)
    if purge:
        doomed.update(ip for ip in by_ip if ip not in present)
    plan.delete = [by_ip[ip] for ip in sorted(doomed, key=ip_sort_key)]
    return plan


def ip_sort_key(ip):
    """Numeric order, IPv4 before IPv6; anything unparsable last, by text."""
    return _text_sort_key(ip) if isinstance(ip, str) else _sort_key(ip)


def _sort_key(ip):
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return (7, 0, ip)
    return (address.version, int(address), ip)


# A batch sorts its lists of thousands of IPs several times (plan, result): parse each once.
_text_sort_key = functools.lru_cache(maxsize=16384)(_sort_key)


def sorted_mappings(mappings):
    return sorted(mappings, key=lambda mapping: ip_sort_key(mapping["origin_ip"]))
