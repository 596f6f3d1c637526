"""email-sender: send an email over SMTP (STARTTLS or TLS, with login), SendGrid or Amazon SES."""

from __future__ import annotations

import base64
import binascii
import mimetypes
import os
from pathlib import PurePath
from typing import Literal

from pydantic import AliasChoices, Field

from llmspell.core.errors import (
    SecurityError,
    ToolExecutionError,
    ToolParameterError,
)
from llmspell.tools.base import Tool, ToolParams, ToolResult
from llmspell.tools.comms.email_api import SENDGRID_URL, SesAccount, send_sendgrid, send_ses
from llmspell.tools.comms.message import (
    CONTENT_TYPE,
    Attached,
    Mail,
    one_line,
    parse_addresses,
)
from llmspell.tools.comms.smtp import SmtpServer, TlsMode, send_smtp
from llmspell.tools.context import ToolContext
from llmspell.tools.rate_limit import SlidingWindow
from llmspell.tools.web.safe_http import HostRules, SafeHttp

Provider = Literal["smtp", "sendgrid", "ses"]
_TOOL = "Tool 'email-sender'"


class AttachmentParam(ToolParams):
    path: str | None = Field(
        None, description="a file to attach, inside `tools.file_operations.allowed_paths`"
    )
    content: str | None = Field(
        None, description="the attachment itself: text, or base64 with encoding = 'base64'"
    )
    encoding: Literal["utf-8", "text", "base64"] = Field(
        "utf-8", description="how 'content' is given: utf-8 (or text) or base64"
    )
    filename: str | None = Field(
        None, description="the name shown to the reader; default: the file's name"
    )
    content_type: str | None = Field(
        None,
        validation_alias=AliasChoices("content_type", "mime_type", "type"),
        description="e.g. application/pdf; default: guessed from the file name",
    )


Recipients = str | list[str]


class Params(ToolParams):
    to: Recipients = Field(description="recipient(s): 'a@x.org, Bo <b@y.org>' or a list")
    cc: Recipients | None = Field(None, description="copy recipient(s)")
    bcc: Recipients | None = Field(None, description="blind copy recipient(s) (not in headers)")
    subject: str = Field(max_length=998, description="the subject line")
    body: str | None = Field(
        None,
        validation_alias=AliasChoices("body", "text"),
        description="the plain-text body (the HTML body when html = true)",
    )
    html: bool | str | None = Field(
        None,
        description="an HTML body sent beside 'body', or true when 'body' itself is HTML",
    )
    attachments: list[AttachmentParam] = Field(
        default_factory=list,
        description="[{path | content (+ encoding), filename, content_type}]",
    )
    sender: str | None = Field(
        None,
        validation_alias=AliasChoices("from", "from_address", "sender"),
        description="the sender; default `tools.email.from_address`",
    )
    reply_to: Recipients | None = Field(None, description="Reply-To address(es)")
    provider: Provider | None = Field(
        None,
        description="smtp (`[tools.email] smtp_*`), sendgrid (`tools.email.sendgrid_api_key` "
        "or SENDGRID_API_KEY) or ses (`tools.email.ses_*` or AWS_ACCESS_KEY_ID, "
        "AWS_SECRET_ACCESS_KEY, AWS_REGION); default `tools.email.provider`",
    )


def _env(*names: str) -> str | None:
    for name in names:
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return None


class EmailSender(Tool[Params]):
    name = "email-sender"
    category = "api"
    description = (
        "Send an email (text and/or HTML, attachments) through an SMTP server with STARTTLS or "
        "TLS and login, SendGrid or Amazon SES."
    )
    security_level = "restricted"
    tags = ("email", "smtp", "sendgrid", "ses", "notification", "send")
    Params = Params
    result_keys = {
        "send": "success, provider, message_id, recipients (every envelope address), accepted, "
        "rejected (addresses the server refused), rejected_reasons {address: reply}",
    }
    security_notes = (
        "The SMTP host (or the SendGrid or SES address) and every address it resolves to pass "
        "the outbound-request rules (private and loopback refused unless listed in "
        "`tools.email.allowed_hosts` or `tools.http_request.allowed_hosts`); the connection "
        "goes to the checked address and TLS verifies the configured name. Attachments given "
        "by path are read inside `tools.file_operations.allowed_paths`. Addresses are "
        "validated and a line break in any header value is refused (header injection). A "
        "message is capped at `tools.email.max_message_size` bytes and "
        "`tools.email.max_recipients` recipients; `tools.email.rate_limit_per_minute` caps "
        "sends (per runtime). Keys and passwords never appear in results or errors."
    )

    def __init__(self) -> None:
        self._window = SlidingWindow()

    def run(self, params: Params, ctx: ToolContext) -> ToolResult:
        provider: Provider = params.provider or ctx.config.email.provider
        mail = _mail(params, ctx)
        size = len(mail.raw())
        limit = ctx.config.email.max_message_size
        if size > limit:
            raise ToolExecutionError(
                f"the message is {size:,} bytes, over the {limit:,}-byte limit "
                "(`tools.email.max_message_size`); attach less or link to the files"
            )
        self._throttle(ctx)
        refused: dict[str, tuple[int, str]] = {}
        if provider == "smtp":
            refused = send_smtp(mail, _smtp_server(ctx), _smtp_rules(ctx))
            message_id = mail.message_id
        else:
            with _http(ctx) as http:
                if provider == "sendgrid":
                    key, base = _sendgrid(ctx)
                    message_id = send_sendgrid(mail, http, api_key=key, base_url=base)
                else:
                    message_id = send_ses(mail, http, _ses(ctx))
        recipients = mail.recipients
        rejected = [a for a in recipients if a in refused]
        accepted = [a for a in recipients if a not in refused]
        reasons = {a: f"{code} {_text(reply)}" for a, (code, reply) in refused.items()}
        result = {
            "success": True,
            "provider": provider,
            "message_id": message_id,
            "recipients": recipients,
            "accepted": accepted,
            "rejected": rejected,
            "rejected_reasons": reasons,
        }
        text = (
            f"sent {mail.subject!r} from {mail.sender.email} to {len(accepted)} recipient(s) "
            f"via {provider} (message id {message_id})"
        )
        if rejected:
            text += "; refused: " + "; ".join(f"{a} ({reasons[a]})" for a in rejected)
        out = ToolResult.ok(text, result)
        out.metadata.update({"provider": provider, "message_id": message_id})
        return out

    def _throttle(self, ctx: ToolContext) -> None:
        limit = ctx.config.email.rate_limit_per_minute
        if not limit:
            return
        wait = self._window.acquire(limit)
        if wait is not None:
            raise SecurityError(
                f"email-sender refused: {limit} emails per minute reached "
                f"(`tools.email.rate_limit_per_minute`); retry in {wait:.0f}s or raise the limit"
            )


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", errors="replace") if isinstance(reply, bytes) else reply


def _mail(params: Params, ctx: ToolContext) -> Mail:
    sender_text = params.sender or ctx.config.email.from_address
    if not sender_text:
        raise ToolExecutionError("no sender: give 'from' or set `[tools.email] from_address`")
    senders = parse_addresses(sender_text, "from")
    if len(senders) != 1:
        raise ToolParameterError(f"{_TOOL}: 'from' must be one address, got {len(senders)}")
    to = parse_addresses(params.to, "to")
    if not to:
        raise ToolParameterError(f"{_TOOL}: 'to' needs at least one address")
    cc = parse_addresses(params.cc, "cc")
    bcc = parse_addresses(params.bcc, "bcc")
    most = ctx.config.email.max_recipients
    count = len({a.email for a in (*to, *cc, *bcc)})
    if count > most:
        raise ToolParameterError(
            f"{_TOOL}: {count} recipients, over the limit of {most} (`tools.email.max_recipients`)"
        )
    one_line(params.subject, "'subject'")
    text, html = params.body, None
    if isinstance(params.html, str):
        html = params.html
    elif params.html is True:
        text, html = None, params.body
    if text is None and html is None:
        raise ToolParameterError(f"{_TOOL}: give 'body' (text) or 'html'")
    return Mail(
        sender=senders[0],
        to=to,
        cc=cc,
        bcc=bcc,
        reply_to=parse_addresses(params.reply_to, "reply_to"),
        subject=params.subject,
        text=text,
        html=html,
        attachments=[_attachment(item, n, ctx) for n, item in enumerate(params.attachments, 1)],
    )


def _attachment(item: AttachmentParam, n: int, ctx: ToolContext) -> Attached:
    where = f"attachment {n}"
    if (item.path is None) == (item.content is None):
        raise ToolParameterError(f"{_TOOL}: {where} needs exactly one of 'path' or 'content'")
    if item.path is not None:
        data = ctx.read_bytes(item.path)
        filename = item.filename or PurePath(item.path).name
    else:
        if not item.filename:
            raise ToolParameterError(f"{_TOOL}: {where} gives 'content', so it needs 'filename'")
        filename = item.filename
        if item.encoding == "base64":
            try:
                data = base64.b64decode(item.content or "", validate=True)
            except (binascii.Error, ValueError):
                raise ToolParameterError(
                    f"{_TOOL}: {where} ({filename!r}) is not valid base64"
                ) from None
        else:
            data = (item.content or "").encode("utf-8")
    one_line(filename, f"the filename of {where}")
    content_type = item.content_type or mimetypes.guess_type(filename)[0]
    content_type = (content_type or "application/octet-stream").lower()
    one_line(content_type, f"the content_type of {where}")
    if not CONTENT_TYPE.match(content_type):
        raise ToolParameterError(
            f"{_TOOL}: {where} has content_type {content_type!r}; expected type/subtype such "
            "as application/pdf"
        )
    return Attached(filename=filename, content_type=content_type, data=data)


def _timeout(ctx: ToolContext) -> float:
    seconds = ctx.config.email.timeout_seconds or ctx.config.network.timeout_seconds
    return min(float(seconds), ctx.timeout)


def _smtp_server(ctx: ToolContext) -> SmtpServer:
    email = ctx.config.email
    if not email.smtp_host:
        raise ToolExecutionError(
            "no SMTP server: set `[tools.email] smtp_host` (with smtp_port, smtp_username and "
            "smtp_password as needed), or send with provider 'sendgrid' or 'ses'"
        )
    port = email.smtp_port
    tls: TlsMode | None = email.tls
    if tls is None:
        tls = "implicit" if port == 465 else ("starttls" if email.enable_tls else "none")
    return SmtpServer(
        host=email.smtp_host,
        port=port,
        username=email.smtp_username,
        password=email.smtp_password,
        tls=tls,
        timeout=_timeout(ctx),
        verify=ctx.config.network.verify_ssl,
    )


def _smtp_rules(ctx: ToolContext) -> HostRules:
    tools = ctx.config
    return HostRules(
        network_allowed=ctx.network_allowed,
        allow_private=tools.network.allow_private,
        allowed_hosts=(*tools.email.allowed_hosts, *tools.http_request.allowed_hosts),
        blocked_hosts=tuple(tools.http_request.blocked_hosts),
        family="email",
    )


def _http(ctx: ToolContext) -> SafeHttp:
    return SafeHttp.for_tool(
        ctx,
        family="email",
        timeout=_timeout(ctx),
        extra_allowed_hosts=ctx.config.email.allowed_hosts,
    )


def _sendgrid(ctx: ToolContext) -> tuple[str, str]:
    email = ctx.config.email
    key = email.sendgrid_api_key or _env("LLMSPELL_SENDGRID_API_KEY", "SENDGRID_API_KEY")
    if not key:
        raise ToolExecutionError(
            "SendGrid needs an API key: set SENDGRID_API_KEY (or LLMSPELL_SENDGRID_API_KEY) "
            "or `[tools.email] sendgrid_api_key`"
        )
    base = email.sendgrid_base_url or _env("LLMSPELL_SENDGRID_BASE_URL")
    return key, base or SENDGRID_URL


def _ses(ctx: ToolContext) -> SesAccount:
    email = ctx.config.email
    access = email.ses_access_key_id or _env("AWS_ACCESS_KEY_ID")
    secret = email.ses_secret_access_key or _env("AWS_SECRET_ACCESS_KEY")
    region = email.ses_region or _env("AWS_REGION", "AWS_DEFAULT_REGION")
    missing = [
        name
        for name, value in (
            ("AWS_ACCESS_KEY_ID", access),
            ("AWS_SECRET_ACCESS_KEY", secret),
            ("AWS_REGION", region),
        )
        if not value
    ]
    if missing:
        raise ToolExecutionError(
            f"Amazon SES needs {', '.join(missing)}: set them in the environment (or "
            "`[tools.email] ses_access_key_id`, `ses_secret_access_key`, `ses_region`)"
        )
    endpoint = email.ses_endpoint or _env("LLMSPELL_SES_ENDPOINT")
    return SesAccount(
        access_key=str(access),
        secret_key=str(secret),
        region=str(region),
        endpoint=endpoint or f"https://email.{region}.amazonaws.com",
        session_token=None if email.ses_access_key_id else _env("AWS_SESSION_TOKEN"),
    )
