"""The S3 protocol for file storage: one bucket (AWS S3, MinIO, Cloudflare R2, Backblaze B2, …).

Only the calls storage needs, on keys under an optional prefix. boto3 is imported when the first
call is made, so importing this module connects to nothing. Failures come out as two exceptions:
`ObjectMissing` (no such key) and `S3Unavailable` (anything else the service or network said).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, BinaryIO, cast
from urllib.parse import urlsplit

from maxbooster.settings import Settings

# At most 1,000 keys per DeleteObjects call (S3's limit).
DELETE_BATCH = 1000


class ObjectMissing(FileNotFoundError):
    """The bucket has no object under that key."""


class S3Unavailable(OSError):
    """The S3 service refused or did not answer (message says what it said)."""


@dataclass(frozen=True)
class S3Config:
    endpoint_url: str
    bucket: str
    region: str
    access_key_id: str = ""
    secret_access_key: str = ""
    prefix: str = ""  # '' or 'folder/'
    addressing_style: str = "path"  # path | virtual

    @classmethod
    def from_settings(cls, s: Settings) -> S3Config:
        return cls(endpoint_url=s.s3_endpoint_url, bucket=s.s3_bucket, region=s.s3_region,
                   access_key_id=s.s3_access_key_id, secret_access_key=s.s3_secret_access_key,
                   prefix=s.s3_prefix, addressing_style=s.s3_addressing_style)

    @property
    def public_origin(self) -> str:
        """The origin of presigned URLs (a browser is redirected there, so the CSP must allow it)."""
        parts = urlsplit(self.endpoint_url)
        host = f"{self.bucket}.{parts.netloc}" if self.addressing_style == "virtual" else parts.netloc
        return f"{parts.scheme}://{host}"


def _is_missing(exc: Exception) -> bool:
    response = getattr(exc, "response", None) or {}
    code = str(response.get("Error", {}).get("Code", ""))
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return code in {"NoSuchKey", "404", "NotFound"} or status == 404


@contextmanager
def _calls(key: str = "") -> Iterator[None]:
    """Turn botocore's errors into ObjectMissing / S3Unavailable."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except ClientError as exc:
        if _is_missing(exc):
            raise ObjectMissing(key) from exc
        raise S3Unavailable(f"S3 refused the request: {exc}") from exc
    except BotoCoreError as exc:
        raise S3Unavailable(f"S3 did not answer: {exc}") from exc


class MultipartUpload:
    """One multipart upload in progress: add parts in order, then complete or abort."""

    def __init__(self, bucket: S3Bucket, name: str, upload_id: str) -> None:
        self.bucket, self.name, self.upload_id = bucket, name, upload_id
        self.parts: list[dict[str, Any]] = []

    def add_part(self, data: bytes | bytearray) -> None:
        number = len(self.parts) + 1
        with _calls(self.name):
            reply = self.bucket.client.upload_part(Bucket=self.bucket.config.bucket, Key=self.name,
                                                   UploadId=self.upload_id, PartNumber=number, Body=data)
        self.parts.append({"PartNumber": number, "ETag": reply["ETag"]})

    def complete(self) -> None:
        with _calls(self.name):
            self.bucket.client.complete_multipart_upload(
                Bucket=self.bucket.config.bucket, Key=self.name, UploadId=self.upload_id,
                MultipartUpload={"Parts": self.parts})

    def abort(self) -> None:
        """Drop the uploaded parts (best effort: a bucket lifecycle rule catches what this misses)."""
        try:
            with _calls(self.name):
                self.bucket.client.abort_multipart_upload(Bucket=self.bucket.config.bucket, Key=self.name,
                                                          UploadId=self.upload_id)
        except (ObjectMissing, S3Unavailable):
            pass


class S3Bucket:
    """One bucket of an S3-compatible service; `key`s here are ours, the prefix is added inside."""

    def __init__(self, config: S3Config) -> None:
        self.config = config
        self._client: Any = None
        self._lock = threading.Lock()

    @property
    def client(self) -> Any:
        """A boto3 S3 client (thread-safe), made on first use."""
        with self._lock:
            if self._client is None:
                self._client = self._make_client()
            return self._client

    def _make_client(self) -> Any:
        import boto3
        from botocore.config import Config

        c = self.config
        config = Config(
            signature_version="s3v4", s3={"addressing_style": c.addressing_style},
            retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=10, read_timeout=60,
            # R2, B2 and older MinIO reject the newer default checksum headers
            request_checksum_calculation="when_required", response_checksum_validation="when_required",
        )
        credentials = {"aws_access_key_id": c.access_key_id, "aws_secret_access_key": c.secret_access_key} \
            if c.access_key_id else {}
        return boto3.session.Session().client("s3", endpoint_url=c.endpoint_url, region_name=c.region,
                                              config=config, **credentials)

    def name(self, key: str) -> str:
        return self.config.prefix + key

    def put(self, key: str, data: bytes | bytearray) -> None:
        with _calls(key):
            self.client.put_object(Bucket=self.config.bucket, Key=self.name(key), Body=data)

    def start_multipart(self, key: str) -> MultipartUpload:
        with _calls(key):
            reply = self.client.create_multipart_upload(Bucket=self.config.bucket, Key=self.name(key))
        return MultipartUpload(self, self.name(key), reply["UploadId"])

    def get(self, key: str) -> BinaryIO:
        """The object's bytes as a stream (read it in chunks, then close it)."""
        with _calls(key):
            reply = self.client.get_object(Bucket=self.config.bucket, Key=self.name(key))
        return cast(BinaryIO, reply["Body"])

    def size(self, key: str) -> int:
        with _calls(key):
            reply = self.client.head_object(Bucket=self.config.bucket, Key=self.name(key))
        return int(reply["ContentLength"])

    def delete(self, key: str) -> None:
        with _calls(key):
            self.client.delete_object(Bucket=self.config.bucket, Key=self.name(key))

    def delete_prefix(self, prefix: str) -> int:
        """Delete every object whose key starts with `prefix`; returns how many."""
        deleted = 0
        with _calls(prefix):
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.config.bucket, Prefix=self.name(prefix), PaginationConfig={"PageSize": DELETE_BATCH})
            for page in pages:
                objects = [{"Key": item["Key"]} for item in page.get("Contents", [])]
                if not objects:
                    continue
                reply = self.client.delete_objects(Bucket=self.config.bucket,
                                                   Delete={"Objects": objects, "Quiet": True})
                if reply.get("Errors"):
                    first = reply["Errors"][0]
                    raise S3Unavailable(f"S3 did not delete {first.get('Key')}: {first.get('Message')}")
                deleted += len(objects)
        return deleted

    def presign_get(self, key: str, *, expires_s: int, response_headers: dict[str, str]) -> str:
        """A GET URL valid for `expires_s` seconds; `response_headers` are S3's Response* overrides."""
        with _calls(key):
            return cast(str, self.client.generate_presigned_url(
                "get_object", Params={"Bucket": self.config.bucket, "Key": self.name(key), **response_headers},
                ExpiresIn=expires_s))
