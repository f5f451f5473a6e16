# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

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
      - Point it at the bundled emulator (C(tests/emulator/cloudflare_emulator.py)) to try playbooks offline.
    type: str
    default: https://api.cloudflare.com/client/v4
  validate_certs:
    description:
      - Verify the TLS certificate of the API endpoint. Only turn this off for a test endpoint.
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait for each answer of the API.
      - Rate limiting (HTTP 429, honouring C(Retry-After) up to 60 seconds a try), HTTP 500, 502,
        503, 504 and dropped connections are retried up to 5 times with exponential backoff, and
        for at most 180 seconds a request.
    type: float
    default: 30
  api_generation:
    description:
      - Which generation of the API to use.
      - V(v2) is the current C(/zones/{zone_id}/origin/cloud_regions) API.
      - V(v1) is the deprecated C(/zones/{zone_id}/cache/origin_cloud_regions) API, for accounts not moved yet.
        Both manage the same mappings.
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
      - Identifier of the zone.
      - Exactly one of O(zone_id) and O(zone) is required.
    type: str
  zone:
    description:
      - Name of the zone, for example V(example.com), looked up with C(GET /zones?name=).
      - Costs one more API request than O(zone_id). The task fails if no zone or several zones have this name.
      - Exactly one of O(zone_id) and O(zone) is required.
    type: str
    aliases: [zone_name]
'''
