"""An S3-compatible server on loopback for the object-storage tests: moto in server mode, in a
process of its own, and the site's environment for a bucket in it (DJANGO_MEDIA_STORAGE=s3)."""

import contextlib
import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import boto3

from .servers import REPO_ROOT, free_port

BUCKET = "calmhands-media"
REGION = "eu-west-2"
# moto takes any keys; these only have to be the same on both sides.
ACCESS_KEY = "test-access-key"
SECRET_KEY = "test-secret-key"


def public_renditions_policy(bucket: str) -> dict:
    """The bucket policy of docs/deployment.md's "Object storage": anyone may read renditions, and
    nothing else (original_images/ and documents/ stay private)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "PublicRenditions",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/images/*",
            }
        ],
    }


class MotoServer:
    """`moto_server` on 127.0.0.1 and a free port, in a process of its own."""

    def __init__(self, log_path: Path):
        self.endpoint = f"http://127.0.0.1:{free_port()}"
        self._log = log_path.open("a")
        self._process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", self.port],
            cwd=REPO_ROOT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    @property
    def port(self) -> str:
        return self.endpoint.rsplit(":", 1)[1]

    def wait_until_up(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self._process.poll() is not None:
                raise RuntimeError(f"moto_server exited with {self._process.returncode}")
            try:
                with urllib.request.urlopen(self.endpoint + "/moto-api/", timeout=2):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)
        self._log.close()


@contextlib.contextmanager
def moto_server(log_path: Path):
    """A started `MotoServer`, stopped at the end (if the test has not stopped it already)."""
    server = MotoServer(log_path)
    try:
        server.wait_until_up()
        yield server
    finally:
        server.stop()


def s3_client(endpoint: str):
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )


def create_media_bucket(endpoint: str) -> None:
    """The bucket as docs/deployment.md sets it up: private, with renditions readable by anyone."""
    client = s3_client(endpoint)
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    client.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(public_renditions_policy(BUCKET)))


def upload_folder(endpoint: str, folder: Path) -> int:
    """Every file under ``folder`` to the bucket under the same name, as moving an existing
    site's media there would (``aws s3 sync var/media/ s3://bucket/``)."""
    client = s3_client(endpoint)
    files = [path for path in folder.rglob("*") if path.is_file()]
    for path in files:
        client.upload_file(str(path), BUCKET, path.relative_to(folder).as_posix())
    return len(files)


def bucket_keys(endpoint: str) -> set[str]:
    pages = s3_client(endpoint).get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
    return {item["Key"] for page in pages for item in page.get("Contents", [])}


def s3_media_env(endpoint: str) -> dict[str, str]:
    """The site's variables for the bucket, as in deploy/practice.env.example. moto answers
    path-style addresses, so the public URL is the endpoint followed by the bucket."""
    return {
        "DJANGO_MEDIA_STORAGE": "s3",
        "DJANGO_MEDIA_S3_BUCKET": BUCKET,
        "DJANGO_MEDIA_S3_ENDPOINT_URL": endpoint,
        "DJANGO_MEDIA_S3_REGION": REGION,
        "DJANGO_MEDIA_S3_ACCESS_KEY_ID": ACCESS_KEY,
        "DJANGO_MEDIA_S3_SECRET_ACCESS_KEY": SECRET_KEY,
        "DJANGO_MEDIA_PUBLIC_URL": f"{endpoint}/{BUCKET}/",
    }
