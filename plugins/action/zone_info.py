# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action of edgeops.cloudflare.zone_info (reads the zones the credentials can see).

On the controller the module's own logic runs in this process; anywhere else, with async
or when switched off, the module runs as a module. See docs/in-process.md.
"""

from __future__ import annotations

from ansible_collections.edgeops.cloudflare.plugins.modules import zone_info
from ansible_collections.edgeops.cloudflare.plugins.plugin_utils._in_process import InProcessAction


class ActionModule(InProcessAction):
    MODULE = zone_info
    LOGIC = "read"
    LOOP_VIEW = False
