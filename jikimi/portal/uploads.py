"""Multipart forms read into memory only: enrollment photos must never touch the disk.

Starlette's form parser spools every uploaded file larger than 1 MiB to a temporary file, and a
phone photo is larger than that: a photo of her face left in /tmp (or in freed disk blocks after
the file is deleted) is exactly what enrollment promises not to keep. So the intake form is
parsed here instead, with python-multipart's streaming parser, into bytes in memory. Limits on
the number of files and fields, each part's size and the whole body are checked while the body
arrives, so an oversized upload is refused before it fills the memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fastapi import Request
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

MAX_FIELD_BYTES = 4096  # a name, an address, a token: never more
MAX_FIELDS = 20


class UploadRefused(Exception):
    """The form is not one this endpoint takes: `status_code` 415 when it is not multipart,
    413 when it has too many files or parts or is too large, 400 when it cannot be parsed."""

    def __init__(self, message: str, status_code: int = 413) -> None:
        super().__init__(message)
        self.status_code = status_code


@dataclass
class Upload:
    """One uploaded file, in memory. The file name is the browser's; it is shown, never kept."""

    name: str  # the form field's name
    filename: str
    data: bytes = field(repr=False)


@dataclass
class MemoryForm:
    fields: dict[str, str]
    files: list[Upload]


async def read_memory_form(request: Request, *, max_files: int,
                           max_file_bytes: int) -> MemoryForm:
    """The request's multipart form with every file as bytes in memory; UploadRefused when it
    breaks a limit. A file input left empty (no name, no bytes) is dropped."""
    kind, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise UploadRefused("expected a multipart/form-data form", 415)
    limit = max_files * max_file_bytes + MAX_FIELDS * MAX_FIELD_BYTES + 64 * 1024
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise UploadRefused(f"the form is larger than {limit // (1024 * 1024)} MiB")
    collector = _Collector(max_files, max_file_bytes)
    parser = MultipartParser(boundary, collector.callbacks())
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit:
                raise UploadRefused(f"the form is larger than {limit // (1024 * 1024)} MiB")
            parser.write(chunk)
        parser.finalize()
    except FormParserError:
        raise UploadRefused("the form could not be read", 400) from None
    return collector.form()


@dataclass
class _Part:
    disposition: bytes = b""
    name: str = ""
    filename: str | None = None
    data: bytearray = field(default_factory=bytearray)


class _Collector:
    """python-multipart's callbacks, collecting parts into memory with the limits applied."""

    def __init__(self, max_files: int, max_file_bytes: int) -> None:
        self._max_files, self._max_file_bytes = max_files, max_file_bytes
        self._parts: list[_Part] = []
        self._part = _Part()
        self._header = bytearray()
        self._value = bytearray()

    def callbacks(self) -> MultipartCallbacks:
        return {"on_part_begin": self._begin, "on_header_field": self._header_field,
                "on_header_value": self._header_value, "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished, "on_part_data": self._data,
                "on_part_end": self._end}

    def form(self) -> MemoryForm:
        fields = {p.name: p.data.decode("utf-8", "replace") for p in self._parts
                  if p.filename is None}
        files = [Upload(p.name, p.filename, bytes(p.data)) for p in self._parts
                 if p.filename is not None and (p.filename or p.data)]
        return MemoryForm(fields, files)

    def _begin(self) -> None:
        self._part = _Part()

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_end(self) -> None:
        if bytes(self._header).lower() == b"content-disposition":
            self._part.disposition = bytes(self._value)
        self._header.clear()
        self._value.clear()

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._part.disposition)
        self._part.name = options.get(b"name", b"").decode("utf-8", "replace")
        filename = options.get(b"filename")
        self._part.filename = None if filename is None else filename.decode("utf-8", "replace")
        files = sum(1 for p in self._parts if p.filename is not None)
        if self._part.filename is not None and files >= self._max_files:
            raise UploadRefused(f"at most {self._max_files} files")
        if self._part.filename is None and len(self._parts) - files >= MAX_FIELDS:
            raise UploadRefused(f"at most {MAX_FIELDS} fields")

    def _data(self, data: bytes, start: int, end: int) -> None:
        cap = self._max_file_bytes if self._part.filename is not None else MAX_FIELD_BYTES
        if len(self._part.data) + (end - start) > cap:
            raise UploadRefused(f"a part is larger than {cap // 1024} KiB")
        self._part.data += data[start:end]

    def _end(self) -> None:
        self._parts.append(self._part)
