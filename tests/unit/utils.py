# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Helpers for running modules in-process in unit tests (ansible-core 2.18 and 2.19+).

Usage::

    from ansible_collections.edgeops.cloudflare.tests.unit.utils import (
        AnsibleExitJson, AnsibleFailJson, exit_result, fail_result, patch_exit_fail, set_module_args,
    )

    def test_present(patch_ansible_module_exits):   # fixture from tests/conftest.py
        with set_module_args({'zone_id': 'z', 'origin_ip': '192.0.2.1'}):
            with pytest.raises(AnsibleExitJson) as exc:
                origin_cloud_region.main()
        assert exc.value.kwargs['changed']

    # or, shorter:
    result = exit_result(origin_cloud_region.main, {'zone_id': 'z', ...})
"""

from __future__ import annotations

import contextlib
import json
from unittest import mock

from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

try:
    from ansible.module_utils.testing import patch_module_args  # ansible-core >= 2.19
except ImportError:  # ansible-core 2.18
    patch_module_args = None

# Internal arguments the controller always sends; AnsibleModule expects them.
DEFAULT_INTERNAL_ARGS = {
    '_ansible_remote_tmp': '/tmp',
    '_ansible_keep_remote_files': False,
}


@contextlib.contextmanager
def set_module_args(args=None):
    """Expose ``args`` to every AnsibleModule created inside the ``with`` block.

    On ansible-core 2.19+ this is ``ansible.module_utils.testing.patch_module_args``
    (patching ``basic._ANSIBLE_ARGS`` alone fails there with "No serialization
    profile was specified"); on 2.18 it patches ``basic._ANSIBLE_ARGS`` directly.
    ``_ansible_check_mode=True`` and ``_ansible_diff=True`` in ``args`` turn on
    check and diff mode.
    """
    args = dict(args or {})
    for key, value in DEFAULT_INTERNAL_ARGS.items():
        args.setdefault(key, value)

    if patch_module_args is not None:
        with patch_module_args(args):
            yield
    else:
        serialized = to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': args}))
        with mock.patch.object(basic, '_ANSIBLE_ARGS', serialized):
            yield


class AnsibleExitJson(Exception):
    """Raised instead of ``AnsibleModule.exit_json``; ``kwargs`` holds the result."""

    def __init__(self, kwargs):
        super().__init__(kwargs)
        self.kwargs = kwargs


class AnsibleFailJson(Exception):
    """Raised instead of ``AnsibleModule.fail_json``; ``kwargs`` holds the result."""

    def __init__(self, kwargs):
        super().__init__(kwargs)
        self.kwargs = kwargs


def exit_json(*args, **kwargs):  # pylint: disable=unused-argument
    """Stand-in for ``AnsibleModule.exit_json``."""
    kwargs.setdefault('changed', False)
    raise AnsibleExitJson(kwargs)


def fail_json(*args, **kwargs):  # pylint: disable=unused-argument
    """Stand-in for ``AnsibleModule.fail_json``."""
    kwargs['failed'] = True
    raise AnsibleFailJson(kwargs)


@contextlib.contextmanager
def patch_exit_fail():
    """Make ``AnsibleModule.exit_json``/``fail_json`` raise AnsibleExitJson/AnsibleFailJson."""
    with mock.patch.multiple(basic.AnsibleModule, exit_json=exit_json, fail_json=fail_json):
        yield


def _run(module_main, args):
    with set_module_args(args), patch_exit_fail():
        module_main()
    raise AssertionError('the module returned without calling exit_json or fail_json')


def exit_result(module_main, args=None):
    """Run ``module_main()`` with ``args``; return the exit_json result (fails the test on fail_json)."""
    try:
        _run(module_main, args)
    except AnsibleExitJson as exc:
        return exc.kwargs
    except AnsibleFailJson as exc:
        raise AssertionError('module failed: %s' % (exc.kwargs,)) from None
    raise AssertionError('unreachable')  # pragma: no cover


def fail_result(module_main, args=None):
    """Run ``module_main()`` with ``args``; return the fail_json result (fails the test on exit_json)."""
    try:
        _run(module_main, args)
    except AnsibleFailJson as exc:
        return exc.kwargs
    except AnsibleExitJson as exc:
        raise AssertionError('module did not fail: %s' % (exc.kwargs,)) from None
    raise AssertionError('unreachable')  # pragma: no cover
