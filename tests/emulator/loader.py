# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The emulator module, imported by file path for the emulator's tests (one copy per session)."""

from __future__ import annotations

import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# The emulator is shipped with the collection in extras/emulator/ (docs/emulator.md); its tests stay here.
EMULATOR_DIR = os.path.normpath(os.path.join(HERE, "..", "..", "extras", "emulator"))
EMULATOR_PATH = os.path.join(EMULATOR_DIR, "cloudflare_emulator.py")


def load_emulator():
    """Import the emulator by file path (works whatever the rootdir/package layout is)."""
    if "cloudflare_emulator" in sys.modules:
        return sys.modules["cloudflare_emulator"]
    spec = importlib.util.spec_from_file_location("cloudflare_emulator", EMULATOR_PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules["cloudflare_emulator"] = module
    spec.loader.exec_module(module)
    return module
