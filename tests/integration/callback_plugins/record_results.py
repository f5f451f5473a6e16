# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Test-only callback: append every task result, as Ansible shows it, to a JSON-lines file.

The integration tests read it to assert on changed/failed/diff per task without parsing
human output. The file is named by the RECORD_RESULTS_FILE environment variable.
"""

from __future__ import annotations

DOCUMENTATION = r'''
name: record_results
type: aggregate
short_description: Write task results to a JSON-lines file for the integration tests
description:
  - Appends one JSON object per task result to the file named by E(RECORD_RESULTS_FILE).
requirements:
  - enabled in ANSIBLE_CALLBACKS_ENABLED
'''

import json
import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "record_results"
    CALLBACK_NEEDS_ENABLED = True

    def _record(self, result, status):
        path = os.environ.get("RECORD_RESULTS_FILE")
        if not path:
            return
        # _clean_results drops internal keys and honours no_log, as the screen output does.
        data = dict(result._result)
        self._clean_results(data, result._task.action)
        entry = {"task": result._task.get_name(), "host": result._host.get_name(), "status": status, "result": data,
                 # Where a delegated task ran, as the default callback reads it ("web-1 -> localhost").
                 "delegate_to": result._task.delegate_to or None}
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, default=str) + "\n")

    def v2_runner_on_ok(self, result):
        self._record(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._record(result, "skipped")

    def v2_runner_item_on_ok(self, result):
        self._record(result, "item_ok")

    def v2_runner_item_on_failed(self, result):
        self._record(result, "item_failed")
