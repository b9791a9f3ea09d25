"""Documents in an S3-compatible store, tested against moto's standalone server: a real HTTP
S3 endpoint in its own process (the true edge: boto3 signs, sends and parses real requests),
not moto's in-process mock of boto3."""
from __future__ import annotations

import socket
import subprocess
import sys
import time

import boto3
import pytest

from app.services import storage
from tests.documents import samples
from tests.documents.samples import upload

BUCKET = "panelflow-documents"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1",
                               "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("moto's S3 server did not start") from None
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def s3(app, s3_endpoint, monkeypatch):
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                        ("AWS_DEFAULT_REGION", "eu-west-2")):
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="eu-west-2")
    if BUCKET not in [b["Name"] for b in client.list_buckets()["Buckets"]]:
        client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={
            "LocationConstraint": "eu-west-2"})
    store = storage.from_config({"DOCUMENT_STORAGE": "s3", "S3_BUCKET": BUCKET,
                                 "S3_ENDPOINT_URL": s3_endpoint, "S3_REGION": "eu-west-2",
                                 "S3_PREFIX": "council/"})
    before = app.extensions.pop("panelflow_storage", None)
    app.extensions["panelflow_storage"] = store
    yield client
    app.extensions.pop("panelflow_storage")
    if before is not None:
        app.extensions["panelflow_storage"] = before


def test_the_store_keeps_reads_and_deletes(s3, app):
    with app.app_context():
        store = storage.store()
        store.put("documents/x/1", b"%PDF-1.4 bytes", "application/pdf")
        assert store.get("documents/x/1") == b"%PDF-1.4 bytes"
        head = s3.head_object(Bucket=BUCKET, Key="council/documents/x/1")
        assert head["ContentType"] == "application/pdf"
        store.delete("documents/x/1")
        with pytest.raises(s3.exceptions.NoSuchKey):
            s3.get_object(Bucket=BUCKET, Key="council/documents/x/1")
        with pytest.raises(ValueError):
            store.put("../escape", b"", "application/pdf")


def test_an_upload_goes_to_the_bucket_and_comes_back(s3, marp, as_user):
    worker = as_user("social_worker")
    content = samples.pdf("In the bucket")
    kept = upload(worker, marp["id"], content).json
    stored = s3.get_object(Bucket=BUCKET, Key=f"council/documents/{marp['id']}/{kept['id']}")
    assert stored["Body"].read() == content
    assert worker.get(f"/api/v1/documents/{kept['id']}").data == content
