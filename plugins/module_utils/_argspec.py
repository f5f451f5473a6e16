# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_util is private to the collection: it may change at any time.

"""Shared module options, composed instead of copied into every module.

The options here are documented once, in the ``edgeops.cloudflare._common`` doc fragment.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ansible.module_utils.basic import env_fallback
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError

from ansible_collections.edgeops.cloudflare.plugins.module_utils._mapping import VENDORS

DEFAULT_API_BASE_URL = "https://api.cloudflare.com/client/v4"
ENV_API_BASE_URL = "CLOUDFLARE_API_BASE_URL"
API_GENERATIONS = ("v2", "v1")
DEFAULT_MAX_RETRY_WAIT = 180.0
_ZONE_ID = re.compile(r"^[0-9a-fA-F]{32}$")
# A DNS name: dot-separated labels of letters, digits, hyphens and underscores (IDNs in A-label form).
_ZONE_NAME = re.compile(r"^(?=.{1,253}\.?$)([A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.)*"
                        r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.?$")


class ArgumentSpec:
    """An argument spec plus its cross-option constraints, mergeable like community.dns's."""

    _CONSTRAINTS = ("mutually_exclusive", "required_together", "required_one_of", "required_if", "required_by")

    def __init__(self, argument_spec=None, **constraints):
        unknown = set(constraints) - set(self._CONSTRAINTS)
        if unknown:
            raise TypeError("unknown constraints: %s" % ", ".join(sorted(unknown)))
        self.argument_spec = dict(argument_spec or {})
        self.constraints = {name: list(constraints.get(name) or []) for name in self._CONSTRAINTS}

    def merge(self, other):
        self.argument_spec.update(other.argument_spec)
        for name in self._CONSTRAINTS:
            self.constraints[name].extend(other.constraints[name])
        return self

    def to_kwargs(self):
        kwargs = {"argument_spec": self.argument_spec}
        kwargs.update((name, value) for name, value in self.constraints.items() if value)
        return kwargs


def connection_argument_spec():
    """Credentials, endpoint and transport options shared by every module."""
    return ArgumentSpec({
        # No env fallback here: _auth.resolve_credentials reads the environment itself,
        # so that task options win over it instead of colliding with it.
        "api_token": {"type": "str", "no_log": True},
        "api_email": {"type": "str"},
        "api_key": {"type": "str", "no_log": True},
        "api_base_url": {"type": "str", "fallback": (env_fallback, [ENV_API_BASE_URL]), "default": DEFAULT_API_BASE_URL},
        "validate_certs": {"type": "bool", "default": True},
        "timeout": {"type": "float", "default": 30},
        "max_retry_wait": {"type": "float", "default": DEFAULT_MAX_RETRY_WAIT},
        "api_generation": {"type": "str", "choices": list(API_GENERATIONS), "default": "v2"},
    })


def zone_argument_spec():
    """The zone, by id or by name."""
    return ArgumentSpec(
        {
            "zone_id": {"type": "str"},
            "zone": {"type": "str", "aliases": ["zone_name"]},
        },
        mutually_exclusive=[("zone_id", "zone")],
        required_one_of=[("zone_id", "zone")],
    )


def common_argument_spec():
    return connection_argument_spec().merge(zone_argument_spec())


def mapping_options():
    """One mapping's options: the single module's top level and the batch module's list items."""
    return {
        "origin_ip": {"type": "str", "required": True, "aliases": ["ip"]},
        "vendor": {"type": "str", "choices": list(VENDORS)},
        "region": {"type": "str"},
        "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    }


# vendor and region are needed unless the mapping is to be removed.
MAPPING_REQUIRED_IF = [("state", "present", ("vendor", "region"))]


def connection_problems(params):
    """What is wrong with the shared options, one text per problem naming the option.

    Checked before any request: a value the API would refuse, or that would send a
    request somewhere unexpected (a zone_id with "/" or ".."), never reaches the wire.
    """
    problems = []
    if params.get("timeout") is not None and not params["timeout"] > 0:
        problems.append("timeout: must be greater than 0 seconds, got %s" % params["timeout"])
    if params.get("max_retry_wait") is not None and not params["max_retry_wait"] >= 0:
        problems.append("max_retry_wait: must be 0 or more seconds, got %s" % params["max_retry_wait"])
    base_url = params.get("api_base_url")
    if base_url:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            problems.append("api_base_url: must be an http:// or https:// URL with a host, got %r" % base_url)
    # Stray whitespace (a file lookup, a YAML block scalar) is dropped where the zone is used.
    zone_id = params.get("zone_id")
    if zone_id is not None and not _ZONE_ID.fullmatch(zone_id.strip()):
        problems.append("zone_id: must be a zone id of 32 hex digits, got %r" % zone_id)
    zone = params.get("zone")
    if zone is not None and not _ZONE_NAME.fullmatch(zone.strip()):
        problems.append("zone: must be a DNS name such as example.com, got %r" % zone)
    return problems


# Options whose value the item validation only type-checks (str, or raw): two items that
# differ only in their text there are judged alike by ArgumentSpecValidator.
_TEXT_OPTIONS = ("origin_ip", "region", "modified_on")


def _item_spec():
    # modified_on is accepted and ignored: origin_cloud_region_info's mappings can be fed back as they are.
    return dict(mapping_options(), modified_on={"type": "raw"})


def _text_keys(spec):
    """Every key that names a text option (with its aliases), mapped to the option's name."""
    keys = {}
    for option in _TEXT_OPTIONS:
        keys[option] = option
        keys.update((alias, option) for alias in spec[option].get("aliases", ()))
    return keys


def _validation_shape(item, text_keys):
    """What the validation of ``item`` depends on, or None when only the validator can tell.

    Text options count by key alone, every other key by key and value. Only items of
    plain ``str`` keys and values qualify: anything else may be converted or refused. So
    does an item that names an option twice (``origin_ip`` and its alias ``ip``): which
    value wins is the validator's to say.
    """
    shape = []
    options = set()
    for key, value in item.items():
        if type(key) is not str or type(value) is not str:  # pylint: disable=unidiomatic-typecheck
            return None
        if key in text_keys:
            if text_keys[key] in options:
                return None
            options.add(text_keys[key])
        shape.append((key, None) if key in text_keys else (key, value))
    return frozenset(shape)


def checked_mapping_items(items, name="mappings"):
    """Check each item of a list of mappings against ``mapping_options``, naming ``mappings[N]``.

    The batch module declares its list with ``elements: raw`` and checks the items here
    instead of through a sub-spec, because ansible-core stops collecting no_log values
    when a sub-spec list holds an item that is not a dict: the task's api_token would then
    be shown in the failure (ansible/ansible#81672).  Returns ``(items, labels, problems)``:
    the valid items with defaults and aliases applied, their labels, and one text per problem.

    Thousands of items usually come in a few shapes (the same keys, vendors and states):
    ArgumentSpecValidator judges one item of each shape, and the others of that shape take
    its verdict with their own text values.
    """
    spec = _item_spec()
    validator = ArgumentSpecValidator(spec, required_if=MAPPING_REQUIRED_IF)
    text_keys = _text_keys(spec)
    verdicts = {}
    valid, labels, problems = [], [], []
    for index, item in enumerate(items or []):
        label = "%s[%d]" % (name, index)
        if not isinstance(item, dict):
            problems.append("%s: must be a dict with origin_ip, vendor, region and state, got %s"
                            % (label, type(item).__name__))
            continue
        shape = _validation_shape(item, text_keys)
        shared = verdicts.get(shape) if shape is not None else None
        if shared is None:
            params, errors = _verdict(validator, item)
            if shape is not None:
                verdicts[shape] = (params, errors)
        elif shared[1]:
            params, errors = shared
        else:
            params, errors = _with_own_text(shared[0], item, text_keys), []
        if errors:
            problems.extend("%s: %s" % (label, error) for error in errors)
            continue
        valid.append(params)
        labels.append(label)
    return valid, labels, problems


def _with_own_text(params, item, text_keys):
    """The validated parameters of an item of the same shape, with ``item``'s own text values."""
    params = dict(params)
    for key, value in item.items():
        if key in text_keys:
            params[key] = params[text_keys[key]] = value
    return params


def _verdict(validator, item):
    """``(validated parameters, error texts)`` of one item."""
    result = validator.validate(item)
    if result.error_messages:
        # AnsibleModule puts "Unsupported parameters:" in front of that error itself; so do we.
        return None, ["%s%s" % ("unsupported parameter(s) " if isinstance(error, UnsupportedError) else "", error)
                      for error in result.errors]
    return result.validated_parameters, []
