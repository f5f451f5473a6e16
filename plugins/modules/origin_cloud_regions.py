#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: origin_cloud_regions
short_description: Manage many Cloudflare origin cloud region mappings of a zone at once
version_added: 1.0.0
description:
  - Bring a zone's origin cloud region mappings to a wanted list, for up to the zone's limit of
    3,500 mappings in one task.
  - Lists the zone once (every page), normalizes every IP (RFC 5952 for IPv6), plans locally and
    writes only the difference, through the batch API in chunks of at most 100 mappings.
    Mappings whose vendor and region already match are not written.
  - Before any write the whole input is checked, and the task fails with nothing written when two
    items for one IP disagree, an IP, vendor or region is invalid (regions are checked against the
    zone's supported regions, fetched once), or the plan would exceed the zone's 3,500 mappings.
  - Mappings of the zone that are not listed are left alone unless O(purge=true).
  - The zone's listing is checked page by page against the counts the API announces (C(result_info));
    when pages are missing, empty, repeated or do not add up, the task fails before planning anything,
    so a purge never deletes on a partial view.
  - When a write request fails (an error answer, an unusable answer, a lost connection after retries),
    or Cloudflare refuses items of a batch, the zone is read once more and every planned change is
    checked against it, so that RV(created), RV(updated) and RV(deleted) list what is really in place.
    A delete whose mapping is already gone has reached its goal. If every planned change is in place
    the task succeeds with a warning; otherwise it fails, listing what was applied.
  - The module lists, plans and writes without a lock. Changes someone else makes to the zone between
    the listing and the writes are overwritten (listed mappings) or left in place (unlisted ones, or
    deleted by O(purge) when they are not listed), and two runs that overlap can leave the union of both.
    Run one job per zone at a time (in AWX, leave "concurrent jobs" off); a re-run converges.
  - The role C(edgeops.cloudflare.origin_cloud_regions) gathers mappings from inventory and applies
    them with this module, one task per zone.
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
    details:
      - The diff lists one line per mapping that is created, changed or deleted (C(IP vendor/region)).
options:
  mappings:
    description:
      - The wanted mappings, each a dictionary with the suboptions below.
      - Two items for the same IP (after normalization) must agree; identical duplicates are merged.
      - Every item is checked before any request, and an error names it (V(mappings[3])). The list is
        declared with O(mappings) elements of type C(raw) and checked by the module itself, so that an item
        that is not a dictionary cannot stop Ansible from masking O(api_token) and O(api_key).
    type: list
    elements: raw
    required: true
    suboptions:
      origin_ip:
        description: The origin IP address, IPv4 or IPv6.
        type: str
        required: true
        aliases: [ip]
      vendor:
        description: The cloud vendor. Required unless O(mappings[].state=absent).
        type: str
        choices: [aws, azure, gcp, oci]
      region:
        description: The vendor's region. Required unless O(mappings[].state=absent).
        type: str
      state:
        description: V(absent) deletes the mapping of this IP if it exists.
        type: str
        choices: [present, absent]
        default: present
      modified_on:
        description:
          - Ignored. Accepted so that the RV(edgeops.cloudflare.origin_cloud_region_info#module:mappings) of
            M(edgeops.cloudflare.origin_cloud_region_info) can be passed as they are, for a backup and restore
            or a copy from one zone to another.
        type: raw
  purge:
    description:
      - Delete every mapping of the zone that O(mappings) does not list as present.
      - When V(false) (the default), unlisted mappings are left untouched.
    type: bool
    default: false
  allow_purge_all:
    description:
      - O(purge=true) with no item of O(mappings) in state V(present) (an empty list, or only
        V(state=absent) items) would delete every mapping of the zone. That is refused unless this
        option says it is intended.
    type: bool
    default: false
  validate_region:
    description:
      - Before writing, check every vendor and region to be written against the zone's supported
        regions (one C(GET .../supported_regions) request), and fail listing the bad ones.
      - The lookup is skipped when nothing needs writing.
    type: bool
    default: true
seealso:
  - module: edgeops.cloudflare.origin_cloud_region
  - module: edgeops.cloudflare.origin_cloud_region_info
'''

EXAMPLES = r'''
- name: Make sure these origins are mapped (others are left alone)
  edgeops.cloudflare.origin_cloud_regions:
    zone: example.com
    mappings:
      - origin_ip: 192.0.2.1
        vendor: aws
        region: us-east-1
      - origin_ip: 2001:db8::10
        vendor: gcp
        region: europe-west1
      - origin_ip: 198.51.100.9
        state: absent
  delegate_to: localhost

- name: The zone holds exactly the mappings of the inventory group 'origins'
  edgeops.cloudflare.origin_cloud_regions:
    zone_id: 023e105f4ecef8ad9ca31a8372d0c353
    mappings: "{{ origins }}"
    purge: true
  vars:
    # One mapping per host of the group, from its ansible_host, cloud_vendor and cloud_region.
    origins: >-
      {%- set mappings = [] -%}
      {%- for host in groups['origins'] -%}
        {%- set _ = mappings.append({'origin_ip': hostvars[host].ansible_host,
                                     'vendor': hostvars[host].cloud_vendor,
                                     'region': hostvars[host].cloud_region}) -%}
      {%- endfor -%}
      {{ mappings }}
  delegate_to: localhost

- name: Copy every mapping of one zone to another (info output fed back as it is)
  edgeops.cloudflare.origin_cloud_region_info:
    zone: example.com
  delegate_to: localhost
  register: source_zone

- name: Make the second zone hold the same mappings
  edgeops.cloudflare.origin_cloud_regions:
    zone: example.net
    mappings: "{{ source_zone.mappings }}"
  delegate_to: localhost

- name: Remove every mapping of a zone
  edgeops.cloudflare.origin_cloud_regions:
    zone: example.com
    mappings: []
    purge: true
    allow_purge_all: true
  delegate_to: localhost
'''

RETURN = r'''
created:
  description: Canonical IPs of the mappings created (in check mode, that would be created).
  returned: always
  type: list
  elements: str
  sample: [192.0.2.1]
updated:
  description: Canonical IPs of the mappings whose vendor or region changed.
  returned: always
  type: list
  elements: str
  sample: [2001:db8::10]
deleted:
  description: Canonical IPs of the mappings deleted.
  returned: always
  type: list
  elements: str
  sample: [198.51.100.9]
unchanged:
  description: Canonical IPs of the listed mappings that already matched.
  returned: always
  type: list
  elements: str
  sample: [203.0.113.5]
failed_items:
  description: Items Cloudflare refused in a batch answer, with its error for each.
  returned: when a batch answer reported failed items
  type: list
  elements: dict
  sample: [{"origin_ip": "192.0.2.1", "error": "region 'us-east-9' does not exist for vendor 'aws'", "action": "upsert"}]
counts:
  description: How many mappings were created, updated, deleted, unchanged (and failed).
  returned: always
  type: dict
  sample: {"created": 1, "updated": 1, "deleted": 1, "unchanged": 1, "failed": 0}
zone_id:
  description: The zone's identifier (resolved from O(zone) when that was given).
  returned: always
  type: str
  sample: 023e105f4ecef8ad9ca31a8372d0c353
api_requests:
  description: How many API requests the task sent.
  returned: success
  type: int
  sample: 36
api_error:
  description: The error Cloudflare answered a whole request with, with every code and message.
  returned: when the API answered a request with an error
  type: dict
  sample: {"status": 403, "method": "PUT", "path": "/zones/023e.../origin/cloud_regions/batch",
           "errors": [{"code": 1164, "message": "Maximum number of IP mappings configured for zone."}]}
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.edgeops.cloudflare.plugins.module_utils._api import IncompleteListingError, chunks
from ansible_collections.edgeops.cloudflare.plugins.module_utils._argspec import (
    ArgumentSpec,
    checked_mapping_items,
    common_argument_spec,
)
from ansible_collections.edgeops.cloudflare.plugins.module_utils._mapping import (
    ZONE_MAPPING_LIMIT,
    build_plan,
    desired_state,
    ip_sort_key,
    region_names,
    region_problem,
    same_target,
)
from ansible_collections.edgeops.cloudflare.plugins.module_utils._module import (
    REQUEST_FAILURES,
    ModuleFailure,
    outcome_unknown,
    run_module,
)


def argument_spec():
    spec = ArgumentSpec({
        # Items are checked by checked_mapping_items (see there why not with a sub-spec).
        "mappings": {"type": "list", "elements": "raw", "required": True},
        "purge": {"type": "bool", "default": False},
        "allow_purge_all": {"type": "bool", "default": False},
        "validate_region": {"type": "bool", "default": True},
    })
    return spec.merge(common_argument_spec())


def prepare(module):
    """Refuse bad or contradictory input before any request is sent."""
    params = module.params
    items, labels, problems = checked_mapping_items(params["mappings"])
    present, absent, state_problems = desired_state(items, labels)
    problems += state_problems
    if problems:
        raise ModuleFailure("%d invalid item(s) in mappings, nothing was written: %s" % (len(problems), "; ".join(problems)),
                            problems=problems)
    # What stays present decides, not the list's length: a list of only absent items
    # would otherwise empty the zone.
    if params["purge"] and not present and not params["allow_purge_all"]:
        raise ModuleFailure("mappings: lists no mapping in state present (%d item(s), %d absent), so purge=true would "
                            "delete every mapping of the zone; nothing was written. Set allow_purge_all=true if that is "
                            "intended, or list the mappings to keep" % (len(params["mappings"]), len(absent)))
    return present, absent


def check_plan(module, client, zone_id, plan, current_count):
    """Refuse a plan the API would partly reject: unknown regions, too many mappings."""
    size_after = plan.size_after(current_count)
    if size_after > ZONE_MAPPING_LIMIT:
        raise ModuleFailure("the zone would hold %d mappings (%d now, %d to create, %d to delete), more than its limit of %d; nothing was written"
                            % (size_after, current_count, len(plan.create), len(plan.delete), ZONE_MAPPING_LIMIT))
    if module.params["validate_region"] and plan.writes:
        names = region_names(client.supported_regions(zone_id))
        problems = []
        for wanted in plan.writes:
            problem = region_problem(names, wanted["vendor"], wanted["region"])
            if problem:
                problems.append("%s: %s" % (wanted["origin_ip"], problem))
        if problems:
            raise ModuleFailure("%d mapping(s) with an unsupported vendor or region, nothing was written: %s"
                                % (len(problems), "; ".join(problems)), problems=problems)


def ips(mappings):
    return sorted((mapping["origin_ip"] for mapping in mappings), key=ip_sort_key)


def diff_lines(mappings):
    return "".join("%s %s/%s\n" % (m["origin_ip"], m["vendor"], m["region"]) for m in sorted(mappings, key=lambda m: ip_sort_key(m["origin_ip"])))


def build_diff(plan):
    touched_before = [plan.before[m["origin_ip"]] for m in plan.update] + plan.delete
    return {"before": diff_lines(touched_before), "after": diff_lines(plan.writes)}


class Outcome:
    """What actually happened, filled request by request so that a failure can still report it.

    ``done`` holds the IPs whose planned change is known to be in place: from the batch
    answers, and after any failure from re-reading the zone (``verify``).
    """

    def __init__(self, plan):
        self.plan = plan
        self.done = set()
        self.failed = {}
        self.error = None
        self.verified = False

    def record(self, batch, action):
        self.done.update(batch.succeeded)
        for item in batch.failed:
            self.failed[item["origin_ip"]] = dict(item, action=action)

    def verify(self, zone):
        """Settle every planned change against the zone as it is now (``{ip: mapping}``).

        A delete whose IP is gone, or a write whose IP now has the wanted vendor and region,
        reached the wanted state whatever an answer said: a retried DELETE that found
        nothing, a lost answer, someone else's identical change.
        """
        plan = self.plan
        self.done = set(m["origin_ip"] for m in plan.delete if m["origin_ip"] not in zone)
        self.done.update(m["origin_ip"] for m in plan.writes if same_target(zone.get(m["origin_ip"]), m["vendor"], m["region"]))
        self.failed = dict((ip, item) for ip, item in self.failed.items() if ip not in self.done)
        self.verified = True

    @property
    def pending(self):
        """Planned changes not known to be in place."""
        return [m["origin_ip"] for m in self.plan.delete + self.plan.writes if m["origin_ip"] not in self.done]

    def result(self, check_mode):
        plan = self.plan
        done = (lambda ip: True) if check_mode else self.done.__contains__
        created = [ip for ip in ips(plan.create) if done(ip)]
        updated = [ip for ip in ips(plan.update) if done(ip)]
        deleted = [ip for ip in ips(plan.delete) if done(ip)]
        unchanged = ips(plan.unchanged)
        result = {
            "changed": bool(created or updated or deleted),
            "created": created,
            "updated": updated,
            "deleted": deleted,
            "unchanged": unchanged,
            "counts": {"created": len(created), "updated": len(updated), "deleted": len(deleted),
                       "unchanged": len(unchanged), "failed": len(self.failed)},
        }
        if self.failed:
            # Not "failed": fail_json sets that key to true and would drop the list.
            result["failed_items"] = sorted(self.failed.values(), key=lambda item: ip_sort_key(item["origin_ip"]))
        return result


def apply(module, client, zone_id, wanted):
    present, absent = wanted
    current = client.list_mappings(zone_id)
    plan = build_plan(current, present, absent, purge=module.params["purge"])
    check_plan(module, client, zone_id, plan, len(current))
    outcome = Outcome(plan)
    if not module.check_mode:
        write_plan(client, zone_id, plan, outcome)
        if outcome.failed or (outcome.error is not None and outcome_unknown(outcome.error)):
            settle(module, client, zone_id, outcome)
    result = outcome.result(module.check_mode)
    if module._diff:
        result["diff"] = build_diff(plan)
    report_failures(outcome, result)
    return result


def write_plan(client, zone_id, plan, outcome):
    """Deletes first, so that a zone near its limit has room for the new mappings.

    Stops at the first request that fails, keeping in ``outcome`` what the answers so far applied.
    """
    try:
        for chunk in chunks([m["origin_ip"] for m in plan.delete]):
            outcome.record(client.batch_delete(zone_id, chunk), "delete")
        for chunk in chunks(plan.writes):
            outcome.record(client.batch_upsert(zone_id, chunk), "upsert")
    except REQUEST_FAILURES as exc:
        outcome.error = exc


def settle(module, client, zone_id, outcome):
    """After a failed request or refused items, read the zone again to learn what is in place."""
    try:
        zone = dict((mapping["origin_ip"], mapping) for mapping in client.list_mappings(zone_id))
    except REQUEST_FAILURES + (IncompleteListingError,) as exc:
        # Keep what the answers said; the failure message says the rest is unknown.
        module.warn("could not re-read the zone to check the outcome of the writes: %s" % exc)
        return
    refused = sorted(outcome.failed, key=ip_sort_key)
    outcome.verify(zone)
    settled = [ip for ip in refused if ip not in outcome.failed]
    if settled:
        module.warn("Cloudflare reported %d item(s) as failed (%s), but re-reading the zone showed them in the wanted "
                    "state (a retried request, or someone else's identical change)" % (len(settled), ", ".join(settled[:10])))
    if outcome.error is not None and not outcome.pending:
        module.warn("%s; re-reading the zone showed every planned change in place" % outcome.error)
        outcome.error = None


def report_failures(outcome, result):
    planned = len(outcome.plan.writes) + len(outcome.plan.delete)
    if outcome.error is not None:
        pending = outcome.pending
        if outcome.verified:
            checked = ("after re-reading the zone, %d of %d planned change(s) are in place (listed in created/updated/deleted), "
                       "%d are not" % (planned - len(pending), planned, len(pending)))
        elif outcome_unknown(outcome.error):
            checked = ("%d of %d planned change(s) were confirmed by the API (listed in created/updated/deleted); the outcome "
                       "of the others is unknown" % (len(outcome.done), planned))
        else:
            checked = ("%d of %d planned change(s) were applied before it (listed in created/updated/deleted); the others "
                       "were refused or not sent" % (len(outcome.done), planned))
        api_error = outcome.error.to_result() if hasattr(outcome.error, "to_result") else None
        raise ModuleFailure("%s; %s. Running the task again converges." % (outcome.error, checked),
                            **dict(result, **({"api_error": api_error} if api_error else {})))
    if outcome.failed:
        details = "; ".join("%s (%s): %s" % (item["origin_ip"], item["action"], item["error"]) for item in result["failed_items"])
        raise ModuleFailure("Cloudflare refused %d of %d mapping change(s): %s" % (len(outcome.failed), planned, details), **result)


def main():
    module = AnsibleModule(supports_check_mode=True, **argument_spec().to_kwargs())
    run_module(module, apply, prepare)


if __name__ == "__main__":
    main()
