"""Sending through HTTP APIs: SendGrid v3 (`POST /v3/mail/send`) and Amazon SES v2.

SES v2 `SendEmail` (`POST /v2/email/outbound-emails`) gets the raw MIME message, base64 in
JSON, and is signed with AWS Signature Version 4 (`sigv4.py`).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from llmspell.core.errors import ToolExecutionError
from llmspell.tools.comms.message import Address, Mail
from llmspell.tools.comms.sigv4 import sign
from llmspell.tools.web.safe_http import HttpResponse, SafeHttp

SENDGRID_URL = "https://api.sendgrid.com"


def _who(address: Address) -> dict[str, str]:
    if address.name:
        return {"email": address.email, "name": address.name}
    return {"email": address.email}


def sendgrid_body(mail: Mail) -> dict[str, Any]:
    """The v3 `mail/send` JSON for `mail` (text before HTML, as SendGrid requires)."""
    personalization: dict[str, Any] = {"to": [_who(a) for a in mail.to]}
    if mail.cc:
        personalization["cc"] = [_who(a) for a in mail.cc]
    if mail.bcc:
        personalization["bcc"] = [_who(a) for a in mail.bcc]
    content = []
    if mail.text is not None:
        content.append({"type": "text/plain", "value": mail.text})
    if mail.html is not None:
        content.append({"type": "text/html", "value": mail.html})
    body: dict[str, Any] = {
        "personalizations": [personalization],
        "from": _who(mail.sender),
        "subject": mail.subject,
        "content": content or [{"type": "text/plain", "value": ""}],
    }
    if len(mail.reply_to) == 1:
        body["reply_to"] = _who(mail.reply_to[0])
    elif mail.reply_to:
        body["reply_to_list"] = [_who(a) for a in mail.reply_to]
    if mail.attachments:
        body["attachments"] = [
            {
                "content": base64.b64encode(item.data).decode("ascii"),
                "type": item.content_type,
                "filename": item.filename,
                "disposition": "attachment",
            }
            for item in mail.attachments
        ]
    return body


def send_sendgrid(mail: Mail, http: SafeHttp, *, api_key: str, base_url: str) -> str:
    """Send through SendGrid; the message id it assigned (`X-Message-Id`)."""
    url = base_url.rstrip("/") + "/v3/mail/send"
    response = http.request(
        "POST",
        url,
        json_body=sendgrid_body(mail),
        headers={"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"},
        retries=0,
        follow_redirects=False,
    )
    if response.status_code in (401, 403):
        raise ToolExecutionError(
            f"SendGrid refused the API key (HTTP {response.status_code}"
            f"{_detail(response)}); check SENDGRID_API_KEY or `tools.email.sendgrid_api_key`"
        )
    if response.status_code >= 300:
        raise ToolExecutionError(
            f"SendGrid did not take the message (HTTP {response.status_code}{_detail(response)})"
        )
    return response.headers.get("x-message-id") or mail.message_id


@dataclass(slots=True, kw_only=True)
class SesAccount:
    access_key: str
    secret_key: str
    region: str
    endpoint: str
    session_token: str | None = None


def ses_body(mail: Mail) -> dict[str, Any]:
    """The v2 `SendEmail` JSON: raw MIME content, envelope recipients (Bcc only here)."""
    destination: dict[str, list[str]] = {"ToAddresses": [a.email for a in mail.to]}
    if mail.cc:
        destination["CcAddresses"] = [a.email for a in mail.cc]
    if mail.bcc:
        destination["BccAddresses"] = [a.email for a in mail.bcc]
    return {
        "FromEmailAddress": mail.sender.formatted,
        "Destination": destination,
        "Content": {"Raw": {"Data": base64.b64encode(mail.raw()).decode("ascii")}},
    }


def send_ses(mail: Mail, http: SafeHttp, account: SesAccount) -> str:
    """Send through Amazon SES v2; the `MessageId` it returns."""
    url = account.endpoint.rstrip("/") + "/v2/email/outbound-emails"
    body = json.dumps(ses_body(mail)).encode("utf-8")
    headers = {"Content-Type": "application/json"}
    headers.update(
        sign(
            "POST",
            url,
            headers=headers,
            body=body,
            access_key=account.access_key,
            secret_key=account.secret_key,
            region=account.region,
            service="ses",
            session_token=account.session_token,
        )
    )
    response = http.request(
        "POST", url, content=body, headers=headers, retries=0, follow_redirects=False
    )
    if response.status_code in (401, 403):
        raise ToolExecutionError(
            f"Amazon SES refused the credentials (HTTP {response.status_code}"
            f"{_detail(response)}); check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and "
            "AWS_REGION (or `tools.email.ses_*`)"
        )
    if response.status_code >= 300:
        raise ToolExecutionError(
            f"Amazon SES did not take the message (HTTP {response.status_code}{_detail(response)})"
        )
    data = _loads(response)
    message_id = data.get("MessageId") if isinstance(data, dict) else None
    return str(message_id or mail.message_id)


def _loads(response: HttpResponse) -> Any:
    try:
        return json.loads(response.text)
    except ValueError:
        return None


def _detail(response: HttpResponse) -> str:
    """`: <message>` from SendGrid's `errors` or SES's `message`, else the start of the body."""
    data = _loads(response)
    parts: list[str] = []
    if isinstance(data, dict):
        for error in data.get("errors") or []:
            if isinstance(error, dict) and error.get("message"):
                field = f" ({error['field']})" if error.get("field") else ""
                parts.append(f"{error['message']}{field}")
        for key in ("message", "Message"):
            if isinstance(data.get(key), str):
                parts.append(data[key])
        kind = response.headers.get("x-amzn-errortype", "").split(":")[0]
        if kind:
            parts.insert(0, kind)
    text = "; ".join(parts) or response.text[:200].strip()
    return f": {text}" if text else ""
