"""Reading the emails Django's file-based backend wrote, for the development mail viewer.

The backend writes one file per connection (`<timestamp>-<id>.log` in EMAIL_FILE_PATH),
each message followed by a line of 79 dashes; a connection that sends a batch puts
several messages in one file. A message is addressed by its file's name and its
position in that file.
"""

import email.parser
import email.policy
import functools
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from django.conf import settings

FILEBASED_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
# The line the backend writes after every message. A body line of exactly 79 dashes
# would split a message in two; Django's own format leaves no better boundary.
_SEPARATOR = re.compile(rb"\r?\n-{79}\r?\n")
# Shown on a message's page, in this order, when present.
SHOWN_HEADERS = (
    "From",
    "To",
    "Cc",
    "Reply-To",
    "Subject",
    "Date",
    "Message-ID",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
    "Auto-Submitted",
)


def enabled() -> bool:
    """The viewer exists only while emails go to files."""
    return settings.EMAIL_BACKEND == FILEBASED_BACKEND


def folder() -> Path:
    return Path(settings.EMAIL_FILE_PATH)


@dataclass(frozen=True)
class Attachment:
    number: int
    filename: str
    content_type: str
    content: bytes

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass(frozen=True)
class StoredMessage:
    name: str  # the file's name
    index: int  # its position in the file, from 0
    message: EmailMessage

    def header(self, name: str) -> str:
        value = self.message.get(name)
        # A long header is folded onto the next line; unfolded, it keeps a leading space.
        return "" if value is None else str(value).strip()

    @property
    def subject(self) -> str:
        return self.header("Subject")

    @property
    def to(self) -> str:
        return self.header("To")

    @property
    def date(self) -> datetime | None:
        value = self.message.get("Date")
        when = getattr(value, "datetime", None)
        if when is None:
            return None
        # Django writes "-0000" (UTC, zone unstated), which parses as a naive time.
        return when if when.tzinfo else when.replace(tzinfo=UTC)

    @property
    def headers(self) -> list[tuple[str, str]]:
        return [(name, self.header(name)) for name in SHOWN_HEADERS if name in self.message]

    def _body(self, subtype: str) -> str:
        part = self.message.get_body(preferencelist=(subtype,))
        if part is None:
            return ""
        try:
            return part.get_content()
        except (LookupError, ValueError):  # an unknown charset or a broken encoding
            payload = part.get_payload(decode=True) or b""
            return payload.decode("utf-8", errors="replace")

    @property
    def text(self) -> str:
        return self._body("plain")

    @property
    def html(self) -> str:
        return self._body("html")

    @property
    def attachments(self) -> list[Attachment]:
        if not self.message.is_multipart():
            return []
        return [
            Attachment(
                number=number,
                filename=part.get_filename() or f"attachment-{number}",
                content_type=part.get_content_type(),
                content=part.get_payload(decode=True) or b"",
            )
            for number, part in enumerate(self.message.iter_attachments(), start=1)
        ]


def _plain_file(name: str) -> Path | None:
    """The file `name` in the mail folder, if `name` is a plain file name listed there.

    The name comes from the URL: nothing with a path in it, no hidden files, no
    symlinks, only what the folder itself lists.
    """
    if not name or name.startswith(".") or os.sep in name or "/" in name or "\0" in name:
        return None
    try:
        listed = set(os.listdir(folder()))
    except OSError:
        return None
    if name not in listed:
        return None
    path = folder() / name
    if path.is_symlink() or not path.is_file():
        return None
    return path


def _split(data: bytes) -> list[bytes]:
    return [chunk for chunk in _SEPARATOR.split(data) if chunk.strip()]


def _parse(chunk: bytes, *, headers_only: bool = False) -> EmailMessage:
    parser = email.parser.BytesParser(policy=email.policy.default)
    return parser.parsebytes(chunk.lstrip(b"\r\n"), headersonly=headers_only)


def _files() -> list[os.DirEntry]:
    """Plain files of the mail folder, the most recently written first."""
    try:
        entries = [e for e in os.scandir(folder()) if not e.name.startswith(".")]
    except OSError:
        return []
    files = [e for e in entries if e.is_file(follow_symlinks=False)]
    files.sort(key=lambda e: (e.stat().st_mtime, e.name), reverse=True)
    return files


@functools.lru_cache(maxsize=50_000)
def _count(path: str, mtime_ns: int, size: int) -> int:
    """How many messages a file holds; a file read once per version (name, time, size)."""
    try:
        with open(path, "rb") as f:
            return len(_split(f.read()))
    except OSError:  # removed meanwhile
        return 0


def index() -> list[tuple[str, int]]:
    """(file name, position) of every stored message, newest first.

    A long demo leaves thousands of files: the list pages through this index and
    parses only the messages on the page.
    """
    found = []
    for entry in _files():
        stat = entry.stat()
        count = _count(entry.path, stat.st_mtime_ns, stat.st_size)
        found.extend((entry.name, position) for position in reversed(range(count)))
    return found


def summaries(entries: list[tuple[str, int]]) -> list[StoredMessage]:
    """The headers of the messages at these (file name, position) entries, for the list."""
    chunks_of: dict[str, list[bytes]] = {}
    found = []
    for name, position in entries:
        if name not in chunks_of:
            try:
                chunks_of[name] = _split((folder() / name).read_bytes())
            except OSError:  # removed meanwhile
                chunks_of[name] = []
        chunks = chunks_of[name]
        if position < len(chunks):
            message = _parse(chunks[position], headers_only=True)
            found.append(StoredMessage(name=name, index=position, message=message))
    return found


def message(name: str, index: int) -> StoredMessage | None:
    """One whole message, or None if there is no such file or position."""
    path = _plain_file(name)
    if path is None or index < 0:
        return None
    try:
        chunks = _split(path.read_bytes())
    except OSError:
        return None
    if index >= len(chunks):
        return None
    return StoredMessage(name=name, index=index, message=_parse(chunks[index]))
