"""Blobs in an S3 bucket, or any service speaking the S3 API: ``s3://bucket/prefix``.

Each blob is the object ``<prefix>/sha256/<hex>``. Whole or absent, never half: a blob up to
one part's size is one ``PutObject`` (atomic in S3), a larger one a multipart upload whose
object appears only when ``CompleteMultipartUpload`` is called, after every part is up and the
bytes sent have hashed to the digest; a failure aborts the upload, and a process killed
mid-upload leaves an incomplete upload that no listing or read ever shows (a bucket lifecycle
rule ``AbortIncompleteMultipartUpload`` reclaims its parts). Memory stays bounded whatever the
size: parts (8 MiB by default) are read from the file as botocore sends them, a chunk at a
time, and downloads stream in chunks into the local
:class:`~modelport.registry.blob_cache.BlobCache`, verified before serving ever reads them.

The client is boto3's low-level one (the ``s3`` extra; docs/architecture.md says why), which
reads the standard AWS settings: ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY`` or
``AWS_PROFILE`` and ``~/.aws/config``, ``AWS_REGION``, and ``AWS_ENDPOINT_URL`` for
S3-compatible services (MinIO, Ceph, moto). It is imported when the first request is made, not
with this module: a blob already in the cache is read without it, as by a process re-executed
in a model's environment, where only modelport's runtime dependencies are installed.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

from modelport.errors import ConfigError, InvalidInput, ModelportError, NotFound
from modelport.registry.atomic_files import CHUNK, Advance
from modelport.registry.blob_cache import BlobCache
from modelport.registry.blobs import BlobStore, Leftover, changed_since_built, check_source
from modelport.registry.refs import validate_digest
from modelport.registry.s3_errors import (
    client_error_code,
    missing_boto3,
    no_such_bucket,
    translated,
)
from modelport.registry.transfers import transfer

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import CompletedPartTypeDef

PART_SIZE = 8 * 1024 * 1024
"""Bytes per part of a multipart upload (S3 wants 5 MiB at least, but for the last)."""
PARTS_IN_FLIGHT = 4
"""Parts uploading at once (each read from the file as it is sent: no memory held for them)."""
_MAX_PARTS = 10_000  # S3's limit: larger blobs get larger parts
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.\-_]{0,254}", re.IGNORECASE)
_HEX = re.compile(r"[0-9a-f]{64}")


def parse_s3_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix`` as ``("bucket", "some/prefix/")`` (the prefix may be empty)."""
    bucket, _, prefix = uri.removeprefix("s3://").partition("/")
    if not uri.startswith("s3://") or not _BUCKET.fullmatch(bucket):
        raise ConfigError(
            f"blob store URI {uri!r} names no bucket",
            hint="write it as s3://BUCKET or s3://BUCKET/PREFIX",
            field="blobs_uri",
        )
    prefix = prefix.strip("/")
    return bucket, f"{prefix}/" if prefix else ""


def new_client() -> S3Client:
    """An S3 client from the standard AWS settings, with bounded timeouts and retries."""
    try:
        import boto3
        from botocore.config import Config
    except ModuleNotFoundError as exc:
        raise missing_boto3() from exc
    config = Config(
        connect_timeout=5, read_timeout=60, retries={"mode": "standard", "max_attempts": 3}
    )
    return boto3.session.Session().client("s3", config=config)


class S3BlobStore(BlobStore):
    """Blobs as objects ``<prefix>sha256/<hex>`` of an S3 bucket, read through a local cache."""

    def __init__(
        self,
        uri: str,
        *,
        cache: BlobCache,
        client: S3Client | None = None,
        part_size: int = PART_SIZE,
    ) -> None:
        self.bucket, self.prefix = parse_s3_uri(uri)
        self.uri = f"s3://{self.bucket}/{self.prefix}".rstrip("/")
        self.cache = cache
        self.part_size = part_size
        self._client = client
        self._bucket_checked = False

    @property
    def client(self) -> S3Client:
        """Made on first use: opening a registry costs no S3 round trip."""
        if self._client is None:
            with translated(self.uri, bucket=self.bucket, endpoint="the AWS settings' endpoint"):
                self._client = new_client()
        return self._client

    def key_for(self, digest: str) -> str:
        """The object key of the blob with ``digest``."""
        return f"{self.prefix}sha256/{validate_digest(digest).removeprefix('sha256:')}"

    # -- BlobStore --------------------------------------------------------------------------

    def exists(self, digest: str) -> bool:
        return self._stored_size(self.key_for(digest)) is not None

    def put(self, source: Path, *, digest: str) -> int:
        key = self.key_for(digest)
        check_source(source)
        size = source.stat().st_size
        if self._stored_size(key) == size:  # content-addressed: the same bytes are there
            return size
        with transfer(f"uploading {_short(digest)} to {self.uri}", size) as advance:
            if size <= self.part_size:
                self._put_whole(source, key, digest, advance)
            else:
                self._put_in_parts(source, key, digest, advance)
        return size

    def local_path(self, digest: str) -> Path:
        cached = self.cache.cached(digest)
        if cached is not None:
            return cached
        key = self.key_for(digest)
        size = self._stored_size(key)
        if size is None:
            raise NotFound(
                f"blob {digest} is missing from {self.uri}",
                hint="the bucket was changed by hand; register the artifact again",
            )
        with transfer(f"downloading {_short(digest)} from {self.uri}", size) as advance:
            return self.cache.fetch(
                digest, lambda: self._download(key), size=size, progress=advance, source=self.uri
            )

    def delete(self, digest: str) -> None:
        key = self.key_for(digest)
        self._check_bucket()
        with self._errors():
            self.client.delete_object(Bucket=self.bucket, Key=key)

    def digests(self) -> dict[str, int]:
        self._check_bucket()
        under = f"{self.prefix}sha256/"
        found: dict[str, int] = {}
        with self._errors():
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=under
            )
            for page in pages:
                for item in page.get("Contents", []):
                    name = item["Key"].removeprefix(under)
                    if _HEX.fullmatch(name):
                        found[f"sha256:{name}"] = item["Size"]
        return found

    def collect_leftovers(self, *, older_than: float, dry_run: bool = False) -> list[Leftover]:
        """Multipart uploads under this store's prefix begun ``older_than`` seconds ago or more
        and never completed (their writer was killed): aborted, so S3 stops keeping (and
        billing) their parts. An upload in progress is younger than any sensible bound."""
        self._check_bucket()
        under = f"{self.prefix}sha256/"
        oldest = datetime.now(UTC) - timedelta(seconds=older_than)
        found = []
        with self._errors():
            pages = self.client.get_paginator("list_multipart_uploads").paginate(
                Bucket=self.bucket, Prefix=under
            )
            for page in pages:
                for upload in page.get("Uploads", []):
                    if upload["Initiated"] <= oldest:
                        found.append((upload["Key"], upload["UploadId"]))
        leftovers = []
        for key, upload_id in found:
            size = self._parts_size(key, upload_id)
            if not dry_run:
                self._abort(key, upload_id)
            leftovers.append(Leftover(f"unfinished upload of s3://{self.bucket}/{key}", size))
        return leftovers

    def _parts_size(self, key: str, upload_id: str) -> int:
        """The bytes an unfinished upload's parts hold (0 where S3 will not say)."""
        total = 0
        with suppress(ModelportError), self._errors():
            pages = self.client.get_paginator("list_parts").paginate(
                Bucket=self.bucket, Key=key, UploadId=upload_id
            )
            for page in pages:
                total += sum(part["Size"] for part in page.get("Parts", []))
        return total

    # -- the transfers ----------------------------------------------------------------------

    def _put_whole(self, source: Path, key: str, digest: str, advance: Advance) -> None:
        size = source.stat().st_size
        with _FilePart(source, 0, size) as body, _unchanged(source):
            actual = f"sha256:{_sha256_of(body, hashlib.sha256()).hexdigest()}"
            if actual != digest:
                raise changed_since_built(source, actual, digest)
            with self._errors():
                self.client.put_object(Bucket=self.bucket, Key=key, Body=body.stream)
        advance(size)

    def _put_in_parts(self, source: Path, key: str, digest: str, advance: Advance) -> None:
        """A multipart upload, completed only when every part is up and the digest matches.

        Each part is hashed, in order, then sent from the file (``_FilePart``) by one of a few
        threads: no part is held in memory, several are on the way at once (a round trip per
        part would otherwise bound the speed), and the file is checked not to have changed."""
        size = source.stat().st_size
        part_size = max(self.part_size, -(-size // _MAX_PARTS))
        with self._errors():
            upload = self.client.create_multipart_upload(Bucket=self.bucket, Key=key)["UploadId"]
        try:
            hasher = hashlib.sha256()
            parts: list[CompletedPartTypeDef] = []
            sending: deque[tuple[int, Future[str]]] = deque()

            def sent() -> None:  # the oldest part on the way: wait for it, in order
                length, answer = sending.popleft()
                parts.append({"PartNumber": len(parts) + 1, "ETag": answer.result()})
                advance(length)

            with (
                ThreadPoolExecutor(PARTS_IN_FLIGHT, thread_name_prefix="s3-upload") as senders,
                _unchanged(source),
                self._errors(),
            ):
                for number, start in enumerate(range(0, size, part_size), start=1):
                    part = _FilePart(source, start, min(part_size, size - start))
                    _sha256_of(part, hasher)
                    answer = senders.submit(self._send, key, upload, number, part)
                    sending.append((len(part), answer))
                    if len(sending) == PARTS_IN_FLIGHT:
                        sent()
                while sending:
                    sent()
            actual = f"sha256:{hasher.hexdigest()}"
            if actual != digest:
                raise changed_since_built(source, actual, digest)
            with self._errors():
                self.client.complete_multipart_upload(
                    Bucket=self.bucket, Key=key, UploadId=upload, MultipartUpload={"Parts": parts}
                )
        except BaseException:
            self._abort(key, upload)
            raise

    def _send(self, key: str, upload: str, number: int, part: _FilePart) -> str:
        """Upload one part (in a sender thread; the client is thread-safe): its ETag."""
        with part:
            answer = self.client.upload_part(
                Bucket=self.bucket, Key=key, UploadId=upload, PartNumber=number, Body=part.stream
            )
        return answer["ETag"]

    def _abort(self, key: str, upload: str) -> None:
        """Give up an upload (best effort: a lifecycle rule reclaims what this cannot)."""
        with suppress(ModelportError), self._errors():
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload)

    def _download(self, key: str) -> Iterator[bytes]:
        with self._errors():
            body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
            try:
                yield from body.iter_chunks(CHUNK)
            finally:
                body.close()

    # -- what the bucket says ---------------------------------------------------------------

    def _stored_size(self, key: str) -> int | None:
        """The size of the object ``key``, or None when there is none."""
        self._check_bucket()
        try:
            with self._errors():
                head = self.client.head_object(Bucket=self.bucket, Key=key)
        except NotFound:
            return None
        return head["ContentLength"]

    def _check_bucket(self) -> None:
        """Say plainly that the bucket is missing, once, before anything else (a missing object
        and a missing bucket answer the same bodiless 404 to HEAD). A 403 here proves nothing:
        credentials allowed objects under a prefix only may not list the bucket, which HEAD
        needs, so the operations themselves say whether they are refused."""
        if self._bucket_checked:
            return
        try:
            with self._errors():
                self.client.head_bucket(Bucket=self.bucket)
        except ModelportError as error:
            code = client_error_code(error)
            if code in {"404", "NoSuchBucket"}:
                raise no_such_bucket(self.uri, self.bucket) from error.__cause__
            if code not in {"403", "AccessDenied"}:
                raise
        self._bucket_checked = True

    def _errors(self) -> AbstractContextManager[None]:
        return translated(self.uri, bucket=self.bucket, endpoint=self.client.meta.endpoint_url)


def _short(digest: str) -> str:
    return digest[:19]


class _FilePart(io.RawIOBase):
    """Bytes ``[start, start + size)`` of a file as a seekable stream of their own: what an
    upload sends, read from disk as it goes (botocore reads it for its checksum, seeks back,
    then sends it), so no part is held in memory whole and no large buffer is ever allocated,
    which would leave the allocator's heap fragmented and the process's memory high."""

    def __init__(self, path: Path, start: int, size: int) -> None:
        super().__init__()
        self._file = path.open("rb", buffering=0)
        self._start, self._size, self._at = start, size, 0

    def __len__(self) -> int:
        return self._size

    @property
    def stream(self) -> IO[bytes]:
        """This part as the file object a request body is typed as (it reads like one)."""
        return cast("IO[bytes]", self)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._at

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._at, io.SEEK_END: self._size}[whence]
        self._at = min(max(base + offset, 0), self._size)
        return self._at

    def readinto(self, buffer: Any) -> int:
        wanted = min(len(buffer), self._size - self._at)
        if wanted <= 0:
            return 0
        self._file.seek(self._start + self._at)
        got = self._file.readinto(memoryview(buffer)[:wanted]) or 0
        self._at += got
        return got

    def close(self) -> None:
        self._file.close()
        super().close()


def _sha256_of(part: _FilePart, hasher: Any) -> Any:
    """``hasher`` updated with the whole of ``part``, read a chunk at a time; ``part`` is left
    at its start, to be sent."""
    part.seek(0)
    while chunk := part.read(CHUNK):
        hasher.update(chunk)
    part.seek(0)
    return hasher


@contextmanager
def _unchanged(source: Path) -> Iterator[None]:
    """Refuse an upload whose file changed while it was read (what was hashed is then not
    surely what was sent)."""
    before = source.stat()
    yield
    after = source.stat()
    if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
        raise InvalidInput(
            f"artifact {source} changed while it was uploaded",
            hint="Leave it alone until the upload is done, or build it again.",
            field="artifact",
        )
