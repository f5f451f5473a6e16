#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: origin_cloud_region_info
short_description: Read Cloudflare origin cloud region mappings and supported regions
version_added: 1.0.0
description:
  - Return every origin cloud region mapping of a zone (all pages), or the one for O(origin_ip).
  - Optionally return the vendors and regions the zone supports.
  - Never changes anything.
author:
  - Edgeops Platform Engineering (@edgeops)
extends_documentation_fragment:
  - edgeops.cloudflare._common
  - edgeops.cloudflare._common.zone
  - edgeops.cloudflare._attributes
  - edgeops.cloudflare._attributes.info_module
options:
  origin_ip:
    description:
      - Return only the mapping of this IP address (compared in canonical form).
      - When omitted, every mapping of the zone is returned.
    type: str
    aliases: [ip]
  supported_regions:
    description:
      - Also return the zone's supported vendors and regions in RV(supported_regions).
    type: bool
    default: false
seealso:
  - module: edgeops.cloudflare.origin_cloud_region
  - module: edgeops.cloudflare.origin_cloud_regions
'''

EXAMPLES = r'''
- name: Read every mapping of a zone
  edgeops.cloudflare.origin_cloud_region_info:
    zone: example.com
  delegate_to: localhost
  register: cloud_regions

- name: Show how many origins sit in each vendor
  ansible.builtin.debug:
    msg: "{{ cloud_regions.mappings | groupby('vendor') | map('first') | zip(cloud_regions.mappings | groupby('vendor') | map('last') | map('length')) }}"

- name: Read one mapping and the supported regions
  edgeops.cloudflare.origin_cloud_region_info:
    zone_id: 023e105f4ecef8ad9ca31a8372d0c353
    origin_ip: 2001:DB8::1
    supported_regions: true
  delegate_to: localhost
  register: one
'''

RETURN = r'''
mappings:
  description:
    - The mappings, sorted by IP (IPv4 first). With O(origin_ip), a list of zero or one mapping.
  returned: always
  type: list
  elements: dict
  contains:
    origin_ip:
      description: The origin IP in canonical form (RFC 5952 for IPv6).
      type: str
      sample: 192.0.2.1
    vendor:
      description: The cloud vendor.
      type: str
      sample: aws
    region:
      description: The vendor's region.
      type: str
      sample: us-east-1
    modified_on:
      description: When the mapping was last modified.
      type: str
      sample: "2026-03-01T12:00:00Z"
count:
  description: The number of mappings returned.
  returned: always
  type: int
  sample: 2
supported_regions:
  description: The vendors and regions the zone supports, as the API returns them.
  returned: when O(supported_regions=true)
  type: dict
  contains:
    obtained_codes:
      description: Whether the upper tier colocation codes are complete.
      type: bool
      sample: true
    vendors:
      description: For each vendor, its regions with C(name) and C(upper_tier_colos).
      type: dict
      sample: {"aws": [{"name": "us-east-1", "upper_tier_colos": ["IAD", "EWR"]}]}
zone_id:
  description: The zone's identifier (resolved from O(zone) when that was given).
  returned: always
  type: str
  sample: 023e105f4ecef8ad9ca31a8372d0c353
api_requests:
  description: How many API requests the task sent.
  returned: success
  type: int
  sample: 1
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.edgeops.cloudflare.plugins.module_utils._argspec import ArgumentSpec, common_argument_spec
from ansible_collections.edgeops.cloudflare.plugins.module_utils._mapping import sorted_mappings
from ansible_collections.edgeops.cloudflare.plugins.module_utils._module import canonical_ip_option, run_module


def argument_spec():
    spec = ArgumentSpec({
        "origin_ip": {"type": "str", "aliases": ["ip"]},
        "supported_regions": {"type": "bool", "default": False},
    })
    return spec.merge(common_argument_spec())


def prepare(module):
    origin_ip = module.params["origin_ip"]
    return canonical_ip_option(origin_ip) if origin_ip is not None else None


def read(module, client, zone_id, origin_ip):
    if origin_ip is None:
        mappings = sorted_mappings(client.list_mappings(zone_id))
    else:
        mapping = client.get_mapping(zone_id, origin_ip)
        mappings = [mapping] if mapping else []
    result = {"changed": False, "mappings": mappings, "count": len(mappings), "zone_id": zone_id}
    if module.params["supported_regions"]:
        result["supported_regions"] = client.supported_regions(zone_id)
    return result


def main():
    module = AnsibleModule(supports_check_mode=True, **argument_spec().to_kwargs())
    run_module(module, read, prepare)


if __name__ == "__main__":
    main()
