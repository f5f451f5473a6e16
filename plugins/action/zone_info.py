# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action of edgeops.cloudflare.zone_info: its logic runs in the controller's process on the controller, the module elsewhere.

See docs/in-process.md for when each path is taken.
"""

from __future__ import annotations

from ansible_collections.edgeops.cloudflare.plugins.modules import zone_info
from ansible_collections.edgeops.cloudflare.plugins.plugin_utils._in_process import InProcessAction


class ActionModule(InProcessAction):
    # No loop's view (LOOP_VIEW stays False): zone_info reads no mapping.
    MODULE = zone_info
    LOGIC = "read"
