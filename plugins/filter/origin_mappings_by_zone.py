# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Gather origin cloud region mappings from a list and from hosts, check them, group them by zone.

One Python pass instead of Jinja: thousands of mappings take milliseconds, and the checks
are the batch module's own (``_mapping.desired_state``), so the role refuses exactly what
the module would, naming the inventory source of each bad item.
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.collections import is_sequence

from ansible_collections.edgeops.cloudflare.plugins.module_utils._mapping import desired_state

HOST_VARS = {
    "ip_var": "ansible_host",
    "vendor_var": "origin_cloud_regions_host_vendor",
    "region_var": "origin_cloud_regions_host_region",
    "state_var": "origin_cloud_regions_host_state",
    "zone_var": "origin_cloud_regions_host_zone",
    "zone_id_var": "origin_cloud_regions_host_zone_id",
}


class _Source:
    """One wanted mapping and where it came from."""

    def __init__(self, label, mapping, zone, zone_id, zone_given):
        self.label = label
        self.mapping = mapping
        self.zone = zone
        self.zone_id = zone_id
        self.zone_given = zone_given


def _from_list(mappings, list_name):
    if not is_sequence(mappings):
        raise AnsibleFilterError("origin_mappings_by_zone: %s must be a list, got %s" % (list_name, type(mappings).__name__))
    for index, item in enumerate(mappings):
        label = "%s[%d]" % (list_name, index)
        if not isinstance(item, dict):
            raise AnsibleFilterError("origin_mappings_by_zone: %s must be a dict, got %s" % (label, type(item).__name__))
        mapping = {key: item.get(key) for key in ("origin_ip", "vendor", "region", "state")}
        yield _Source(label, mapping, item.get("zone"), item.get("zone_id"), "zone" in item or "zone_id" in item)


def _defines_mapping(variables, names):
    """Whether a host's variables define a mapping: a vendor, a region or a state."""
    return any(names[key] in variables for key in ("vendor_var", "region_var", "state_var"))


def _from_hosts(hostvars, hosts, names):
    """One mapping per host that defines a vendor, a region or a state."""
    for host in hosts or []:
        variables = hostvars[host]
        if not _defines_mapping(variables, names):
            continue
        ip = variables.get(names["ip_var"])
        if not ip and names["ip_var"] == "ansible_host":
            ip = host  # Ansible's own rule: without ansible_host, the inventory name is the address.
        mapping = {
            "origin_ip": ip,
            "vendor": variables.get(names["vendor_var"]),
            "region": variables.get(names["region_var"]),
            "state": variables.get(names["state_var"]),
        }
        zone_given = names["zone_var"] in variables or names["zone_id_var"] in variables
        yield _Source("host %s" % host, mapping, variables.get(names["zone_var"]), variables.get(names["zone_id_var"]), zone_given)


def _zone_of(source, zone, zone_id, problems):
    """The (zone, zone_id) pair of a source, or None after recording why there is none."""
    if source.zone and source.zone_id:
        problems.append("%s: zone and zone_id are mutually exclusive" % source.label)
        return None
    if source.zone or source.zone_id:
        return (source.zone or None, source.zone_id or None)
    if source.zone_given:
        problems.append("%s: zone or zone_id is empty" % source.label)
        return None
    if zone or zone_id:
        return (zone or None, zone_id or None)
    problems.append("%s: no zone (set zone or zone_id on it, or a default zone)" % source.label)
    return None


def _left_out(hostvars, hosts, inventory_hosts, names):
    """The hosts of inventory_hosts, not in hosts, that define a mapping (in inventory order)."""
    used = set(hosts or [])
    return [host for host in inventory_hosts if host not in used and _defines_mapping(hostvars[host], names)]


def origin_mappings_by_zone(mappings, hostvars=None, hosts=None, zone=None, zone_id=None, include_default_zone=False,
                            list_name="origin_cloud_regions_mappings", inventory_hosts=None, **host_var_names):
    """See origin_mappings_by_zone.yml."""
    unknown = set(host_var_names) - set(HOST_VARS)
    if unknown:
        raise AnsibleFilterError("origin_mappings_by_zone: unknown option(s) %s" % ", ".join(sorted(unknown)))
    names = dict(HOST_VARS, **host_var_names)
    problems = []
    if zone and zone_id:
        problems.append("the default zone is given both by name and by id")
    sources = list(_from_list(mappings or [], list_name))
    for option, value in (("hosts", hosts), ("inventory_hosts", inventory_hosts)):
        if value and hostvars is None:
            raise AnsibleFilterError("origin_mappings_by_zone: %s needs hostvars" % option)
    if hosts:
        sources.extend(_from_hosts(hostvars, hosts, names))
    # Hosts of the inventory whose mappings the gathered set leaves out (for example outside a --limit).
    left_out = _left_out(hostvars, hosts, inventory_hosts, names) if inventory_hosts else []

    by_zone = {}
    if include_default_zone and (zone or zone_id) and not problems:
        by_zone[(zone or None, zone_id or None)] = []
    for source in sources:
        key = _zone_of(source, zone, zone_id, problems)
        if key is not None:
            by_zone.setdefault(key, []).append(source)

    zones = []
    for (zone_name, identifier), members in by_zone.items():
        items = [dict((k, v) for k, v in source.mapping.items() if v not in (None, "")) for source in members]
        present, absent, zone_problems = desired_state(items, [source.label for source in members])
        problems.extend(zone_problems)
        wanted = list(present.values()) + [{"origin_ip": ip, "state": "absent"} for ip in absent]
        zones.append({"zone": zone_name, "zone_id": identifier, "mappings": wanted})
    count = sum(len(entry["mappings"]) for entry in zones)
    # With any problem, hand out no zones at all: nothing may be written.
    return {"zones": [] if problems else zones, "problems": problems, "count": 0 if problems else count, "left_out": left_out}


class FilterModule:
    def filters(self):
        return {"origin_mappings_by_zone": origin_mappings_by_zone}
