#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: origin_cloud_region
short_description: Manage one Cloudflare origin cloud region mapping
version_added: 1.0.0
description:
  - Map one origin IP address of a Cloudflare zone to the cloud vendor and region that hosts it,
    or remove that mapping.
  - Reads the current mapping first and writes only when the vendor or region differ, so a
    second run reports C(ok). In steady state a run costs exactly one API request (with O(zone_id)).
  - IP addresses are compared in their canonical form (RFC 5952 for IPv6), so V(2001:DB8:0::1) and
    V(2001:db8::1) are the same mapping.
  - To manage hundreds or thousands of mappings, use M(edgeops.cloudflare.origin_cloud_regions),
    which lists the zone once and writes through the batch API.
author:
  - Edgeops Platform Engineering (@edgeops)
extends_documentation_fragment:
  - edgeops.cloudflare._common
  - edgeops.cloudflare._common.zone
  - edgeops.cloudflare._attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
options:
  origin_ip:
    description:
      - The origin IP address, IPv4 or IPv6.
      - Must be a single address; CIDR prefixes, IPv6 zone ids (V(fe80::1%eth0)), IPv4 with leading
        zeros and host names are refused.
      - IPv4-mapped IPv6 addresses stay IPv6 and are written as V(::ffff:192.0.2.1).
    type: str
    required: true
    aliases: [ip]
  vendor:
    description:
      - The cloud vendor hosting the origin.
      - Required when O(state=present).
    type: str
    choices: [aws, azure, gcp, oci]
  region:
    description:
      - The vendor's region identifier, for example V(us-east-1) (aws), V(eastus) (azure),
        V(us-central1) (gcp), V(us-ashburn-1) (oci).
      - Required when O(state=present).
    type: str
  state:
    description:
      - V(present) creates or updates the mapping, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  validate_region:
    description:
      - Before writing, check O(vendor) and O(region) against the zone's supported regions
        (C(GET .../supported_regions)) and fail, listing the valid regions, if they are not there.
      - The lookup is skipped when nothing needs writing.
    type: bool
    default: true
seealso:
  - module: edgeops.cloudflare.origin_cloud_region_info
  - module: edgeops.cloudflare.origin_cloud_regions
  - name: Cloudflare API documentation for origin cloud regions
    description: The API this module uses.
    link: https://developers.cloudflare.com/api/resources/cache/subresources/origin_cloud_regions/
'''

EXAMPLES = r'''
- name: Map an origin to AWS us-east-1
  edgeops.cloudflare.origin_cloud_region:
    zone_id: 023e105f4ecef8ad9ca31a8372d0c353
    origin_ip: 192.0.2.1
    vendor: aws
    region: us-east-1
  delegate_to: localhost

- name: Map an IPv6 origin, zone given by name, token from a vault variable
  edgeops.cloudflare.origin_cloud_region:
    zone: example.com
    origin_ip: 2001:db8::10
    vendor: gcp
    region: us-central1
    api_token: "{{ vault_cloudflare_api_token }}"
  delegate_to: localhost

- name: Remove a mapping
  edgeops.cloudflare.origin_cloud_region:
    zone_id: 023e105f4ecef8ad9ca31a8372d0c353
    origin_ip: 192.0.2.1
    state: absent
  delegate_to: localhost

- name: Set credentials once for every module of the collection
  module_defaults:
    group/edgeops.cloudflare.cloudflare:
      api_token: "{{ vault_cloudflare_api_token }}"
      zone: example.com
  block:
    - name: Map an origin in Azure
      edgeops.cloudflare.origin_cloud_region:
        origin_ip: 198.51.100.7
        vendor: azure
        region: westeurope
      delegate_to: localhost
'''

RETURN = r'''
mapping:
  description:
    - The mapping after the task, as the API stored it; in check mode, as it would be.
    - V(null) when the mapping does not exist after the task.
  returned: always
  type: dict
  contains:
    origin_ip:
      description: The origin IP in canonical form (RFC 5952 for IPv6).
      type: str
      sample: 2001:db8::10
    vendor:
      description: The cloud vendor.
      type: str
      sample: aws
    region:
      description: The vendor's region.
      type: str
      sample: us-east-1
    modified_on:
      description: When the mapping was last modified; V(null) when not known (check mode).
      type: str
      sample: "2026-03-01T12:00:00Z"
origin_ip:
  description: The origin IP in canonical form.
  returned: always
  type: str
  sample: 192.0.2.1
zone_id:
  description: The zone's identifier (resolved from O(zone) when that was given).
  returned: always
  type: str
  sample: 023e105f4ecef8ad9ca31a8372d0c353
api_requests:
  description: How many API requests the task sent (retries of one request count once).
  returned: success
  type: int
  sample: 1
api_error:
  description: The error Cloudflare answered with, with every code and message.
  returned: when the API answered with an error
  type: dict
  sample: {"status": 403, "method": "PUT", "path": "/zones/023e.../origin/cloud_regions/192.0.2.1",
           "errors": [{"code": 1164, "message": "Maximum number of IP mappings configured for zone."}]}
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.edgeops.cloudflare.plugins.module_utils._argspec import (
    MAPPING_REQUIRED_IF,
    ArgumentSpec,
    common_argument_spec,
    mapping_options,
)
from ansible_collections.edgeops.cloudflare.plugins.module_utils._mapping import (
    canonical_mapping,
    diff_view,
    region_names,
    region_problem,
    same_target,
)
from ansible_collections.edgeops.cloudflare.plugins.module_utils._module import (
    REQUEST_FAILURES,
    ModuleFailure,
    canonical_ip_option,
    outcome_unknown,
    run_module,
)


def argument_spec():
    options = mapping_options()
    options["validate_region"] = {"type": "bool", "default": True}
    return ArgumentSpec(options, required_if=MAPPING_REQUIRED_IF).merge(common_argument_spec())


def ensure_present(module, client, zone_id, origin_ip, current):
    vendor, region = module.params["vendor"], module.params["region"]
    if same_target(current, vendor, region):
        return False, current
    if module.params["validate_region"]:
        problem = region_problem(region_names(client.supported_regions(zone_id)), vendor, region)
        if problem:
            raise ModuleFailure("origin_ip %s: %s" % (origin_ip, problem), origin_ip=origin_ip)
    if module.check_mode:
        return True, canonical_mapping(origin_ip, vendor, region)

    def write():
        return client.upsert_mapping(zone_id, origin_ip, vendor, region, exists=current is not None)

    return True, checked_write(module, client, zone_id, origin_ip, write, lambda now: same_target(now, vendor, region))


def ensure_absent(module, client, zone_id, origin_ip, current):
    if current is None:
        return False, None
    if not module.check_mode:
        # Gone already (a retried DELETE, someone else) is as good as deleted by us.
        checked_write(module, client, zone_id, origin_ip, lambda: client.delete_mapping(zone_id, origin_ip), lambda now: now is None)
    return True, None


def checked_write(module, client, zone_id, origin_ip, write, reached):
    """Run one write; when its outcome is unclear, read the mapping back instead of guessing.

    Returns what the write returned, or the mapping as read back when that shows the
    wanted state; raises ModuleFailure saying what is known otherwise.
    """
    try:
        return write()
    except REQUEST_FAILURES as exc:
        if not outcome_unknown(exc):
            raise
        error = exc
    try:
        now = client.get_mapping(zone_id, origin_ip)
    except REQUEST_FAILURES as exc:
        raise ModuleFailure("%s; reading the mapping back failed too (%s), so whether the write was applied is unknown. "
                            "Running the task again converges." % (error, exc), origin_ip=origin_ip,
                            **error_details(error)) from None
    if reached(now):
        module.warn("%s; reading the mapping back showed the change in place" % error)
        return now
    raise ModuleFailure("%s; the mapping was read back and the change is not in place (now: %s). Running the task again "
                        "converges once the API accepts the write." % (error, diff_view(now) or "absent"),
                        origin_ip=origin_ip, **error_details(error))


def error_details(error):
    return {"api_error": error.to_result()} if hasattr(error, "to_result") else {}


def prepare(module):
    """Check the input before any request: the canonical IP, a usable region."""
    if module.params["state"] == "present" and not module.params["region"].strip():
        raise ModuleFailure("region: must not be empty")
    return canonical_ip_option(module.params["origin_ip"])


def apply(module, client, zone_id, origin_ip):
    current = client.get_mapping(zone_id, origin_ip)
    ensure = ensure_present if module.params["state"] == "present" else ensure_absent
    changed, mapping = ensure(module, client, zone_id, origin_ip, current)
    result = {"changed": changed, "mapping": mapping, "origin_ip": origin_ip, "zone_id": zone_id}
    if module._diff:
        result["diff"] = {"before": diff_view(current), "after": diff_view(mapping)}
    return result


def main():
    module = AnsibleModule(supports_check_mode=True, **argument_spec().to_kwargs())
    run_module(module, apply, prepare)


if __name__ == "__main__":
    main()
