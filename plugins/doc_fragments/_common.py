# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This doc fragment is PRIVATE to the collection: it can change at any time.
# Do not use it from other collections or standalone plugins and modules.

from __future__ import annotations


class ModuleDocFragment:
    """Options shared by every module: credentials, endpoint, API generation (and the zone)."""

    DOCUMENTATION = r'''
options:
  api_token:
    description:
      - "Cloudflare API token, sent as C(Authorization: Bearer)."
      - If not set, the value of the E(CLOUDFLARE_API_TOKEN) environment variable is used.
      - Give either O(api_token), or O(api_email) together with O(api_key). Options given to the
        task take precedence over the environment.
    type: str
  api_email:
    description:
      - E-mail address of the Cloudflare account, for the legacy global API key scheme (C(X-Auth-Email)).
      - If not set, the value of the E(CLOUDFLARE_EMAIL) environment variable is used.
      - Requires O(api_key).
    type: str
  api_key:
    description:
      - Global API key of the Cloudflare account (C(X-Auth-Key)).
      - If not set, the value of the E(CLOUDFLARE_API_KEY) environment variable is used.
      - Requires O(api_email).
    type: str
  api_base_url:
    description:
      - Base URL of the Cloudflare API, up to and including C(/client/v4).
      - If not set, the value of the E(CLOUDFLARE_API_BASE_URL) environment variable is used, and
        if that is not set either, V(https://api.cloudflare.com/client/v4).
      - Point it at the bundled emulator (C(extras/emulator/cloudflare_emulator.py)) to try playbooks offline.
    type: str
    default: https://api.cloudflare.com/client/v4
  validate_certs:
    description:
      - Verify the TLS certificate of the API endpoint. Only turn this off for a test endpoint.
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait for each answer of the API; must be greater than 0.
      - Rate limiting (HTTP 429 or Cloudflare error codes 971 and 10100, honouring C(Retry-After) up
        to 60 seconds a try; a C(Retry-After) that is not a number of seconds or an HTTP date falls back
        to backoff), HTTP 500, 502, 503, 504, dropped connections and timeouts are retried up to 5 times
        a request with exponential backoff, within O(max_retry_wait).
      - A write whose answer is lost (a dropped connection or a timeout after Cloudflare applied it) is
        retried; writes are idempotent, and the modules check the result rather than trust a lost answer.
    type: float
    default: 30
  max_retry_wait:
    description:
      - The most seconds one task spends waiting between retries, summed over all its requests.
      - When the next wait would go past it, the task stops retrying and fails with the last answer
        (for example Cloudflare's rate-limit error), reporting what it had already applied.
      - V(0) allows no waiting, so only retries that need none happen (the first retry after a dropped
        connection or a server error is immediate).
    type: float
    default: 180
  api_generation:
    description:
      - Which generation of the API to use.
      - V(v2) is the current C(/zones/{zone_id}/origin/cloud_regions) API.
      - V(v1) is the deprecated C(/zones/{zone_id}/cache/origin_cloud_regions) API, for accounts not moved yet.
        Both manage the same mappings. Cloudflare ended the life of V(v1) on 2026-10-01. A task that uses it
        warns, and it works only as long as the account still answers it.
    type: str
    choices: [v2, v1]
    default: v2
notes:
  - "The modules talk to the API from the host they run on. Run them on the controller
    (C(delegate_to: localhost) or C(connection: local)); environment variables are read there too."
requirements:
  - requests
'''

    ZONE = r'''
options:
  zone_id:
    description:
      - Identifier of the zone, 32 hexadecimal digits.
      - Exactly one of O(zone_id) and O(zone) is required.
    type: str
  zone:
    description:
      - Name of the zone, for example V(example.com), looked up with C(GET /zones?name=).
        The name is matched without regard to case, and a trailing dot is ignored.
      - Costs one more API request than O(zone_id). The task fails if no zone or several zones have this name.
      - Exactly one of O(zone_id) and O(zone) is required.
    type: str
    aliases: [zone_name]
'''
