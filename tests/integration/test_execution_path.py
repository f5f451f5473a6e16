# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The integration tests run on the path the environment chooses (docs/in-process.md).

scripts/test.sh runs tests/integration twice: in the pytest gate with the in-process path (the
default for a task on localhost), and in the modulepath gate with EDGEOPS_CLOUDFLARE_IN_PROCESS=false
in pytest's environment, which every ansible-playbook the harness starts inherits. This test checks
that inheritance on every run, so that the modulepath gate cannot pass on the wrong path.
"""

from __future__ import annotations

import os
import re

from ansible.module_utils.parsing.convert_bool import boolean

from .harness import TOKEN, ZONE_ID, run_playbook

MODULES = ("origin_cloud_region", "origin_cloud_region_info", "origin_cloud_regions", "zone_info")
MAPPING = {"origin_ip": "192.0.2.1", "vendor": "aws", "region": "us-east-1"}


def test_every_module_takes_the_path_the_environment_chooses(emulator):
    switch = os.environ.get("EDGEOPS_CLOUDFLARE_IN_PROCESS", "").strip()
    in_process = boolean(switch, strict=True) if switch else True
    tasks = [
        {"name": "single", "edgeops.cloudflare.origin_cloud_region": dict(MAPPING, zone_id=ZONE_ID)},
        {"name": "info", "edgeops.cloudflare.origin_cloud_region_info": {"zone_id": ZONE_ID}},
        {"name": "batch", "edgeops.cloudflare.origin_cloud_regions": {"zone_id": ZONE_ID, "mappings": [MAPPING]}},
        {"name": "zones", "edgeops.cloudflare.zone_info": {}},
    ]
    run = run_playbook(emulator, tasks, env={"CLOUDFLARE_API_TOKEN": TOKEN}, verbosity=3)
    assert run.returncode == 0, run
    through_ansiballz = set(re.findall(r"AnsiballZ_(\w+)\.py", run.stdout))
    in_the_controller = set(re.findall(r"running edgeops\.cloudflare\.(\w+) in the controller's process", run.stdout))
    if in_process:
        assert (in_the_controller, through_ansiballz) == (set(MODULES), set()), run
    else:
        assert (in_the_controller, through_ansiballz) == (set(), set(MODULES)), run
