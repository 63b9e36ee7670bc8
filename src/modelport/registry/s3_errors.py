"""What S3 says, as modelport errors: one line naming the blob store's URI and what to do.

botocore reports a missing bucket, refused credentials and an endpoint that does not answer
each in its own way (an error code in a response, an exception of its own, a connection error
after its retries); :func:`translated` is the one place they become the errors the CLI prints
and the HTTP layer maps: ``NotFound``, ``Unauthorised``, ``Unreachable`` or ``ConfigError``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from modelport.errors import (
    ConfigError,
    MissingDependency,
    ModelportError,
    NotFound,
    Unauthorised,
    Unreachable,
)

if TYPE_CHECKING:
    from botocore.exceptions import ClientError

_SETTING = "blobs_uri"
_CREDENTIALS_HINT = (
    "check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) and that they may read "
    "and write the bucket"
)
_REFUSED = {
    "403",
    "AccessDenied",
    "AllAccessDisabled",
    "ExpiredToken",
    "InvalidAccessKeyId",
    "InvalidToken",
    "SignatureDoesNotMatch",
    "TokenRefreshRequired",
}
_UNAVAILABLE = {"InternalError", "ServiceUnavailable", "SlowDown", "RequestTimeout"}


@contextlib.contextmanager
def translated(uri: str, *, bucket: str, endpoint: str) -> Iterator[None]:
    """Within the block, botocore's errors become modelport errors naming ``uri``."""
    try:
        from botocore import exceptions as boto  # imported with the client it reports for
    except ModuleNotFoundError as exc:
        raise missing_boto3() from exc
    try:
        yield
    except boto.ClientError as exc:
        raise _client_error(exc, uri, bucket) from exc
    except boto.NoCredentialsError as exc:
        raise Unauthorised(
            f"no AWS credentials were found for the blob store {uri}",
            hint="set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE",
            field=_SETTING,
        ) from exc
    except boto.ConnectionError as exc:
        raise Unreachable(
            f"the blob store {uri} did not answer at {endpoint}",
            hint="check that the S3 service runs there, or set AWS_ENDPOINT_URL to where it does",
            field=_SETTING,
        ) from exc
    except boto.HTTPClientError as exc:  # a connection cut short, a read that timed out
        raise Unreachable(
            f"the blob store {uri} stopped answering at {endpoint}: {exc}",
            hint="check that the S3 service runs there, or set AWS_ENDPOINT_URL to where it does",
            field=_SETTING,
        ) from exc
    except boto.BotoCoreError as exc:
        raise ConfigError(
            f"the blob store {uri} cannot be used: {exc}",
            hint="check the AWS settings (AWS_REGION, AWS_ENDPOINT_URL, ~/.aws/config)",
            field=_SETTING,
        ) from exc


def missing_boto3() -> MissingDependency:
    return MissingDependency(
        "s3:// blob stores need boto3, which is not installed here",
        hint="pip install 'modelport[s3]'",
        field=_SETTING,
    )


def client_error_code(error: ModelportError) -> str | None:
    """The S3 error code behind a translated error (``NoSuchKey``, or the HTTP status of a
    bodiless answer: ``404``), or None when S3 gave none (no answer at all)."""
    cause: Any = error.__cause__
    response = getattr(cause, "response", None)
    return None if response is None else _code(response)


def no_such_bucket(uri: str, bucket: str) -> NotFound:
    return NotFound(
        f"the bucket {bucket!r} of the blob store {uri} does not exist",
        hint="create it, or set --blobs (MODELPORT_BLOBS_URI) to a bucket that exists",
        field=_SETTING,
    )


def _code(response: Any) -> str:
    error = response.get("Error", {})
    return str(error.get("Code") or response.get("ResponseMetadata", {}).get("HTTPStatusCode"))


def _client_error(exc: ClientError, uri: str, bucket: str) -> ModelportError:
    code = _code(exc.response)
    said = exc.response.get("Error", {}).get("Message") or code
    if code == "NoSuchBucket":
        return no_such_bucket(uri, bucket)
    if code in {"404", "NoSuchKey"}:
        return NotFound(f"the blob store {uri} has no such object", field=_SETTING)
    if code in _REFUSED:
        return Unauthorised(
            f"the blob store {uri} refused the credentials: {said}",
            hint=_CREDENTIALS_HINT,
            field=_SETTING,
        )
    if code in _UNAVAILABLE or code.startswith("5"):
        return Unreachable(
            f"the blob store {uri} is unavailable: {said}",
            hint="try again later",
            field=_SETTING,
        )
    return ConfigError(f"the blob store {uri} answered {code}: {said}", field=_SETTING)
