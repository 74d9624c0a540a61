"""Name why a request failed, in one line a reader of the crawl report understands.

Scrapy reports failures as Twisted `Failure`s wrapping many exception types (HTTP status,
timeouts, size cancellation, DNS, refused addresses, robots.txt). The spider records each failed
item with one of these lines; the leading words ("too large", "http 404", …) are also how the
incremental logic tells permanent failures from transient ones (see `crawlers.media`).
"""

from __future__ import annotations

from typing import Literal

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import TimeoutError as TwistedTimeoutError
from twisted.python.failure import Failure

from crawlers.safety import AddressRefused

FailureKind = Literal["refused", "robots", "error"]


def describe_failure(failure: Failure) -> tuple[FailureKind, str]:
    """(kind, message): "refused" by the address guard, "robots" (disallowed), or an "error"."""
    error = failure.value
    if isinstance(error, AddressRefused):
        return "refused", f"refused: {error}"
    if isinstance(error, HttpError):
        response = error.response
        return "error", f"http {response.status}"
    if isinstance(error, DownloadCancelledError):
        return "error", f"too large: {error}".rstrip(". ")
    if isinstance(error, (DownloadTimeoutError, TwistedTimeoutError, TimeoutError)):
        return "error", "timeout"
    if isinstance(error, CannotResolveHostError):
        return "error", f"cannot resolve host: {error}"
    if isinstance(error, DownloadConnectionRefusedError):
        return "error", "connection refused"
    if isinstance(error, IgnoreRequest):
        message = str(error)
        if "robots.txt" in message:
            return "robots", "disallowed by robots.txt"
        return "error", f"ignored: {message or 'request dropped'}"
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return "error", f"{type(error).__name__}: {text}" if text else type(error).__name__
