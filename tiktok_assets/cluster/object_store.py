"""A local S3 API: moto's server on a free loopback port, with one bucket, for the lake on an object store.

moto is an S3 *API*, not a storage product: it keeps objects in memory, in this process (a thread). It is the
stand-in here because MinIO and friends are not installable on this machine; production points
``AWS_ENDPOINT_URL_S3`` at a real endpoint, or leaves it unset for AWS.
"""

from __future__ import annotations

import logging
import secrets

from tiktok_assets.cluster.services import ServiceUnavailableError

REGION = "us-east-1"


class ObjectStore:
    """``start()`` → endpoint URL; ``credentials`` are random per start (a secret to look for in logs)."""

    def __init__(self, bucket: str = "") -> None:
        try:
            from moto.server import ThreadedMotoServer
        except ImportError as exc:
            raise ServiceUnavailableError("moto's S3 server is missing: pip install 'moto[server]'") from exc
        # moto keeps every server's buckets in one process-wide store: a bucket of its own per store, so a
        # second cluster in the same process (the tests) never sees the first one's objects.
        self.bucket = bucket or f"tiktok-lake-{secrets.token_hex(4)}"
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.credentials = {
            "AWS_ACCESS_KEY_ID": "AKIA" + secrets.token_hex(8).upper(),
            "AWS_SECRET_ACCESS_KEY": secrets.token_urlsafe(30),
        }
        self.endpoint = ""

    def start(self) -> ObjectStore:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        self.client().create_bucket(Bucket=self.bucket)
        return self

    @property
    def env(self) -> dict[str, str]:
        """What every process touching the lake needs (AWS SDK variable names)."""
        return {**self.credentials, "AWS_ENDPOINT_URL_S3": self.endpoint, "AWS_REGION": REGION}

    def client(self):  # noqa: ANN201 - boto3 clients are dynamically typed
        import boto3

        return boto3.client(
            "s3", endpoint_url=self.endpoint, region_name=REGION,
            aws_access_key_id=self.credentials["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=self.credentials["AWS_SECRET_ACCESS_KEY"],
        )  # fmt: skip

    def keys(self, prefix: str = "") -> dict[str, int]:
        """Every object key under ``prefix`` with its size (a listing, as a reader of the bucket sees it)."""
        out: dict[str, int] = {}
        for page in (
            self.client().get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        ):
            out.update({o["Key"]: o["Size"] for o in page.get("Contents", [])})
        return out

    def stop(self) -> None:
        self._server.stop()
