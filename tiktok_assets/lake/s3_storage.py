"""The lake on an S3-compatible object store (AWS S3, or any endpoint that speaks its API: moto, MinIO, Ceph…).

fsspec's ``s3fs``, not pyarrow's ``S3FileSystem``: a partition is read with several ranged GETs (size, footer,
column chunks), and a writer may replace the object between two of them. s3fs pins the version it opened
(``If-Match: <ETag>`` on every range) and fails with ``FileExpired`` when the object changed, so a read is of
one version or fails and is redone (``reader.py``). pyarrow's S3 file sends plain ranges and returned a torn
mix of two versions in ``tests/cluster/test_s3_storage.py`` (readers racing a rewriter), which the local
disk never does (an open file keeps its inode). The price: aiobotocore's botocore pin (boto3 follows it).

Atomicity: a partition is one object. ``publish`` uploads the finished local file under its final key; S3 makes
an object visible only once its upload completes (one ``PUT``, or ``CompleteMultipartUpload`` for big files),
and an overwrite swaps the whole object, so a listing or a new read sees the old partition or the new one,
never half. A writer killed mid-upload leaves at most an *incomplete multipart upload*: invisible to every
listing and read, but billed until aborted, so production buckets want a lifecycle rule
``AbortIncompleteMultipartUpload`` (README, "Running on a cluster").

Location and credentials come from the environment, never from configuration values: the endpoint from
``AWS_ENDPOINT_URL_S3`` / ``AWS_ENDPOINT_URL`` (unset: AWS), the region from ``AWS_REGION`` /
``AWS_DEFAULT_REGION``, and credentials from botocore's default chain (``AWS_ACCESS_KEY_ID``/
``AWS_SECRET_ACCESS_KEY``/``AWS_SESSION_TOKEN``, ``~/.aws``, instance or pod roles). Nothing here holds or
prints a key: the ``repr`` is the bucket URL.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import IO

import s3fs
from s3fs.utils import FileExpired

from tiktok_assets import settings
from tiktok_assets.lake.storage import PartitionReplacedError, sweep_old_files

DEFAULT_REGION = "us-east-1"


def endpoint_url() -> str | None:
    """The S3 endpoint (``http://127.0.0.1:9000``), or None for AWS itself. The SDK-standard variables, so
    the AWS CLI, boto3 and this code agree."""
    return os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or None


def region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION


@dataclass(frozen=True)
class S3Location:
    bucket: str
    prefix: str  # no leading or trailing slash; may be empty

    @classmethod
    def parse(cls, url: str) -> S3Location:
        if not url.startswith("s3://"):
            raise ValueError(f"not an s3:// URL: {url!r}")
        bucket, _, prefix = url.removeprefix("s3://").partition("/")
        if not bucket:
            raise ValueError(f"an s3:// lake URL needs a bucket: {url!r}")
        return cls(bucket, prefix.strip("/"))

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"


@lru_cache(maxsize=8)
def _filesystem(endpoint: str | None, region_name: str) -> s3fs.S3FileSystem:
    # One client (and connection pool) per process and endpoint. Credentials are not arguments: botocore's
    # chain reads them, so they never pass through this module.
    return s3fs.S3FileSystem(
        endpoint_url=endpoint,
        client_kwargs={"region_name": region_name},
        # Other processes write the lake: a cached listing would hide their partitions.
        use_listings_cache=False,
        skip_instance_cache=True,
    )


class _OneVersion:
    """A read handle that turns s3fs's "the object changed under me" into the lake's own error."""

    def __init__(self, handle: IO[bytes]) -> None:
        self._handle = handle

    def read(self, size: int = -1) -> bytes:
        try:
            return self._handle.read(size)
        except FileExpired as exc:
            raise PartitionReplacedError(str(exc)) from None

    def __getattr__(self, name: str) -> object:  # seek, tell, size, close, closed, …
        return getattr(self._handle, name)


class S3Storage:
    """``LakeStorage`` on ``s3://bucket/prefix``. Writers stream to a local scratch folder (Parquet needs a
    seekable file to write its footer), then ``publish`` uploads the whole file as one object."""

    def __init__(self, url: str, *, scratch: Path | None = None) -> None:
        self.location = S3Location.parse(url)
        # Local, per machine: a worker streams its partitions here before the upload.
        self._scratch = scratch or settings.data_dir() / ".lake-scratch"
        self.fs = _filesystem(endpoint_url(), region())

    def __repr__(self) -> str:
        return f"S3Storage({self.location.url!r})"

    def _path(self, key: str) -> str:
        """s3fs's path of a key: ``bucket/prefix/key``."""
        parts = [self.location.bucket, self.location.prefix, key.strip("/")]
        return "/".join(p for p in parts if p)

    def uri(self, key: str) -> str:
        return f"{self.location.url}/{key}"

    def exists(self, key: str) -> bool:
        return self.fs.isfile(self._path(key))

    def list(self, prefix: str, filename: str) -> list[str]:
        base = self._path("") + "/"
        # One flat, paged listing of the prefix (no delimiter walk per "directory").
        return sorted(
            path.removeprefix(base)
            for path in self.fs.find(self._path(prefix))
            if path.rsplit("/", 1)[-1] == filename
        )

    def open(self, key: str) -> _OneVersion:
        """A random-access handle on the version current at open: pyarrow reads only the footer and the
        columns it needs; a concurrent replacement raises ``PartitionReplacedError`` (never a torn read)."""
        try:
            return _OneVersion(self.fs.open(self._path(key), "rb"))
        except FileExpired as exc:
            raise PartitionReplacedError(str(exc)) from None

    def publish(self, local_file: Path, key: str) -> None:
        try:
            self.fs.put_file(str(local_file), self._path(key))
        finally:
            local_file.unlink(missing_ok=True)

    def delete(self, key: str, *, prune_to: str | None = None) -> None:
        # prune_to: nothing to do, an object store has no folders.
        # One request: S3 deletes an absent key as done, as a local disk's unlink(missing_ok) does.
        with contextlib.suppress(FileNotFoundError):
            self.fs.rm_file(self._path(key))

    def fingerprint(self, key: str) -> str | None:
        """The object's ETag and size, asked afresh (None: absent)."""
        try:
            info = self.fs.info(self._path(key), refresh=True)
        except FileNotFoundError:
            return None
        return f"{info.get('ETag')}:{info.get('size')}"

    def scratch_dir(self) -> Path:
        return self._scratch

    def sweep_scratch(self, max_age_seconds: float = 24 * 3600) -> int:
        return sweep_old_files(self.scratch_dir(), max_age_seconds)
