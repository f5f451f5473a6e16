# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The official Python SDK (``cloudflare`` 5.9.0, v2 endpoints) talks to the emulator unchanged."""

from __future__ import annotations

import asyncio
import datetime
import random
import time

import pytest

cloudflare = pytest.importorskip("cloudflare")  # guard only: the project's test tooling installs cloudflare==5.9.0

from .loader import load_emulator  # noqa: E402 pylint: disable=wrong-import-position

ZONE = "023e105f4ecef8ad9ca31a8372d0c353"
ROUTE_LIST = "GET /zones/{zone_id}/origin/cloud_regions"


EMU = load_emulator()


def item(ip, vendor="aws", region="us-east-1"):
    """One v2 mapping body."""
    return {"origin_ip": ip, "vendor": vendor, "region": region}


@pytest.fixture(scope="module")
def server():
    """One emulator for the module."""
    emulator = EMU.Emulator()
    emulator.start()
    yield emulator
    emulator.stop()


@pytest.fixture
def emu(server):
    """The shared emulator, emptied, without faults or limits."""
    server.configure(rate_limit=None, max_mappings=3500, fail_rate=0.0, drop_rate=0.0, delay=0.0)
    server.reset()
    return server


@pytest.fixture
def regions(emu):
    """``client.cache.origin_cloud_regions`` of an SDK client pointed at the emulator, with retries off."""
    client = cloudflare.Cloudflare(api_token="test-token", base_url=emu.base_url, max_retries=0)
    yield client.cache.origin_cloud_regions
    client.close()


def test_sdk_version_is_the_pinned_one():
    assert cloudflare.__version__ == "5.9.0"


def test_update_get_delete(regions, emu):
    created = regions.update("2001:DB8::1", zone_id=ZONE, body_origin_ip="2001:db8::1", region="us-central1", vendor="gcp")
    assert (created.origin_ip, created.vendor, created.region) == ("2001:db8::1", "gcp", "us-central1")
    assert isinstance(created.modified_on, datetime.datetime)
    assert created.modified_on.utcoffset() == datetime.timedelta(0)
    fetched = regions.get("2001:db8::1", zone_id=ZONE)
    assert fetched.model_dump() == created.model_dump()
    deleted = regions.delete("2001:db8::1", zone_id=ZONE)
    assert deleted.origin_ip == "2001:db8::1"
    assert emu.mappings(ZONE) == []


def test_update_replaces(regions):
    regions.update("192.0.2.1", zone_id=ZONE, body_origin_ip="192.0.2.1", region="us-east-1", vendor="aws")
    replaced = regions.update("192.0.2.1", zone_id=ZONE, body_origin_ip="192.0.2.1", region="westeurope", vendor="azure")
    assert (replaced.vendor, replaced.region) == ("azure", "westeurope")


def test_ipv4_mapped_ipv6_through_the_sdk(regions):
    created = regions.update("::ffff:c000:201", zone_id=ZONE, body_origin_ip="::ffff:192.0.2.1", region="us-east-1", vendor="aws")
    assert created.origin_ip == "::ffff:192.0.2.1"
    assert regions.get("::ffff:192.0.2.1", zone_id=ZONE).origin_ip == "::ffff:192.0.2.1"


def test_list_auto_paginates_through_several_pages(regions, emu):
    ips = ["10.1.%d.%d" % (index // 200, index % 200 + 1) for index in range(250)]
    emu.seed_mappings(ZONE, [item(ip, "oci", "us-ashburn-1") for ip in ips])
    listed = [entry.origin_ip for entry in regions.list(zone_id=ZONE, per_page=100)]
    assert listed == ips
    # Pages 1-3 hold data; the paginator stops on the empty page 4 (decision 3).
    assert emu.stats()["by_route"][ROUTE_LIST] == 4


def test_list_first_page_object(regions, emu):
    emu.seed_mappings(ZONE, [item("192.0.2.%d" % index) for index in range(1, 31)])
    page = regions.list(zone_id=ZONE, per_page=20)
    assert len(page.result) == 20
    assert (page.result_info.page, page.result_info.per_page) == (1, 20)
    assert page.has_next_page()
    second = page.get_next_page()
    assert [entry.origin_ip for entry in second.result] == ["192.0.2.%d" % index for index in range(21, 31)]
    assert regions.list(zone_id=ZONE, page=5).result == []


def test_list_empty_zone(regions, emu):
    assert list(regions.list(zone_id=ZONE)) == []
    assert emu.stats()["by_route"][ROUTE_LIST] == 1


def test_bulk_update(regions, emu):
    result = regions.bulk_update(zone_id=ZONE, body=[item("192.0.2.1"), item("192.0.2.2", "gcp", "us-central1"), item("bad")])
    assert [(entry.origin_ip, entry.vendor, entry.region) for entry in result.succeeded] == [
        ("192.0.2.1", "aws", "us-east-1"), ("192.0.2.2", "gcp", "us-central1")]
    assert [(entry.origin_ip, entry.error) for entry in result.failed] == [("bad", "Invalid or missing origin IP address.")]
    assert len(emu.mappings(ZONE)) == 2


def test_bulk_delete_with_extra_body(regions, emu):
    emu.seed_mappings(ZONE, [item("192.0.2.1"), item("2001:db8::1", "azure", "eastus")])
    result = regions.bulk_delete(zone_id=ZONE, extra_body=["2001:db8::1", "192.0.2.9"])
    assert [(entry.origin_ip, entry.vendor, entry.region) for entry in result.succeeded] == [("2001:db8::1", "azure", "eastus")]
    assert [entry.origin_ip for entry in result.failed] == ["192.0.2.9"]
    assert [entry["origin_ip"] for entry in emu.mappings(ZONE)] == ["192.0.2.1"]


def test_bulk_delete_without_body_is_a_400(regions, emu):
    emu.seed_mappings(ZONE, [item("192.0.2.1")])
    with pytest.raises(cloudflare.BadRequestError) as caught:
        regions.bulk_delete(zone_id=ZONE)
    assert caught.value.status_code == 400
    assert caught.value.body["errors"][0]["code"] == 1149
    assert len(emu.mappings(ZONE)) == 1


def test_supported_regions(regions):
    result = regions.supported_regions(zone_id=ZONE)
    assert result.obtained_codes is True
    assert sorted(result.vendors) == ["aws", "azure", "gcp", "oci"]
    aws = {region.name: region.upper_tier_colos for region in result.vendors["aws"]}
    assert aws["us-east-1"] == ["IAD", "EWR"]


@pytest.mark.parametrize("call, error, status, code", [
    (lambda r: r.get("192.0.2.77", zone_id=ZONE), "NotFoundError", 404, 1142),
    (lambda r: r.delete("192.0.2.77", zone_id=ZONE), "NotFoundError", 404, 1142),
    (lambda r: r.update("192.0.2.1", zone_id=ZONE, body_origin_ip="192.0.2.2", region="us-east-1", vendor="aws"), "BadRequestError", 400, 1146),
    (lambda r: r.update("192.0.2.1", zone_id=ZONE, body_origin_ip="192.0.2.1", region="us-east-1", vendor="AWS"), "BadRequestError", 400, 1157),
    (lambda r: r.get("192.0.2.1", zone_id="ffffffffffffffffffffffffffffffff"), "NotFoundError", 404, 7003),
    (lambda r: r.bulk_update(zone_id=ZONE, body=[item("10.%d.0.1" % i) for i in range(101)]), "BadRequestError", 400, 1150),
])
def test_errors_map_to_sdk_exceptions(regions, call, error, status, code):
    with pytest.raises(getattr(cloudflare, error)) as caught:
        call(regions)
    assert caught.value.status_code == status
    assert caught.value.body["errors"][0]["code"] == code


def test_cap_is_permission_denied(regions, emu):
    emu.configure(max_mappings=1)
    emu.seed_mappings(ZONE, [item("192.0.2.1")])
    with pytest.raises(cloudflare.PermissionDeniedError) as caught:
        regions.update("192.0.2.2", zone_id=ZONE, body_origin_ip="192.0.2.2", region="us-east-1", vendor="aws")
    assert caught.value.body["errors"][0] == {"code": 1164, "message": "Maximum number of IP mappings configured for zone."}


def test_wrong_token_is_permission_denied(emu):
    client = cloudflare.Cloudflare(api_token="nope", base_url=emu.base_url, max_retries=0)
    with pytest.raises(cloudflare.PermissionDeniedError) as caught:
        client.cache.origin_cloud_regions.get("192.0.2.1", zone_id=ZONE)
    assert caught.value.body["errors"][0]["code"] == 10000
    client.close()


def test_key_pair_auth(emu):
    emulator = EMU.Emulator(api_email="ops@example.com", api_key="k" * 37)
    with emulator:
        client = cloudflare.Cloudflare(api_email="ops@example.com", api_key="k" * 37, base_url=emulator.base_url, max_retries=0)
        assert list(client.cache.origin_cloud_regions.list(zone_id=ZONE)) == []
        client.close()


def test_rate_limit_is_rate_limit_error_and_sdk_retry_honours_retry_after(emu):
    """A 429 + Retry-After: 1 (a fault rule, so no rate-limit window and no dependence on the machine's speed)
    is RateLimitError; with retries the SDK waits the Retry-After out each time, then succeeds."""
    rate_limited = {"action": "status", "status": 429, "retry_after": "1", "route": "list"}
    emu.add_faults([rate_limited])
    no_retry = cloudflare.Cloudflare(api_token="test-token", base_url=emu.base_url, max_retries=0)
    with pytest.raises(cloudflare.RateLimitError) as caught:
        no_retry.cache.origin_cloud_regions.list(zone_id=ZONE)
    assert caught.value.response.headers["Retry-After"] == "1"
    assert caught.value.body["errors"][0]["code"] == 971
    emu.add_faults([dict(rate_limited, times=2)])
    retrying = cloudflare.Cloudflare(api_token="test-token", base_url=emu.base_url, max_retries=2)
    started = time.perf_counter()
    assert retrying.cache.origin_cloud_regions.list(zone_id=ZONE).result == []
    # Two waits of Retry-After (1 s each); the SDK's own backoff would total at most 1.5 s.  A lower bound only.
    assert time.perf_counter() - started >= 1.9
    stats = emu.stats()
    assert (stats["faults"]["status"], stats["rate_limited"], stats["requests"]) == (3, 3, 4)
    no_retry.close()
    retrying.close()


def _seed_failing_once(fail_rate):
    """A seed whose first draw is a fault and second is not (so one SDK retry succeeds)."""
    for seed in range(1000):
        rng = random.Random(seed)
        if rng.random() < fail_rate <= rng.random():
            return seed
    raise AssertionError("no seed found")


def test_sdk_retries_an_injected_5xx(emu):
    emu.configure(fail_rate=0.5, seed=_seed_failing_once(0.5))
    client = cloudflare.Cloudflare(api_token="test-token", base_url=emu.base_url, max_retries=1)
    assert client.cache.origin_cloud_regions.list(zone_id=ZONE).result == []
    stats = emu.stats()
    assert stats["faults"]["500"] + stats["faults"]["503"] == 1
    assert stats["requests"] == 2
    client.close()


def test_async_client_paginates(emu):
    emu.seed_mappings(ZONE, [item("198.51.100.%d" % index) for index in range(1, 26)])

    async def collect():
        client = cloudflare.AsyncCloudflare(api_token="test-token", base_url=emu.base_url, max_retries=0)
        try:
            return [entry.origin_ip async for entry in client.cache.origin_cloud_regions.list(zone_id=ZONE, per_page=10)]
        finally:
            await client.close()

    assert asyncio.run(collect()) == ["198.51.100.%d" % index for index in range(1, 26)]
