# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This plugin_util is private to the collection: it may change at any time.

"""Run a module's own logic in the controller's worker process: no AnsiballZ, no new Python.

The action plugins ``origin_cloud_region``, ``origin_cloud_region_info``,
``origin_cloud_regions`` and ``zone_info`` subclass ``InProcessAction`` and name their module.
When the task runs on the controller (its connection, after ``delegate_to``, is ``local`` and
there is no ``become``), the module's ``argument_spec()``, ``prepare`` and logic run here through
``_module.run_module`` (with the module's ``RUN_OPTIONS``, as its ``main()`` passes them), with
an object that stands in for ``AnsibleModule`` (``InProcessModule``). Anywhere else, or with
``async``, or when switched off, the module runs as every module does (``_execute_module``).
docs/in-process.md describes both paths.

For the single-mapping module in a loop, ``LoopViewClient`` answers the reads of later
items from one listing of the zone (the loop's view), when reading the zone is cheaper
than the remaining items' reads. A worker process runs one task for one host, its loop
items one after the other, so the module-level ``_LOOP`` below lives exactly as long as
one task on one host; it is keyed by process, task and host all the same.
"""

from __future__ import annotations

import contextlib
import datetime
import gc
import hashlib
import json
import math
import os
import sys
import traceback
from collections.abc import Mapping, Set

from ansible import constants as C
from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.common.text.converters import to_native
from ansible.module_utils.errors import UnsupportedError
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.plugins.action.normal import ActionModule as NormalAction
from ansible.utils.display import Display

try:
    # ansible-core 2.19+: a module's failure is reported as "Module failed", not "Action failed",
    # and a traceback is added to a failure when the controller's configuration asks for one.
    from ansible._internal._errors._captured import AnsibleModuleCapturedError
    from ansible.module_utils._internal import _traceback
except ImportError:  # ansible-core 2.18
    AnsibleModuleCapturedError = None
    _traceback = None

from ansible_collections.edgeops.cloudflare.plugins.module_utils._api import (
    MAX_PAGES_UNANNOUNCED,
    PER_PAGE,
    IncompleteListingError,
)
from ansible_collections.edgeops.cloudflare.plugins.module_utils._argspec import DEFAULT_API_BASE_URL
from ansible_collections.edgeops.cloudflare.plugins.module_utils._auth import CredentialsError, resolve_credentials
from ansible_collections.edgeops.cloudflare.plugins.module_utils._module import REQUEST_FAILURES, build_client, run_module

display = Display()

# The switches (docs/in-process.md). A task variable wins over the environment variable.
IN_PROCESS_VAR = "edgeops_cloudflare_in_process"
IN_PROCESS_ENV = "EDGEOPS_CLOUDFLARE_IN_PROCESS"
LOOP_VIEW_VAR = "edgeops_cloudflare_loop_view"
LOOP_VIEW_ENV = "EDGEOPS_CLOUDFLARE_LOOP_VIEW"

# Items of a loop that read one mapping each before the zone may be read as a whole.
SINGLE_READS_BEFORE_VIEW = 2


# --------------------------------------------------------------------------- switches

def _switch(action, task_vars, variable, environment_variable):
    """The value of a documented on/off switch: task variable, else environment, else on."""
    if variable in task_vars:
        value, source = action._templar.template(task_vars[variable]), variable
    elif os.environ.get(environment_variable, "").strip():
        value, source = os.environ[environment_variable].strip(), environment_variable
    else:
        return True
    try:
        return boolean(value, strict=True)
    except TypeError:
        raise AnsibleActionFail("%s must be true or false, got %r" % (source, value)) from None


def module_path_reason(action, task_vars):
    """Why this task must run the module the usual way, or None when it can run in this process."""
    if not _switch(action, task_vars, IN_PROCESS_VAR, IN_PROCESS_ENV):
        return "switched off (%s / %s)" % (IN_PROCESS_VAR, IN_PROCESS_ENV)
    if action._task.async_val:
        return "async is not supported in the controller's process"
    # The connection of the host the task runs on, after delegate_to: only "local" runs the module
    # on the controller, in a process that inherits the controller's environment.
    transport = getattr(action._connection, "transport", None)
    if transport != "local":
        return "the task runs through connection %r, not on the controller" % transport
    if action._play_context.become:
        return "become is set: the module must run as the become user"
    return None


# --------------------------------------------------------------------------- the stand-in for AnsibleModule

def traceback_wanted():
    """Whether a module's failure carries a traceback on this controller (-vvv on 2.18, DISPLAY_TRACEBACK on 2.19)."""
    if _traceback is None:
        return display.verbosity >= 3 or C.DEFAULT_DEBUG
    return _traceback.is_traceback_enabled(_traceback.TracebackEvent.ERROR)


class ModuleExit(Exception):
    """Raised by exit_json/fail_json: the module's result, formatted as AnsibleModule would return it."""

    def __init__(self, result):
        super().__init__("module exit")
        self.result = result


class InProcessModule:
    """What the collection's module logic and ``run_module`` use of ``AnsibleModule``.

    ``exit_json``/``fail_json`` format the result exactly as ``AnsibleModule`` does
    (``invocation.module_args``, ``warnings``, ``deprecations``, every ``no_log`` value
    masked with ``remove_values``, booleans and None kept) and raise ``ModuleExit``.
    """

    def __init__(self, name, params, check_mode=False, diff=False, no_log_values=()):
        self._name = name
        self.params = params
        self.check_mode = check_mode
        self._diff = diff
        self.no_log_values = set(no_log_values)
        self._warnings = []
        self._deprecations = []

    def warn(self, warning):
        if isinstance(warning, str):
            self._warnings.append(warning)

    def deprecate(self, msg, version=None, date=None, collection_name=None):
        deprecation = {"msg": msg, "collection_name": collection_name}
        if date is not None:
            deprecation["date"] = date
        else:
            deprecation["version"] = version
        self._deprecations.append(deprecation)

    def exit_json(self, **kwargs):
        raise ModuleExit(self._formatted(kwargs))

    def fail_json(self, msg, **kwargs):
        kwargs["failed"] = True
        kwargs["msg"] = msg
        if "exception" not in kwargs and traceback_wanted():
            # As AnsibleModule.fail_json: the traceback of the exception being handled, if any.
            pending = sys.exc_info()[2]
            if pending is not None:
                kwargs["exception"] = "".join(traceback.format_tb(pending))
            elif _traceback is not None:
                kwargs["exception"] = "".join(traceback.format_stack())
        raise ModuleExit(self._formatted(kwargs))

    def _formatted(self, kwargs):
        if "invocation" not in kwargs:
            kwargs["invocation"] = {"module_args": self.params}
        if self._warnings:
            kwargs["warnings"] = list(self._warnings)
        if self._deprecations:
            kwargs["deprecations"] = list(self._deprecations)
        preserved = {key: value for key, value in kwargs.items() if value is None or isinstance(value, bool)}
        kwargs = masked(kwargs, self.no_log_values)
        kwargs.update(preserved)
        return kwargs


# Words that remove_values (ansible-core 2.18) compares a no_log value with for True, False and None.
_SCALAR_WORDS = ("True", "False", "None")
# How far masked() splits a part that holds a no_log value (result, invocation, module_args, option,
# item, field), and how many times the value may occur in it; past either, remove_values walks the part.
_SPLIT_LEVELS = 6
_SPLIT_HITS = 8


def masked(result, no_log_values):
    """The result as the module path hands it to the controller: ``remove_values``, then JSON.

    A module masks its result with remove_values and prints it as JSON, which the controller
    parses (dict keys become text, tuples lists). remove_values visits every value, though: 45 ms
    for a batch task's invocation with 3,500 mappings, most of which hold no no_log value. A part
    whose JSON text does not hold one (escaped as JSON escapes it, so a value holding it would
    show it) is its JSON copy. A part that holds one (the token among the invocation's options)
    is split into its children, a few levels deep, and what is left goes to remove_values.
    Values JSON cannot carry, no_log values that are part of True, False or None (which 2.18
    compares as text), and results nested too deep for JSON take remove_values alone.
    """
    secrets = [to_native(value, errors="surrogate_or_strict") for value in no_log_values]
    try:
        if any(secret in word for secret in secrets for word in _SCALAR_WORDS):
            return _json_copy(remove_values(result, no_log_values))
        escaped = [json.dumps(secret, ensure_ascii=False)[1:-1] for secret in secrets]
        return _masked(result, no_log_values, escaped, 0)
    except RecursionError:
        return remove_values(result, no_log_values)


def _masked(value, no_log_values, escaped, level):
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        return remove_values(value, no_log_values)
    hits = sum(text.count(secret) for secret in escaped)
    if not hits:
        return json.loads(text)
    if level < _SPLIT_LEVELS and hits <= _SPLIT_HITS:
        if isinstance(value, Mapping):
            return {_json_key(key): _masked(item, no_log_values, escaped, level + 1) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [_masked(item, no_log_values, escaped, level + 1) for item in value]
    return _json_copy(remove_values(value, no_log_values))


def _json_copy(value):
    """``value`` as JSON carries it, when JSON can."""
    try:
        return json.loads(json.dumps(value, ensure_ascii=False, allow_nan=False))
    except (TypeError, ValueError):
        return value


def plain(value):
    """The task's arguments as a module receives them: plain dicts, lists, strings and numbers.

    What the controller serializes for a module (JSON) is rebuilt here without templating
    or vault tags; dates become ISO strings as the module's JSON encoder writes them.
    """
    # Text first, then dicts and lists: what task arguments are made of (3,500 mappings: 10 ms).
    if isinstance(value, str):
        # str's own __str__: an exact str, without a subclass (a tagged or vaulted string).
        return str.__str__(value)
    if isinstance(value, (dict, Mapping)):
        return {_json_key(key): plain(item) for key, item in value.items()}
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, (list, tuple, Set)):
        return [plain(item) for item in value]
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    # Vaulted values and other text-like objects: their text, as the module's JSON would carry it.
    return str(value)


def _json_key(key):
    """A key as the module's JSON carries it: always text (YAML gives ``1:`` or ``null:`` keys)."""
    if isinstance(key, str):
        return plain(key)
    if key is None or isinstance(key, (bool, int, float)):
        return json.dumps(key)
    # JSON has no such key: the module path fails to serialize the arguments, and so do we.
    raise AnsibleActionFail("the task's arguments hold a dict key of type %s, which a module cannot receive: "
                            "keys must be text, numbers, booleans or null" % type(key).__name__)


@contextlib.contextmanager
def collection_paused():
    """No garbage collection while the module's logic runs; the objects it leaves are collected after.

    The worker process holds the play's data (a 3,500-mapping list and its templated copies). The
    allocations of the arguments' copy and of the logic would trigger collections that walk all of
    that: 70 of the 180 ms that a 3,500-mapping batch took here. Their own garbage is freed by
    reference counting meanwhile.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextlib.contextmanager
def task_environment(variables):
    """os.environ with the task's ``environment:`` on top, as the module's process would see it."""
    saved = {name: os.environ.get(name) for name in variables}
    try:
        for name, value in variables.items():
            os.environ[name] = "" if value is None else str(value)
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_in_process(name, module, logic, prepare, args, check_mode, diff, client_factory=None):
    """Validate ``args`` with the module's own spec and run its logic; return the module's result.

    ``module.RUN_OPTIONS``, when the module has it, is what its ``main()`` also hands to ``run_module``.
    """
    validator = ArgumentSpecValidator(**module.argument_spec().to_kwargs())
    validation = validator.validate(args)
    params = dict(args)
    params.update(validation.validated_parameters)
    stand_in = InProcessModule(name, params, check_mode=check_mode, diff=diff, no_log_values=validation._no_log_values)
    # What ModuleArgumentSpecValidator reports through AnsibleModule, in the same words.
    for deprecation in validation._deprecations:
        stand_in.deprecate(deprecation["msg"], version=deprecation.get("version"), date=deprecation.get("date"),
                           collection_name=deprecation.get("collection_name"))
    for warning in validation._warnings:
        stand_in.warn("Both option {option} and its alias {alias} are set.".format(option=warning["option"], alias=warning["alias"]))
    try:
        if validation.error_messages:
            error = validation.errors[0]
            msg = validation.errors.msg
            if isinstance(error, UnsupportedError):
                msg = "Unsupported parameters for ({name}) {kind}: {msg}".format(name=name, kind="module", msg=msg)
            stand_in.fail_json(msg=msg)
        run_module(stand_in, logic, prepare, client_factory=client_factory, **getattr(module, "RUN_OPTIONS", {}))
    except ModuleExit as exc:
        return exc.result
    except Exception as exc:  # pylint: disable=broad-exception-caught
        # A bug, not a failure the module foresaw: fail the task with what a module crash would show.
        formatted = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        try:
            stand_in.fail_json(msg="%s failed in the controller's process: %s: %s" % (name, type(exc).__name__, exc), exception=formatted)
        except ModuleExit as failure:
            return failure.result
    raise AnsibleActionFail("%s returned without exit_json or fail_json" % name)


# --------------------------------------------------------------------------- the loop's view (single module)

class LoopState:
    """What one task on one host remembers from item to item."""

    def __init__(self):
        self.items = set()
        self.reads = {}        # key -> number of items that read a mapping of it
        self.views = {}        # key -> {canonical ip: mapping}, the loop's view of the zone
        self.unknown = {}      # key -> IPs whose state a failed write left open
        self.no_view = set()   # keys whose listing was not worth it or did not work
        self.catalogues = {}   # key -> supported_regions answer
        self.zone_ids = {}     # (endpoint, credentials, name) -> zone id


_LOOP = {"key": None, "state": None}


def loop_state(key):
    """The state of the loop ``key`` (process, task, host); a new key forgets the old one."""
    if _LOOP["key"] != key:
        _LOOP["key"], _LOOP["state"] = key, LoopState()
    return _LOOP["state"]


def loop_position(task_vars):
    """``(index0, length)`` of the current loop item, or None outside a loop.

    The task executor's own loop (``TaskExecutor._run_loop``, a few frames up in this worker
    process) knows both, whatever ``loop_control`` says; ``ansible_loop`` (with
    ``loop_control.extended``) is used when that frame cannot be found.
    """
    if "ansible_loop_var" not in task_vars:
        return None
    frame = sys._getframe(1)  # pylint: disable=protected-access
    while frame is not None:
        if frame.f_code.co_name == "_run_loop" and type(frame.f_locals.get("self")).__name__ == "TaskExecutor":
            items, index = frame.f_locals.get("items"), frame.f_locals.get("item_index")
            if isinstance(items, list) and isinstance(index, int):
                return index, len(items)
        frame = frame.f_back
    extended = task_vars.get("ansible_loop")
    if isinstance(extended, Mapping) and isinstance(extended.get("index0"), int) and isinstance(extended.get("length"), int):
        return extended["index0"], extended["length"]
    return None


class _OverBudget(Exception):
    """The listing would take more requests than the reads it replaces."""


def _digest(*parts):
    return hashlib.sha256("\0".join(str(part) for part in parts).encode("utf-8")).hexdigest()


class LoopViewClient:
    """An OriginCloudRegionsClient for one loop item that shares what earlier items learned.

    - ``get_mapping`` (the item's read of its mapping) is answered from the loop's view of the
      zone once there is one; after ``SINGLE_READS_BEFORE_VIEW`` items read single mappings of
      a zone, the zone is listed (every page, with ``list_mappings``' checks) when that takes
      fewer requests than the reads it replaces. A read-back after a failed write, and any
      mapping a failed write left unknown, always go to the API.
    - writes go to the API and update the view with what the API answered.
    - the zone id of a zone name and the zone's supported regions are read once per loop.

    Everything else is the real client's.
    """

    def __init__(self, client, state, endpoint, remaining, items_seen):
        self._client = client
        self._state = state
        self._endpoint = endpoint
        self._remaining = remaining
        self._items_seen = items_seen
        self._read_once = False

    def __getattr__(self, name):
        return getattr(self._client, name)

    def _key(self, zone_id):
        return self._endpoint + (zone_id,)

    def resolve_zone_id(self, name):
        key = (self._endpoint[0], self._endpoint[2], name.rstrip(".").lower())
        if key not in self._state.zone_ids:
            self._state.zone_ids[key] = self._client.resolve_zone_id(name)
        return self._state.zone_ids[key]

    def supported_regions(self, zone_id):
        key = self._key(zone_id)
        if key not in self._state.catalogues:
            self._state.catalogues[key] = self._client.supported_regions(zone_id)
        return self._state.catalogues[key]

    def get_mapping(self, zone_id, origin_ip):
        key = self._key(zone_id)
        first, self._read_once = not self._read_once, True
        if first:
            self._state.reads[key] = self._state.reads.get(key, 0) + 1
            if key not in self._state.views and self._worth_listing(key):
                self._list(key, zone_id)
        view = self._state.views.get(key)
        unknown = self._state.unknown.setdefault(key, set())
        if first and view is not None and origin_ip not in unknown:
            mapping = view.get(origin_ip)
            display.vvvv("edgeops.cloudflare: %s answered from the loop's view of zone %s" % (origin_ip, zone_id))
            return dict(mapping) if mapping else None
        mapping = self._client.get_mapping(zone_id, origin_ip)
        if view is not None:
            self._remember(view, origin_ip, mapping)
            unknown.discard(origin_ip)
        return mapping

    def _worth_listing(self, key):
        if key in self._state.no_view or self._state.reads[key] <= SINGLE_READS_BEFORE_VIEW:
            return False
        # The reads of this zone still to come, at the share of the items so far that read it.
        return self._expected_reads(key) >= 2

    def _expected_reads(self, key):
        return math.ceil(self._remaining * self._state.reads[key] / float(self._items_seen))

    def _list(self, key, zone_id):
        # Listing must take fewer requests than the reads it replaces (this item's included).
        allowed = self._expected_reads(key) - 1
        transport = self._client.transport
        own = vars(transport).get("request")
        send = transport.request
        pages = []

        def budgeted(method, url, params=None, json_body=None):
            response = send(method, url, params=params, json_body=json_body)
            pages.append(response)
            data = response.data if isinstance(response.data, dict) else {}
            info = data.get("result_info") if isinstance(data.get("result_info"), dict) else {}
            if len(pages) == 1 and 200 <= response.status < 300 and data.get("success") is not False:
                per_page = info.get("per_page") if isinstance(info.get("per_page"), int) and info.get("per_page") > 0 else PER_PAGE
                announced = info.get("total_pages")
                if not isinstance(announced, int) and isinstance(info.get("total_count"), int):
                    announced = math.ceil(info["total_count"] / float(per_page))
                if not isinstance(announced, int):
                    # Nothing announced: the listing may take as many pages as a full zone.
                    announced = MAX_PAGES_UNANNOUNCED if isinstance(data.get("result"), list) and len(data["result"]) >= per_page else 1
                if announced > allowed:
                    raise _OverBudget()
            return response

        transport.request = budgeted
        try:
            mappings = self._client.list_mappings(zone_id)
        except (_OverBudget, IncompleteListingError) + REQUEST_FAILURES as exc:
            self._state.no_view.add(key)
            display.vvv("edgeops.cloudflare: no loop view of zone %s (%s); each item reads its own mapping"
                        % (zone_id, "the zone takes more requests to read than the items left" if isinstance(exc, _OverBudget) else exc))
            return
        finally:
            if own is None:
                del transport.request
            else:
                transport.request = own
        self._state.views[key] = {mapping["origin_ip"]: mapping for mapping in mappings}
        display.vvv("edgeops.cloudflare: read zone %s once (%d mappings, %d requests) as the loop's view"
                    % (zone_id, len(mappings), len(pages)))

    @staticmethod
    def _remember(view, origin_ip, mapping):
        if mapping is None:
            view.pop(origin_ip, None)
        else:
            view[origin_ip] = dict(mapping)

    def upsert_mapping(self, zone_id, origin_ip, vendor, region, exists=True):
        key = self._key(zone_id)
        try:
            mapping = self._client.upsert_mapping(zone_id, origin_ip, vendor, region, exists=exists)
        except Exception:
            self._forget(key, origin_ip)
            raise
        if key in self._state.views:
            self._remember(self._state.views[key], origin_ip, mapping)
        return mapping

    def delete_mapping(self, zone_id, origin_ip):
        key = self._key(zone_id)
        try:
            deleted = self._client.delete_mapping(zone_id, origin_ip)
        except Exception:
            self._forget(key, origin_ip)
            raise
        if key in self._state.views:
            self._state.views[key].pop(origin_ip, None)
        return deleted

    def _forget(self, key, origin_ip):
        if key in self._state.views:
            self._state.views[key].pop(origin_ip, None)
            self._state.unknown.setdefault(key, set()).add(origin_ip)


def endpoint_of(params):
    """What decides whose zone a mapping is read from: endpoint, API generation, credentials."""
    try:
        credentials = resolve_credentials(params.get("api_token"), params.get("api_email"), params.get("api_key"))
    except CredentialsError:
        return None
    secret = credentials.token or "%s:%s" % (credentials.email, credentials.key)
    base_url = (params.get("api_base_url") or DEFAULT_API_BASE_URL).rstrip("/")
    return (base_url, params.get("api_generation"), _digest(credentials.scheme, secret))


# --------------------------------------------------------------------------- the action plugin

class InProcessAction(NormalAction):
    """The action of one of the collection's modules: in the controller's process when it can.

    Subclasses set ``MODULE`` (the module's Python module), ``LOGIC`` (the name of its logic
    function, handed to ``run_module``) and ``LOOP_VIEW`` (whether loops share a view of the zone).
    """

    MODULE = None
    LOGIC = "apply"
    LOOP_VIEW = False

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars if task_vars is not None else {}
        reason = module_path_reason(self, task_vars)
        if reason:
            display.vvv("edgeops.cloudflare: running the module %s as a module: %s" % (self._task.action, reason))
            return super().run(tmp, task_vars)
        # ActionBase's own checks (async, check mode, valid args), without NormalAction's module run.
        result = ActionBase.run(self, tmp, task_vars)
        del tmp
        display.vvv("edgeops.cloudflare: running %s in the controller's process" % self._task.action)
        environment = {}
        self._compute_environment_string(environment)
        factory = self._client_factory(task_vars)
        with collection_paused():
            args = plain(self._task.args)
            with task_environment(plain(environment)):
                result.update(run_in_process(self._task.action, self.MODULE, getattr(self.MODULE, self.LOGIC),
                                             getattr(self.MODULE, "prepare", None), args,
                                             check_mode=bool(self._task.check_mode), diff=bool(self._task.diff),
                                             client_factory=factory))
        # What ActionBase._parse_returned_data adds to a module's answer.
        if AnsibleModuleCapturedError is not None:
            AnsibleModuleCapturedError.normalize_result_exception(result)
        result["_ansible_parsed"] = True
        return result

    def _client_factory(self, task_vars):
        """The client of a loop item that shares the loop's view, or None for the module's own."""
        if not self.LOOP_VIEW or not _switch(self, task_vars, LOOP_VIEW_VAR, LOOP_VIEW_ENV):
            return None
        position = loop_position(task_vars)
        if position is None:
            return None
        index, length = position
        state = loop_state((os.getpid(), self._task._uuid, task_vars.get("inventory_hostname")))
        state.items.add(index)

        def factory(module):
            client = build_client(module)
            endpoint = endpoint_of(module.params)
            if endpoint is None:
                return client
            return LoopViewClient(client, state, endpoint, remaining=length - index, items_seen=len(state.items))

        return factory
