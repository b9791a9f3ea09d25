"""Where uploaded documents and meeting packs are kept: one interface, two stores.

The local filesystem (under instance/ by default) suits one server; any S3-compatible store
(AWS, MinIO, a council's own) suits several, chosen by DOCUMENT_STORAGE=s3. The database holds
only the key, so moving stores is copying objects, not rewriting rows.
"""
from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

import boto3
from flask import current_app

_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,299}", re.ASCII)


class Storage(Protocol):
    def put(self, key: str, content: bytes, media_type: str) -> None: ...
    def get(self, key: str) -> bytes: ...
    def delete(self, key: str) -> None: ...


def _checked(key: str) -> str:
    # Keys are made by us from ids, never from a file's name; this refuses anything else
    # (".." or an absolute path) in case that ever changes.
    if not _KEY.fullmatch(key) or ".." in key:
        raise ValueError(f"not a storage key: {key!r}")
    return key


class LocalStorage:
    def __init__(self, root: str | Path):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / _checked(key)

    def put(self, key: str, content: bytes, media_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside then renamed, so a reader never sees half a file.
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.replace(temporary, path)

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


class S3Storage:
    def __init__(self, bucket: str, endpoint_url: str | None = None, region: str | None = None,
                 prefix: str = ""):
        self.bucket, self.prefix = bucket, prefix
        # Credentials come from boto3's usual chain (environment, instance role), never config.
        self.client = boto3.client("s3", endpoint_url=endpoint_url, region_name=region)

    def put(self, key: str, content: bytes, media_type: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self.prefix + _checked(key), Body=content,
                               ContentType=media_type, ServerSideEncryption="AES256")

    def get(self, key: str) -> bytes:
        answer = self.client.get_object(Bucket=self.bucket, Key=self.prefix + _checked(key))
        return answer["Body"].read()

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.prefix + _checked(key))


def from_config(config) -> Storage:
    if config.get("DOCUMENT_STORAGE") == "s3":
        return S3Storage(config["S3_BUCKET"], config.get("S3_ENDPOINT_URL"),
                         config.get("S3_REGION"), config.get("S3_PREFIX", ""))
    return LocalStorage(config["DOCUMENT_DIR"])


def store() -> Storage:
    """The app's store, made once per app."""
    found = current_app.extensions.get("panelflow_storage")
    if found is None:
        found = current_app.extensions["panelflow_storage"] = from_config(current_app.config)
    return found
