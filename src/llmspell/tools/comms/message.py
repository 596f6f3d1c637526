"""An email as `email-sender` sends it: checked addresses, one-line headers, the MIME form."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formataddr, formatdate, make_msgid

from llmspell.core.errors import SecurityError, ToolParameterError

_LOCAL = r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
ADDRESS = re.compile(rf"^{_LOCAL}@{_LABEL}(?:\.{_LABEL})*$")
CONTENT_TYPE = re.compile(r"^[A-Za-z0-9][\w.+-]*/[A-Za-z0-9][\w.+-]*$")
_TOOL = "Tool 'email-sender'"


def one_line(value: str, what: str) -> str:
    """`value` if it cannot start a new header (no CR, LF or NUL), else a refusal."""
    if any(ch in value for ch in "\r\n\x00"):
        raise SecurityError(
            f"{what} contains a line break or NUL; header values must be one line "
            "(this is how header injection works, so it is refused)"
        )
    return value


@dataclass(frozen=True, slots=True)
class Address:
    name: str
    email: str

    @property
    def formatted(self) -> str:
        return formataddr((self.name, self.email)) if self.name else self.email


_ONE = re.compile(
    r'^(?:(?P<name>"(?:[^"\\]|\\.)*"|[^<>"@,;]*?)\s*<(?P<addr>[^<>\s]*)>|(?P<bare>\S+))$'
)


def _split(text: str) -> list[str]:
    """`text` cut at commas and semicolons outside quotes and angle brackets."""
    pieces: list[str] = []
    current: list[str] = []
    quoted = angled = escaped = False
    for ch in text:
        if escaped:
            escaped = False
        elif ch == "\\" and quoted:
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == "<" and not quoted:
            angled = True
        elif ch == ">" and not quoted:
            angled = False
        elif ch in ",;" and not quoted and not angled:
            pieces.append("".join(current))
            current = []
            continue
        current.append(ch)
    pieces.append("".join(current))
    return [piece.strip() for piece in pieces if piece.strip()]


def parse_addresses(value: str | list[str] | None, what: str) -> list[Address]:
    """Addresses from a string (`a@x.org, Bo <b@y.org>`) or a list of them, each checked.

    Stricter than `email.utils.getaddresses`, which joins `a@exa mple.com` into one address
    and reads `a@x.org <b@y.org>` as two.
    """
    items = [value] if isinstance(value, str) else list(value or [])
    found: list[Address] = []
    for item in items:
        one_line(item, f"'{what}'")
        pieces = _split(item)
        if not pieces:
            raise ToolParameterError(f"{_TOOL}: '{what}' has an empty address")
        for piece in pieces:
            match = _ONE.match(piece)
            email = (match["addr"] or match["bare"] or "") if match else ""
            if not ADDRESS.match(email) or len(email) > 254:
                raise ToolParameterError(
                    f"{_TOOL}: '{what}' has {piece!r}, which is not an email address "
                    "(expected name@example.com or 'Name <name@example.com>')"
                )
            name = (match["name"] or "").strip() if match else ""
            if name.startswith('"'):
                name = re.sub(r"\\(.)", r"\1", name[1:-1])
            found.append(Address(name, email))
    return found


@dataclass(frozen=True, slots=True, kw_only=True)
class Attached:
    filename: str
    content_type: str
    data: bytes


@dataclass(slots=True, kw_only=True)
class Mail:
    sender: Address
    to: list[Address]
    cc: list[Address] = field(default_factory=list)
    bcc: list[Address] = field(default_factory=list)
    reply_to: list[Address] = field(default_factory=list)
    subject: str
    text: str | None = None
    html: str | None = None
    attachments: list[Attached] = field(default_factory=list)
    message_id: str = ""

    def __post_init__(self) -> None:
        if not self.message_id:
            domain = self.sender.email.rpartition("@")[2]
            self.message_id = make_msgid(domain=domain)

    @property
    def recipients(self) -> list[str]:
        """Every envelope recipient once, in order: to, cc, bcc."""
        return list(dict.fromkeys(a.email for a in (*self.to, *self.cc, *self.bcc)))

    def mime(self) -> EmailMessage:
        """The message as sent (Bcc stays out of the headers)."""
        msg = EmailMessage()
        msg["From"] = self.sender.formatted
        msg["To"] = ", ".join(a.formatted for a in self.to)
        if self.cc:
            msg["Cc"] = ", ".join(a.formatted for a in self.cc)
        if self.reply_to:
            msg["Reply-To"] = ", ".join(a.formatted for a in self.reply_to)
        msg["Subject"] = self.subject
        msg["Date"] = formatdate(usegmt=True)
        msg["Message-ID"] = self.message_id
        if self.text is not None and self.html is not None:
            msg.set_content(self.text)
            msg.add_alternative(self.html, subtype="html")
        elif self.html is not None:
            msg.set_content(self.html, subtype="html")
        else:
            msg.set_content(self.text or "")
        for item in self.attachments:
            maintype, _, subtype = item.content_type.partition("/")
            msg.add_attachment(
                item.data, maintype=maintype, subtype=subtype, filename=item.filename
            )
        return msg

    def raw(self) -> bytes:
        """The MIME bytes with CRLF line ends, as SMTP and SES take them."""
        return self.mime().as_bytes(policy=SMTP)
