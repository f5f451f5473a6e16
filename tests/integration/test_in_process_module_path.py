# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""test_origin_cloud_region.py and the zone_info tests of test_export_zones.py again, with every
task forced through the module path.

The integration tests run on localhost, so the action plugins run the modules' logic in the
controller's process. Here EDGEOPS_CLOUDFLARE_IN_PROCESS=false sends the same tests through
AnsiballZ and a new Python per task, the way a task delegated to another host runs
(docs/in-process.md): both paths stay covered by the same assertions.
"""

from __future__ import annotations

import pytest

from . import test_origin_cloud_region as module_tests
from .harness import TOKEN, ZONE_ID, run_playbook
# zone_info's own tests, and the fixtures they use (the export tests run the role: left out here).
from .test_export_zones import many_zones, zones_emu  # noqa: F401 pylint: disable=unused-import
from .test_export_zones import (  # noqa: F401 pylint: disable=unused-import
    test_a_name_that_is_no_zone_name_is_refused_before_any_request,
    test_every_zone_over_two_pages,
    test_names_one_request_each_and_missing_ones_listed,
    test_pages_that_do_not_add_up_fail_rather_than_return_a_partial_list,
)

# These run the module path already (the fixture below); the modulepath gate, which runs every test
# that way, leaves them out.
pytestmark = pytest.mark.path_specific

# The same test functions, collected again in this module, where the fixture below applies.
for _name in dir(module_tests):
    if _name.startswith("test_"):
        globals()[_name] = getattr(module_tests, _name)


@pytest.fixture(autouse=True)
def module_path(monkeypatch):
    """Every ansible-playbook these tests start inherits the switch from this environment."""
    monkeypatch.setenv("EDGEOPS_CLOUDFLARE_IN_PROCESS", "false")


def test_the_switch_sends_tasks_through_ansiballz(emulator):
    run = run_playbook(emulator, [{"name": "map", "edgeops.cloudflare.origin_cloud_region": {
        "zone_id": ZONE_ID, "origin_ip": "192.0.2.1", "vendor": "aws", "region": "us-east-1"}},
        {"name": "zones", "edgeops.cloudflare.zone_info": {}}],
        env={"CLOUDFLARE_API_TOKEN": TOKEN}, verbosity=3)
    assert run.returncode == 0, run
    assert "AnsiballZ_origin_cloud_region.py" in run.stdout
    assert "AnsiballZ_zone_info.py" in run.stdout
    assert "in the controller's process" not in run.stdout
