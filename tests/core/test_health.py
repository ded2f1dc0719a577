"""GET /api/health and /api/health/ready against the real database and broker."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from maxbooster.api.app import create_api
from maxbooster.services import jobs
from maxbooster.settings import get_settings
from tests.conftest import service_url


@pytest.fixture
def client(app_env: Path) -> TestClient:
    return TestClient(create_api())


def test_liveness(client: TestClient) -> None:
    assert client.get("/api/health").json() == {"status": "ok"}


def test_not_ready_without_worker(client: TestClient) -> None:
    reply = client.get("/api/health/ready")
    assert reply.status_code == 503
    body = reply.json()
    assert body["ready"] is False
    worker = body["checks"]["worker"]
    assert worker["ok"] is False and worker["error"] == "no worker has reported in yet"
    assert set(worker) == {"ok", "error", "ms"} and worker["ms"] >= 0
    assert body["checks"]["database"]["ok"] and body["checks"]["disk"]["ok"]


def test_ready_with_recent_heartbeat(client: TestClient, session: Session) -> None:
    jobs.beat(session=session, worker_id="w@test", hostname=socket.gethostname(), pid=os.getpid())
    reply = client.get("/api/health/ready")
    assert reply.status_code == 200, reply.json()
    assert set(reply.json()["checks"]) == {"database", "redis", "broker", "worker", "disk"}


def test_redis_checked_when_configured(client: TestClient, session: Session,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", service_url("MAXBOOSTER_TEST_REDIS_URL"))
    get_settings.cache_clear()
    jobs.beat(session=session, worker_id="w@test", hostname="h", pid=1)
    body = client.get("/api/health/ready").json()
    assert body["checks"]["redis"]["ok"] and body["checks"]["redis"]["configured"]
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens on port 1
    get_settings.cache_clear()
    reply = client.get("/api/health/ready")
    assert reply.status_code == 503 and not reply.json()["checks"]["redis"]["ok"]


def test_disk_threshold(client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    jobs.beat(session=session, worker_id="w@test", hostname="h", pid=1)
    monkeypatch.setenv("MIN_FREE_DISK_BYTES", str(10**18))
    get_settings.cache_clear()
    reply = client.get("/api/health/ready")
    assert reply.status_code == 503 and reply.json()["checks"]["disk"]["ok"] is False


def test_openapi_document_served(client: TestClient) -> None:
    doc = client.get("/api/openapi.json").json()
    assert doc["info"]["title"] == "Max Booster API" and "/api/health/ready" in doc["paths"]
