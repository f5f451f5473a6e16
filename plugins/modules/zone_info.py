#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: zone_info
short_description: List the Cloudflare zones the credentials can see
version_added: 1.1.0
description:
  - Return the zones the credentials can see (every page of C(GET /zones), 50 zones a page), or the zones
    with the given names (one C(GET /zones?name=) request each).
  - The pages are checked against each other and against the counts the API announces (C(result_info)); when
    they do not add up the task fails rather than return a partial list.
  - Never changes anything. The playbook C(edgeops.cloudflare.export_mappings) uses it to export the mappings
    of every zone.
author:
  - Edgeops Platform Engineering (@edgeops)
extends_documentation_fragment:
  - edgeops.cloudflare._common
  - edgeops.cloudflare._attributes
  - edgeops.cloudflare._attributes.info_module
options:
  names:
    description:
      - Return only the zones with these names (matched without regard to case, a trailing dot ignored).
      - Names that match no zone are returned in RV(missing); they do not fail the task.
      - When omitted, every zone is returned.
    type: list
    elements: str
    aliases: [name]
  account_id:
    description:
      - Return only the zones of this account.
    type: str
seealso:
  - module: edgeops.cloudflare.origin_cloud_region_info
'''

EXAMPLES = r'''
- name: List every zone the token can see
  edgeops.cloudflare.zone_info:
  delegate_to: localhost
  register: zones

- name: Read the mappings of each of them
  edgeops.cloudflare.origin_cloud_region_info:
    zone_id: "{{ item.id }}"
  loop: "{{ zones.zones }}"
  loop_control:
    label: "{{ item.name }}"
  delegate_to: localhost
  register: mappings

- name: Look two zones up by name
  edgeops.cloudflare.zone_info:
    names:
      - example.com
      - example.net
  delegate_to: localhost
  register: two

- name: Fail when one of them does not exist
  ansible.builtin.assert:
    that: two.missing | length == 0
    fail_msg: "no such zone: {{ two.missing | join(', ') }}"
'''

RETURN = r'''
zones:
  description: The zones, sorted by name.
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: The zone's identifier.
      type: str
      sample: 023e105f4ecef8ad9ca31a8372d0c353
    name:
      description: The zone's name.
      type: str
      sample: example.com
    status:
      description: The zone's status, for example V(active) or V(pending).
      type: str
      sample: active
    account_id:
      description: The identifier of the account that owns the zone.
      type: str
      sample: 01a7362d577a6c3019a474fd6f485823
count:
  description: The number of zones returned.
  returned: success
  type: int
  sample: 2
missing:
  description: The names of O(names) that match no zone visible with these credentials.
  returned: success
  type: list
  elements: str
  sample: [example.org]
api_requests:
  description: How many API requests the task sent.
  returned: success
  type: int
  sample: 1
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.edgeops.cloudflare.plugins.module_utils._argspec import (
    ArgumentSpec,
    connection_argument_spec,
    connection_problems,
)
from ansible_collections.edgeops.cloudflare.plugins.module_utils._module import run_module


def argument_spec():
    spec = ArgumentSpec({
        "names": {"type": "list", "elements": "str", "aliases": ["name"]},
        "account_id": {"type": "str"},
    })
    return spec.merge(connection_argument_spec())


def name_problems(params):
    """The names that are not zone names, checked as the other modules check O(zone)."""
    problems = []
    for index, name in enumerate(params["names"] or []):
        for problem in connection_problems({"zone": name}):
            problems.append(problem.replace("zone:", "names[%d]:" % index, 1))
    return problems


def read(module, client, zone_id, prepared):
    """The zones (of O(names) when given) and the names that match none; ``zone_id`` is None (no zone option)."""
    names, account_id = module.params["names"], module.params["account_id"]
    if not names:
        zones = client.list_zones(account_id=account_id)
        missing = []
    else:
        zones, missing, seen = [], [], set()
        for name in names:
            found = client.list_zones(name=name.strip(), account_id=account_id)
            if not found:
                missing.append(name)
            for zone in found:
                if zone["id"] not in seen:
                    seen.add(zone["id"])
                    zones.append(zone)
        zones.sort(key=lambda zone: (zone["name"].lower(), zone["id"]))
    return {"changed": False, "zones": zones, "count": len(zones), "missing": missing}


# How run_module runs this module, in main() and in the action plugin's in-process path alike:
# the names are checked with the shared options, and there is no zone to resolve.
RUN_OPTIONS = {"problems": name_problems, "zone": False}


def main():
    module = AnsibleModule(supports_check_mode=True, **argument_spec().to_kwargs())
    run_module(module, read, **RUN_OPTIONS)


if __name__ == "__main__":
    main()
