# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_util is private to the collection: it may change at any time.

"""Glue between AnsibleModule and the API client, written once for every module.

``run_module`` builds the client from the shared options, resolves the zone (for the
modules that have one), runs the module's own logic and turns every failure into a
``fail_json`` that quotes Cloudflare and never a secret.
"""

from __future__ import annotations

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.edgeops.cloudflare.plugins.module_utils._api import (
    CloudflareAPIError,
    IncompleteListingError,
    OriginCloudRegionsClient,
    UnexpectedAnswerError,
)
from ansible_collections.edgeops.cloudflare.plugins.module_utils._argspec import DEFAULT_API_BASE_URL, connection_problems
from ansible_collections.edgeops.cloudflare.plugins.module_utils._auth import (
    CredentialsError,
    environment_secrets,
    resolve_credentials,
)
from ansible_collections.edgeops.cloudflare.plugins.module_utils._http import (
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    HTTPTransport,
    TransportError,
)
from ansible_collections.edgeops.cloudflare.plugins.module_utils._ip import InvalidIPError, normalize_ip

COLLECTION_VERSION = "1.0.0"
V1_END_OF_LIFE = "2026-10-01"
# What a request can end in besides a good answer.
REQUEST_FAILURES = (CloudflareAPIError, UnexpectedAnswerError, TransportError)


def outcome_unknown(error):
    """Whether a write that ended in ``error`` may still have been applied.

    A 4xx answer is Cloudflare's "no"; anything else (a 5xx after retries, an unusable
    answer, a lost connection) leaves the write's outcome open.
    """
    return not (isinstance(error, CloudflareAPIError) and 400 <= error.status < 500)


class ModuleFailure(Exception):
    """A failure the module logic found itself (bad input, refused plan)."""

    def __init__(self, msg, **result):
        super().__init__(msg)
        self.msg = msg
        self.result = result


def make_transport(headers, params, secrets=()):
    """The seam unit tests replace (see tests/unit)."""
    return HTTPTransport(headers, timeout=params["timeout"], validate_certs=params["validate_certs"],
                         max_retry_wait=params["max_retry_wait"], secrets=secrets)


def build_client(module):
    params = module.params
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
    try:
        credentials = resolve_credentials(params.get("api_token"), params.get("api_email"), params.get("api_key"))
    except CredentialsError as exc:
        module.fail_json(msg=str(exc))
    # Secrets read from the environment are not options, so tell no_log about them too,
    # both as given (stray whitespace included) and as sent.
    module.no_log_values.update(credentials.secrets)
    module.no_log_values.update(environment_secrets())
    headers = dict(credentials.headers())
    headers["User-Agent"] = "edgeops.cloudflare/%s" % COLLECTION_VERSION
    headers["Accept"] = "application/json"
    # An empty value (AWX injects "" for a blank credential field) means the default endpoint.
    base_url = params["api_base_url"] or DEFAULT_API_BASE_URL
    if params["api_generation"] == "v1":
        module.warn("api_generation=v1 uses Cloudflare's deprecated /cache/origin_cloud_regions API, whose end of life "
                    "was %s; it works only while the account still answers it. Move to api_generation=v2 (the default), "
                    "which manages the same mappings." % V1_END_OF_LIFE)
    return OriginCloudRegionsClient(make_transport(headers, params, credentials.secrets), base_url, params["api_generation"])


def canonical_ip_option(value, option="origin_ip"):
    """Normalize an IP option or raise ModuleFailure naming the option."""
    try:
        return normalize_ip(value)
    except InvalidIPError as exc:
        raise ModuleFailure("%s: %s" % (option, exc)) from None


def resolve_zone(client, params):
    if params.get("zone_id"):
        return params["zone_id"].strip().lower()
    try:
        return client.resolve_zone_id(params["zone"].strip())
    except ValueError as exc:
        raise ModuleFailure("zone: %s" % exc) from None


def run_module(module, logic, prepare=None, client_factory=None, problems=None, zone=True):
    """Validate, connect, run the module's logic and exit the module.

    ``problems(params) -> [text]`` are the module's own checks of its options, reported
    together with ``connection_problems`` (one failure with ``problems``) before any request.
    ``prepare(module) -> value`` checks the input before any request is sent; its value
    is handed to ``logic(module, client, zone_id, prepared) -> result dict``.
    ``zone=False`` is for a module without zone options (zone_info): no zone is resolved,
    ``logic`` gets None for ``zone_id`` and the result has no ``zone_id``.

    ``module`` is an AnsibleModule, or any object with the same ``params``, ``check_mode``,
    ``_diff``, ``no_log_values``, ``warn``, ``fail_json`` and ``exit_json`` (the action
    plugins run this in the controller's process: plugin_utils/_in_process.py).
    ``client_factory(module) -> client`` replaces ``build_client`` there; it defaults to it.
    """
    found = connection_problems(module.params) + (problems(module.params) if problems else [])
    if found:
        module.fail_json(msg="; ".join(found), problems=found)
    try:
        prepared = prepare(module) if prepare else None
    except ModuleFailure as exc:
        module.fail_json(msg=exc.msg, **exc.result)
    client = (client_factory or build_client)(module)
    try:
        zone_id = resolve_zone(client, module.params) if zone else None
        result = logic(module, client, zone_id, prepared)
    except ModuleFailure as exc:
        module.fail_json(msg=exc.msg, **exc.result)
    except (CloudflareAPIError, UnexpectedAnswerError) as exc:
        module.fail_json(msg=str(exc), api_error=exc.to_result())
    except IncompleteListingError as exc:
        module.fail_json(msg=str(exc))
    except TransportError as exc:
        module.fail_json(msg="Cannot reach the Cloudflare API: %s" % exc)
    finally:
        client.transport.close()
    if zone:
        result.setdefault("zone_id", zone_id)
    result["api_requests"] = client.requests_sent
    module.exit_json(**result)
