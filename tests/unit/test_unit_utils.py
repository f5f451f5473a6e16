# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The unit test helpers work on the ansible-core version under test."""

from __future__ import annotations

import pytest

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.edgeops.cloudflare.tests.unit.utils import (
    AnsibleExitJson,
    AnsibleFailJson,
    exit_result,
    fail_result,
    set_module_args,
)


def trivial_main():
    """A minimal module: echo a string option, fail on request."""
    module = AnsibleModule(
        argument_spec={
            'name': {'type': 'str', 'required': True},
            'count': {'type': 'int', 'default': 1},
            'secret': {'type': 'str', 'no_log': True},
            'fail': {'type': 'bool', 'default': False},
        },
        supports_check_mode=True,
    )
    if module.params['fail']:
        module.fail_json(msg='asked to fail: %s' % module.params['name'])
    module.exit_json(changed=not module.check_mode, name=module.params['name'], count=module.params['count'])


def test_set_module_args_reaches_ansible_module(patch_ansible_module_exits):
    with set_module_args({'name': 'example', 'count': '3'}):
        with pytest.raises(AnsibleExitJson) as exc:
            trivial_main()
    assert exc.value.kwargs['name'] == 'example'
    assert exc.value.kwargs['count'] == 3
    assert exc.value.kwargs['changed'] is True


def test_check_mode_flag():
    result = exit_result(trivial_main, {'name': 'x', '_ansible_check_mode': True})
    assert result['changed'] is False


def test_fail_json_is_captured():
    result = fail_result(trivial_main, {'name': 'boom', 'fail': True})
    assert result['failed'] is True
    assert result['msg'] == 'asked to fail: boom'


def test_argument_validation_fails_cleanly():
    result = fail_result(trivial_main, {'count': 'not-a-number', 'name': 'x'})
    assert 'count' in result['msg']


def test_missing_required_argument(patch_ansible_module_exits):
    with set_module_args({}):
        with pytest.raises(AnsibleFailJson) as exc:
            trivial_main()
    assert 'name' in exc.value.kwargs['msg']


def test_args_do_not_leak_between_blocks():
    assert exit_result(trivial_main, {'name': 'first'})['name'] == 'first'
    assert exit_result(trivial_main, {'name': 'second'})['name'] == 'second'


def test_collection_code_is_importable():
    # pylint: disable-next=import-outside-toplevel
    from ansible_collections.edgeops.cloudflare.plugins.module_utils import _ip

    assert _ip.__file__.endswith('_ip.py')
