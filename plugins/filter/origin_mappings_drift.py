# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The role's drift report: per zone, what a run creates, updates, deletes, leaves alone and does not manage.

One Python pass over the role's own data (the gathered zones, the batch module's results, and
the zones as origin_cloud_region_info listed them), so that thousands of mappings cost
milliseconds; the text and the numbers for ``set_stats`` come from the same pass.
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.collections import is_sequence

from ansible_collections.edgeops.cloudflare.plugins.module_utils._mapping import ip_sort_key

CATEGORIES = ("created", "updated", "deleted", "unchanged", "unmanaged")
SYMBOLS = {"created": "+", "updated": "~", "deleted": "-", "unmanaged": "?"}
# How a category is counted in the zone's line: after a run, and in check mode.
DONE = {"created": "created", "updated": "updated", "deleted": "deleted", "unchanged": "unchanged", "unmanaged": "unmanaged"}
PREDICTED = {"created": "to create", "updated": "to update", "deleted": "to delete", "unchanged": "unchanged",
             "unmanaged": "unmanaged"}


def _entries(value, what):
    """The per-item results of a registered loop (or a list of them), indexed by their item."""
    if value is None:
        return {}
    if isinstance(value, dict):
        value = value.get("results", [])
    if not is_sequence(value):
        raise AnsibleFilterError("origin_mappings_drift: %s must be a registered loop result or a list, got %s"
                                 % (what, type(value).__name__))
    entries = {}
    for position, entry in enumerate(value):
        if not isinstance(entry, dict) or entry.get("skipped"):
            continue
        index = entry.get("item", position)
        if isinstance(index, int) and not isinstance(index, bool):
            entries[index] = entry
    return entries


def _target(mapping):
    if not mapping:
        return None
    return "%s/%s" % (mapping.get("vendor"), mapping.get("region"))


def _zone_lines(ips, category, wanted, current, max_lines, predicted):
    """At most ``max_lines`` lines of one category, then how many more there are."""
    symbol = SYMBOLS[category]
    lines = []
    shown = ips if max_lines is None else ips[:max_lines]
    for ip in shown:
        before, after = _target(current.get(ip)), _target(wanted.get(ip))
        if category == "created":
            text = "%s %s" % (ip, after)
        elif category == "updated":
            text = "%s %s-> %s" % (ip, before + " " if before else "", after)
        else:  # deleted, unmanaged: what is (or was) in the zone
            text = "%s %s" % (ip, before) if before else ip
        lines.append("  %s %s" % (symbol, text))
    if len(ips) > len(shown):
        lines.append("  %s ... %d more %s" % (symbol, len(ips) - len(shown), (PREDICTED if predicted else DONE)[category]))
    return lines


def origin_mappings_drift(zones, results=None, listings=None, purge=False, max_lines=10, check_mode=False):
    """See origin_mappings_drift.yml."""
    if not is_sequence(zones):
        raise AnsibleFilterError("origin_mappings_drift: the input must be the list of gathered zones, got %s" % type(zones).__name__)
    if max_lines is not None and (isinstance(max_lines, bool) or not isinstance(max_lines, int) or max_lines < 0):
        raise AnsibleFilterError("origin_mappings_drift: max_lines must be a number of lines (0 or more) or null, got %r" % (max_lines,))
    outcomes = _entries(results, "results")
    listed = _entries(listings, "listings")
    words = PREDICTED if check_mode else DONE
    report = {}
    body = []
    totals = dict((category, 0) for category in CATEGORIES)
    unmanaged_known = True
    for index, zone in enumerate(zones):
        key = zone.get("zone") or zone.get("zone_id")
        outcome = outcomes.get(index)
        if outcome is None:
            raise AnsibleFilterError("origin_mappings_drift: no result for zone %s (item %d)" % (key, index))
        # IPs are canonical on both sides (the gathering filter and the modules normalize them);
        # only the lines are sorted, and the large lists (unchanged) are only counted.
        ips = dict((category, list(outcome.get(category) or [])) for category in CATEGORIES[:4])
        current = {}
        if index in listed:
            current = dict((mapping["origin_ip"], mapping) for mapping in listed[index].get("mappings") or [])
        if purge:
            ips["unmanaged"] = []  # a purge deletes them: they are in "deleted"
        elif outcome.get("unmanaged") is not None:
            ips["unmanaged"] = list(outcome["unmanaged"])
        elif index in listed:
            wanted_ips = set(mapping["origin_ip"] for mapping in zone.get("mappings") or [])
            ips["unmanaged"] = [ip for ip in current if ip not in wanted_ips]
        else:
            ips["unmanaged"] = None
        present = {}
        if ips["created"] or ips["updated"]:
            present = dict((mapping["origin_ip"], mapping) for mapping in zone.get("mappings") or [] if mapping.get("vendor"))
        counts = dict((category, None if ips[category] is None else len(ips[category])) for category in CATEGORIES)
        report[key] = counts
        parts = ["%d %s" % (counts[category], words[category]) for category in CATEGORIES if counts[category] is not None]
        body.append("%s: %s" % (key, ", ".join(parts)))
        for category in ("created", "updated", "deleted", "unmanaged"):
            if ips[category]:
                body.extend(_zone_lines(sorted(ips[category], key=ip_sort_key), category, present, current, max_lines,
                                        check_mode))
        for category in CATEGORIES:
            if counts[category] is None:
                unmanaged_known = False
            else:
                totals[category] += counts[category]
    changes = totals["created"] + totals["updated"] + totals["deleted"]
    unmanaged = totals["unmanaged"] if unmanaged_known else None
    head = "%s of %d zone(s)%s: %d change(s)%s" % (
        "drift" if check_mode else "changes", len(zones), " (check mode)" if check_mode else "",
        changes, "" if unmanaged is None else ", %d unmanaged" % unmanaged)
    if any(line.startswith("  ") for line in body):
        head += " [+ create, ~ update, - delete%s]" % ("" if unmanaged is None else ", ? unmanaged: in the zone, in no inventory")
    return {"lines": [head] + body, "zones": report, "changes": changes, "unmanaged": unmanaged}


class FilterModule:
    def filters(self):
        return {"origin_mappings_drift": origin_mappings_drift}
