# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from .harness import EmulatorProcess


@pytest.fixture(scope="module")
def emulator_process():
    """One emulator process per test module, started like a user would."""
    emulator = EmulatorProcess("--zone", "example.com=023e105f4ecef8ad9ca31a8372d0c353",
                               "--zone", "example.net=0bd1a5a0b3b8c4d5e6f708192a3b4c5d",
                               "--api-email", "ops@example.com", "--api-key", "global-key-123").start()
    yield emulator
    emulator.stop()


@pytest.fixture
def emulator(emulator_process):
    """The shared emulator, emptied before each test."""
    emulator_process.reset()
    return emulator_process
