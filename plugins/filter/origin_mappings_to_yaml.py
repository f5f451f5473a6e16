# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Render the mappings that origin_cloud_region_info read as an inventory file the role takes as it is.

The text is built line by line, not with a YAML dumper, so that it is the same byte for byte
from run to run and from one PyYAML to another: one mapping a line, zones sorted by name (or
id), mappings by canonical IP (IPv4 first, numeric), no timestamps, nothing but the mappings.
"""

from __future__ import annotations

import json
import re

import yaml

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.collections import is_sequence

from ansible_collections.edgeops.cloudflare.plugins.module_utils._ip import InvalidIPError, normalize_ip
from ansible_collections.edgeops.cloudflare.plugins.module_utils._mapping import ip_sort_key

FORMS = ("mappings", "hosts")
ZONE_KEYS = ("zone", "zone_id")
LIST_VARIABLE = "origin_cloud_regions_mappings"
HOST_ZONE_VARS = {"zone": "origin_cloud_regions_host_zone", "zone_id": "origin_cloud_regions_host_zone_id"}
DEFAULT_HEADER = (
    "Origin cloud region mappings exported from Cloudflare by edgeops.cloudflare (playbook",
    "edgeops.cloudflare.export_mappings); the role edgeops.cloudflare.origin_cloud_regions applies",
    "it as it is. One mapping a line, sorted by zone, then by IP (IPv4 first). A new export of",
    "unchanged zones writes the same bytes.",
)
# A plain scalar that can stand in a flow mapping: no indicator characters, no spaces.
_PLAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
# Starting with a letter, only these words mean something else to YAML 1.1 (booleans, null).
_WORDS = frozenset(("y", "n", "yes", "no", "true", "false", "on", "off", "null"))
_IPV4 = re.compile(r"^[0-9]{1,3}(\.[0-9]{1,3}){3}$")
_GROUP = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_HOST_PREFIX = re.compile(r"^[A-Za-z0-9_.-]*$")


class _Scalars:
    """YAML text of one string: plain when YAML reads it back as the same string, else double-quoted."""

    def __init__(self):
        self.cache = {}

    def __call__(self, value):
        text = self.cache.get(value)
        if text is None:
            text = value if self._plain(value) else json.dumps(value)
            self.cache[value] = text
        return text

    @staticmethod
    def _plain(value):
        if _IPV4.match(value):
            return True  # three dots: never a number, a date or a boolean
        if not _PLAIN.match(value):
            return False
        if value[0].isalpha():
            return value.lower() not in _WORDS  # never a number or a date
        try:
            return yaml.safe_load("{k: %s}" % value) == {"k": value}
        except yaml.YAMLError:
            return False


def _results(value):
    """The info results in ``value``: one registered result, a registered loop, or a list of either."""
    if isinstance(value, dict):
        if "results" in value and "mappings" not in value:
            return _results(value["results"])
        return [value]
    if is_sequence(value):
        found = []
        for entry in value:
            found.extend(_results(entry))
        return found
    raise AnsibleFilterError("origin_mappings_to_yaml: expected the result of origin_cloud_region_info (a dict) or a list "
                             "of them, got %s" % type(value).__name__)


def _zone_name(result):
    if isinstance(result.get("zone"), str) and result["zone"]:
        return result["zone"]
    item = result.get("item")
    if isinstance(item, dict) and isinstance(item.get("name"), str):
        return item["name"]
    if isinstance(item, str) and item:
        return item
    return None


def _mapping(entry, where):
    if not isinstance(entry, dict):
        raise AnsibleFilterError("origin_mappings_to_yaml: %s is not a mapping: %r" % (where, entry))
    try:
        ip = normalize_ip(entry.get("origin_ip"))
    except InvalidIPError as exc:
        raise AnsibleFilterError("origin_mappings_to_yaml: %s.origin_ip: %s" % (where, exc)) from None
    for key in ("vendor", "region"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise AnsibleFilterError("origin_mappings_to_yaml: %s (%s): %s must be a non-empty string, got %r"
                                     % (where, ip, key, entry.get(key)))
    return ip, entry["vendor"], entry["region"]


def _zones(results, zone_key, zone=None):
    """``[(zone label, [(ip, vendor, region)])]`` sorted by zone, then by IP."""
    zones = {}
    for index, result in enumerate(_results(results)):
        where = "result %d" % index
        if result.get("skipped"):
            continue
        if result.get("failed"):
            raise AnsibleFilterError("origin_mappings_to_yaml: %s failed, refusing to write a partial export: %s"
                                     % (where, result.get("msg", "")))
        if not is_sequence(result.get("mappings")):
            raise AnsibleFilterError("origin_mappings_to_yaml: %s has no list 'mappings' (not an origin_cloud_region_info result)"
                                     % where)
        if zone_key == "zone":
            label = _zone_name(result) or zone
            if not label:
                raise AnsibleFilterError("origin_mappings_to_yaml: %s names no zone (give the filter zone=NAME, or loop the "
                                         "info task over zone names or over zone_info's zones), or use zone_key=zone_id" % where)
            label = label.rstrip(".").lower()
        else:
            label = result.get("zone_id")
            if not isinstance(label, str) or not label:
                raise AnsibleFilterError("origin_mappings_to_yaml: %s has no zone_id" % where)
            label = label.lower()
        mappings = {}
        for position, entry in enumerate(result["mappings"]):
            ip, vendor, region = _mapping(entry, "%s, mappings[%d]" % (where, position))
            if mappings.get(ip, (vendor, region)) != (vendor, region):
                raise AnsibleFilterError("origin_mappings_to_yaml: %s lists %s twice, with different targets" % (where, ip))
            mappings[ip] = (vendor, region)
        if label in zones and zones[label] != mappings:
            raise AnsibleFilterError("origin_mappings_to_yaml: zone %s was read twice, with different mappings" % label)
        zones[label] = mappings
    return [(label, sorted(((ip,) + target for ip, target in zones[label].items()), key=lambda m: ip_sort_key(m[0])))
            for label in sorted(zones)]


def _header(header):
    if header is None:
        header = DEFAULT_HEADER
    elif isinstance(header, str):
        header = header.splitlines()
    return ["---"] + ["# %s" % line if line else "#" for line in header]


def _flow(pairs, scalar):
    return "{%s}" % ", ".join("%s: %s" % (key, scalar(value)) for key, value in pairs)


def host_name(ip, prefix="origin-"):
    """A stable inventory name for an origin IP: ``origin-192-0-2-1``, ``origin-2001-db8--1``.

    Dots and colons become hyphens; the names of two canonical IPs never collide (an IPv4 name has
    four numbers and no ``--``, an IPv6 one has ``--`` or eight groups).
    """
    return prefix + ip.replace(".", "-").replace(":", "-")


def _check_name(value, pattern, option, what):
    if not isinstance(value, str) or not pattern.match(value):
        raise AnsibleFilterError("origin_mappings_to_yaml: %s must be %s, got %r" % (option, what, value))


def origin_mappings_to_yaml(results, form="mappings", zone_key="zone", group="origins", host_prefix="origin-",
                            ip_var="ansible_host", vendor_var="origin_cloud_regions_host_vendor",
                            region_var="origin_cloud_regions_host_region", header=None, zone=None):
    """See origin_mappings_to_yaml.yml."""
    if form not in FORMS:
        raise AnsibleFilterError("origin_mappings_to_yaml: form must be one of %s, got %r" % (", ".join(FORMS), form))
    if zone_key not in ZONE_KEYS:
        raise AnsibleFilterError("origin_mappings_to_yaml: zone_key must be one of %s, got %r" % (", ".join(ZONE_KEYS), zone_key))
    zones = _zones(results, zone_key, zone)
    scalar = _Scalars()
    lines = _header(header)
    if form == "mappings":
        items = ["  - %s" % _flow((("origin_ip", ip), ("vendor", vendor), ("region", region), (zone_key, zone)), scalar)
                 for zone, mappings in zones for ip, vendor, region in mappings]
        lines.append("%s:%s" % (LIST_VARIABLE, "" if items else " []"))
        lines.extend(items)
        return "\n".join(lines) + "\n"

    _check_name(group, _GROUP, "group", "a group name of letters, digits and underscores")
    _check_name(host_prefix, _HOST_PREFIX, "host_prefix", "letters, digits, '.', '_' and '-'")
    for option, name in (("ip_var", ip_var), ("vendor_var", vendor_var), ("region_var", region_var)):
        _check_name(name, _VARIABLE, option, "a variable name")
    # Exported from several zones, an IP may be mapped in more than one: every host name then
    # carries its zone, so that the names never depend on what the other zones hold.
    qualify = len(zones) > 1
    hosts = []
    for zone, mappings in zones:
        for ip, vendor, region in mappings:
            name = host_name(ip, host_prefix) + ("." + zone if qualify else "")
            hosts.append("        %s: %s" % (scalar(name), _flow(
                ((ip_var, ip), (vendor_var, vendor), (region_var, region), (HOST_ZONE_VARS[zone_key], zone)), scalar)))
    lines.extend(["all:", "  children:", "    %s:" % group, "      hosts:%s" % ("" if hosts else " {}")])
    lines.extend(hosts)
    return "\n".join(lines) + "\n"


class FilterModule:
    def filters(self):
        return {"origin_mappings_to_yaml": origin_mappings_to_yaml}
