"""A folder of RDAP answers, so a batch of a hundred URLs on one host asks RDAP once, and the
next batch within `rdap_cache_hours` asks it not at all.

RDAP servers rate-limit (ARIN and RIPE answer 429 to bursts) and their answers change slowly;
a takedown team builds several batches a day from the same few hosts. Each answer is one JSON
file named by the SHA-256 of its URL, so a URL never becomes a path. An entry is as old as its
file's modification time; an expired, unreadable or corrupt file counts as absent and is
replaced by the next fetch. Only answers worth keeping are written (200 and 404): a server error
or a refused request is asked again next time.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class RdapAnswer:
    """What an RDAP server (or a bootstrap registry) answered: the HTTP status and the JSON
    object it sent (empty when the body was not one)."""

    url: str
    status: int
    document: dict[str, Any]


class RdapCache:
    """Answers by URL, each valid for `max_age_hours` (0: never reused)."""

    def __init__(self, folder: Path, max_age_hours: float) -> None:
        self.folder = folder
        self.max_age_seconds = max_age_hours * 3600

    def path_for(self, url: str) -> Path:
        return self.folder / f"{hashlib.sha256(url.encode()).hexdigest()}.json"

    def get(self, url: str) -> RdapAnswer | None:
        path = self.path_for(url)
        try:
            if time.time() - path.stat().st_mtime >= self.max_age_seconds:
                return None
            stored = json.loads(path.read_text(encoding="utf-8"))
            answer = RdapAnswer(str(stored["url"]), int(stored["status"]), stored["document"])
        except (OSError, ValueError, KeyError, TypeError):
            return None  # absent, corrupt or half-written: fetch again
        if answer.url != url or not isinstance(answer.document, dict):
            return None
        return answer

    def put(self, answer: RdapAnswer) -> None:
        """Write one answer atomically (a reader never sees half a file)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"url": answer.url, "status": answer.status,
                           "document": answer.document})
        handle, temporary = tempfile.mkstemp(dir=self.folder, suffix=".part")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, self.path_for(answer.url))
