"""Bootstrap a tenant and seed a small German/English sample through the public API."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import httpx

SAMPLE = Path(__file__).parent / "data" / "demo.json"


async def bootstrap_tenant(url: str, *, name: str) -> dict[str, Any]:
    secret = os.environ.get("RESONANCE_GATEWAY_BOOTSTRAP_SECRET", "dev-only-insecure-secret")
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        response = await client.post(
            "/v1/tenants", json={"name": name}, headers={"Authorization": f"Bearer {secret}"}
        )
        response.raise_for_status()
        body = response.json()
    return {"tenant_id": body["tenant"]["id"], "api_key": body["api_key"]["key"]}


async def seed(url: str, api_key: str) -> dict[str, int]:
    """Customers first, then their messages from every channel."""
    sample = json.loads(SAMPLE.read_text())
    headers = {"Authorization": f"Bearer {api_key}"}
    counts = {"customers": 0, "interactions": 0}
    async with httpx.AsyncClient(base_url=url, timeout=60, headers=headers) as client:
        for customer in sample["customers"]:
            response = await client.post("/v1/customers", json=customer)
            if response.status_code in (201, 409):
                counts["customers"] += response.status_code == 201
            else:
                response.raise_for_status()
        for item in sample["interactions"]:
            response = await client.post("/v1/interactions", json=item)
            response.raise_for_status()
            counts["interactions"] += 1
    return counts
