# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Fixtures shared by the module tests."""

from __future__ import annotations

import pytest

from ansible.module_utils import basic

from ansible_collections.edgeops.cloudflare.tests.unit.fake_api import clear_cloudflare_env


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    """No CLOUDFLARE_* variable of the machine reaches a module under test."""
    clear_cloudflare_env(monkeypatch)


@pytest.fixture
def warnings_in_the_result(monkeypatch):
    """Module warnings go into the module's result, as on a target host.

    ansible-core 2.19 sends them to the controller's Display instead once any test in the
    session has imported controller code (which sets ``module_utils._internal.is_controller``).
    """
    # pylint: disable-next=import-outside-toplevel
    from ansible.module_utils import _internal

    if hasattr(_internal, "is_controller"):
        monkeypatch.setattr(_internal, "is_controller", False)


@pytest.fixture
def warnings(monkeypatch):
    """The warnings the module gives, in order (AnsibleModule.warn recorded instead of collected globally)."""
    recorded = []
    monkeypatch.setattr(basic.AnsibleModule, "warn", lambda self, warning, **kwargs: recorded.append(warning))
    return recorded
