"""A real S3-protocol server for tests: moto's ThreadedMotoServer on 127.0.0.1, in a child process.

The child process keeps the server's memory (moto holds every object, and assembles multipart
uploads in RAM) out of the test process, so memory checks measure our code only. boto3 talks
HTTP to it exactly as to AWS, MinIO or R2; nothing of ours is patched.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

ACCESS_KEY = "test-access-key"
SECRET_KEY = "test-secret-key"
REGION = "us-east-1"

_SERVER = """
import sys
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
sys.stdin.read()  # runs until the test process closes our stdin (or dies)
server.stop()
"""


@pytest.fixture(scope="session")
def moto_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`http://127.0.0.1:<port>` of a moto S3 server started for this test run."""
    log = tmp_path_factory.mktemp("moto") / "server.log"
    with open(log, "wb") as err:
        proc = subprocess.Popen([sys.executable, "-c", _SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=err)
    assert proc.stdout is not None and proc.stdin is not None
    line = proc.stdout.readline().decode().strip()
    if not line.isdigit():
        proc.kill()
        pytest.fail(f"moto S3 server did not start: {log.read_text()[-2000:]}")
    yield f"http://127.0.0.1:{line}"
    proc.stdin.close()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def s3_client(endpoint: str) -> Any:
    """A plain boto3 client on the test server (to look at what our code stored)."""
    import boto3

    return boto3.client("s3", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=ACCESS_KEY,
                        aws_secret_access_key=SECRET_KEY)


S3_VARIABLES = ("S3_ENDPOINT_URL", "S3_BUCKET", "S3_REGION", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "S3_PREFIX",
                "S3_ADDRESSING_STYLE")


def use_new_bucket(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Create a fresh bucket on the test server and point Settings at it (S3_* variables)."""
    from maxbooster.settings import get_settings

    bucket = f"mb-test-{uuid.uuid4().hex[:12]}"
    s3_client(endpoint).create_bucket(Bucket=bucket)
    for name, value in zip(S3_VARIABLES, (endpoint, bucket, REGION, ACCESS_KEY, SECRET_KEY, "app", "path"),
                           strict=True):
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    return bucket


@pytest.fixture
def s3_bucket(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh bucket on the test server, and Settings pointed at it (keys under S3_PREFIX 'app/')."""
    from maxbooster.settings import get_settings

    yield use_new_bucket(moto_endpoint, monkeypatch)
    get_settings.cache_clear()


@pytest.fixture(params=["local", "s3"])
def storage_backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Run a test once on the local folder and once on an S3 bucket; yields 'local' or 's3'."""
    from maxbooster.settings import get_settings

    for name in S3_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    if request.param == "s3":
        request.getfixturevalue("s3_bucket")
    yield str(request.param)
    get_settings.cache_clear()


def bucket_keys(endpoint: str, bucket: str) -> list[str]:
    """Every key in the bucket (with the S3_PREFIX our code adds)."""
    reply = s3_client(endpoint).list_objects_v2(Bucket=bucket)
    return sorted(item["Key"] for item in reply.get("Contents", []))


def open_uploads(endpoint: str, bucket: str) -> list[str]:
    """Keys of multipart uploads that were started and neither completed nor aborted."""
    reply = s3_client(endpoint).list_multipart_uploads(Bucket=bucket)
    return [u["Key"] for u in reply.get("Uploads", [])]
