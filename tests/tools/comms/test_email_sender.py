"""email-sender against a real SMTP server (aiosmtpd) on 127.0.0.1 and local SendGrid/SES stand-ins.

Loopback is allowed through `[tools.email] allowed_hosts`, as a user would allow a local mail
relay. STARTTLS uses a certificate made by `openssl` for 127.0.0.1, trusted through
SSL_CERT_FILE, so the client really verifies it.
"""

from __future__ import annotations

import base64
import email
import hashlib
import hmac
import json
import re
import shutil
import socket
import ssl
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from http_server import Request, Route, TestServer

from llmspell.core.errors import (
    HostNotAllowed,
    PathNotAllowed,
    SecurityError,
    ToolExecutionError,
    ToolParameterError,
)
from llmspell.tools.comms.message import Address, Mail
from llmspell.tools.comms.sigv4 import sign
from llmspell.tools.comms.smtp import SmtpServer, send_smtp
from llmspell.tools.web.safe_http import HostRules

SENDER = "Spell Bot <bot@example.com>"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(40))
ENV_NAMES = (
    "SENDGRID_API_KEY",
    "LLMSPELL_SENDGRID_API_KEY",
    "LLMSPELL_SENDGRID_BASE_URL",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "LLMSPELL_SES_ENDPOINT",
    "SSL_CERT_FILE",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ENV_NAMES:
        monkeypatch.delenv(var, raising=False)


# An SMTP server that keeps what it receives ------------------------------------------------


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    authenticated: bool | None
    user: Any
    tls: bool

    @property
    def message(self) -> EmailMessage:
        lf = self.content.replace(b"\r\n", b"\n")
        return email.message_from_bytes(lf, policy=default_policy)  # type: ignore[return-value]


@dataclass
class Inbox:
    received: list[Received] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if address.startswith("nobody@"):
            return "550 5.1.1 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        self.received.append(
            Received(
                mail_from=envelope.mail_from,
                rcpt_tos=list(envelope.rcpt_tos),
                content=envelope.original_content or envelope.content,
                authenticated=session.authenticated,
                user=session.auth_data,
                tls=server.transport.get_extra_info("ssl_object") is not None,
            )
        )
        return "250 Message accepted for delivery"


def _check_login(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        b"mailer",
        b"s3cret",
    )
    return AuthResult(success=ok, handled=False, auth_data=auth_data.login if ok else None)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Smtp:
    inbox: Inbox
    port: int


@pytest.fixture
def smtp() -> Iterator[Callable[..., Smtp]]:
    """`smtp(**aiosmtpd_options)`: a real SMTP server on 127.0.0.1 with an Inbox handler."""
    running: list[Controller] = []

    def start(**options: Any) -> Smtp:
        inbox = Inbox()
        port = _free_port()
        controller = Controller(
            inbox, hostname="127.0.0.1", port=port, server_hostname="localhost", **options
        )
        controller.start()
        running.append(controller)
        return Smtp(inbox, port)

    yield start
    for controller in running:
        controller.stop()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost: (cert.pem, key.pem)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
    return cert, key


def _server_tls(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(certificate[0]), str(certificate[1]))
    return context


# Runtimes --------------------------------------------------------------------------------


@pytest.fixture
def mail_rt(make_rt):
    """`mail_rt(port, **overrides)`: SMTP at 127.0.0.1:port, loopback allowed, no TLS."""

    def make(port: int | None = None, **overrides: Any):
        config: dict[str, Any] = {
            "tools.email.from_address": SENDER,
            "tools.email.enable_tls": False,
            "tools.email.allowed_hosts": ["127.0.0.1"],
        }
        if port is not None:
            config.update({"tools.email.smtp_host": "127.0.0.1", "tools.email.smtp_port": port})
        return make_rt({**config, **overrides})

    return make


def send(runtime, **params: Any):
    return runtime.tools.invoke("email-sender", params)


# SMTP ------------------------------------------------------------------------------------


def test_smtp_delivers_headers_bodies_and_attachments(mail_rt, smtp, allowed_dir):
    server = smtp()
    report = allowed_dir / "report.csv"
    report.write_text("a,b\n1,2\n", encoding="utf-8")
    r = send(
        mail_rt(server.port),
        to="Alice Doe <alice@example.com>, bob@example.org",
        cc=["carol@example.net"],
        bcc="dave@example.com",
        reply_to="help@example.com",
        subject="Résumé of today's run",
        body="Plain text body.\nSecond line.",
        html="<p>HTML <b>body</b></p>",
        attachments=[
            {"path": str(report)},
            {
                "content": base64.b64encode(PNG).decode(),
                "encoding": "base64",
                "filename": "chart.png",
            },
            {"content": "note text", "filename": "note.txt", "content_type": "text/plain"},
        ],
    )
    assert r.success
    res = r.result
    recipients = ["alice@example.com", "bob@example.org", "carol@example.net", "dave@example.com"]
    assert res["provider"] == "smtp"
    assert res["recipients"] == res["accepted"] == recipients
    assert res["rejected"] == []
    (got,) = server.inbox.received
    assert got.mail_from == "bot@example.com"
    assert got.rcpt_tos == recipients
    msg = got.message
    assert msg["From"] == SENDER
    assert msg["To"] == "Alice Doe <alice@example.com>, bob@example.org"
    assert msg["Cc"] == "carol@example.net"
    assert msg["Reply-To"] == "help@example.com"
    assert msg["Bcc"] is None and b"dave@example.com" not in got.content
    assert msg["Subject"] == "Résumé of today's run"
    assert msg["Message-ID"] == res["message_id"]
    assert msg["Date"]
    assert msg.get_body(("plain",)).get_content() == "Plain text body.\nSecond line.\n"
    assert msg.get_body(("html",)).get_content() == "<p>HTML <b>body</b></p>\n"
    files = {
        part.get_filename(): (part.get_content_type(), part.get_payload(decode=True))
        for part in msg.iter_attachments()
    }
    assert files == {
        "report.csv": ("text/csv", b"a,b\n1,2\n"),
        "chart.png": ("image/png", PNG),
        "note.txt": ("text/plain", b"note text"),
    }
    assert "via smtp" in r.text


def test_html_only_body_and_default_sender(mail_rt, smtp):
    server = smtp()
    send(mail_rt(server.port), to="a@example.com", subject="s", body="<h1>Hi</h1>", html=True)
    msg = server.inbox.received[0].message
    assert msg.get_content_type() == "text/html"
    assert msg.get_content() == "<h1>Hi</h1>\n"
    assert msg["From"] == SENDER


def test_refused_recipients_are_reported(mail_rt, smtp):
    server = smtp()
    runtime = mail_rt(server.port)
    r = send(runtime, to=["a@example.com", "nobody@example.com"], subject="s", body="b")
    assert r.result["accepted"] == ["a@example.com"]
    assert r.result["rejected"] == ["nobody@example.com"]
    assert r.result["rejected_reasons"]["nobody@example.com"].startswith("550 5.1.1")
    assert server.inbox.received[0].rcpt_tos == ["a@example.com"]
    with pytest.raises(ToolExecutionError, match="refused every recipient"):
        send(runtime, to="nobody@example.com", subject="s", body="b")


def test_smtp_login_without_tls(mail_rt, smtp):
    server = smtp(authenticator=_check_login, auth_require_tls=False)
    good = mail_rt(
        server.port,
        **{"tools.email.smtp_username": "mailer", "tools.email.smtp_password": "s3cret"},
    )
    send(good, to="a@example.com", subject="s", body="b")
    (got,) = server.inbox.received
    assert got.authenticated is True and got.user == b"mailer"
    bad = mail_rt(
        server.port,
        **{"tools.email.smtp_username": "mailer", "tools.email.smtp_password": "wrong"},
    )
    with pytest.raises(ToolExecutionError, match="refused the login for 'mailer'") as caught:
        send(bad, to="a@example.com", subject="s", body="b")
    assert "smtp_password" in str(caught.value)
    assert len(server.inbox.received) == 1


def test_starttls_then_login_with_a_verified_certificate(mail_rt, smtp, certificate, monkeypatch):
    server = smtp(
        tls_context=_server_tls(certificate),
        require_starttls=True,
        auth_required=True,
        authenticator=_check_login,
    )
    options = {
        "tools.email.enable_tls": True,
        "tools.email.smtp_username": "mailer",
        "tools.email.smtp_password": "s3cret",
    }
    with pytest.raises(ToolExecutionError, match=r"TLS certificate of SMTP server .* not trusted"):
        send(mail_rt(server.port, **options), to="a@example.com", subject="s", body="b")
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    r = send(mail_rt(server.port, **options), to="a@example.com", subject="over tls", body="b")
    assert r.success
    (got,) = server.inbox.received
    assert got.tls is True and got.authenticated is True
    assert got.message["Subject"] == "over tls"


def test_tls_required_but_not_offered(mail_rt, smtp):
    server = smtp()
    runtime = mail_rt(server.port, **{"tools.email.enable_tls": True})
    with pytest.raises(ToolExecutionError, match="does not offer STARTTLS") as caught:
        send(runtime, to="a@example.com", subject="s", body="b")
    assert "enable_tls = false" in str(caught.value)
    assert not server.inbox.received


def test_implicit_tls(smtp, certificate, monkeypatch):
    server = smtp()
    tls_server = Controller(
        server.inbox,
        hostname="127.0.0.1",
        port=_free_port(),
        server_hostname="localhost",
        ssl_context=_server_tls(certificate),
    )
    tls_server.start()
    try:
        monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
        mail = Mail(
            sender=Address("", "bot@example.com"),
            to=[Address("", "a@example.com")],
            subject="implicit",
            text="b",
        )
        where = SmtpServer(
            host="127.0.0.1",
            port=tls_server.port,
            username=None,
            password=None,
            tls="implicit",
            timeout=5,
            verify=True,
        )
        rules = HostRules(network_allowed=True, allow_private=False, allowed_hosts=("127.0.0.1",))
        assert send_smtp(mail, where, rules) == {}
    finally:
        tls_server.stop()
    (got,) = server.inbox.received
    assert got.tls is True and got.message["Subject"] == "implicit"


def test_a_loopback_smtp_host_is_refused_unless_allowed(mail_rt, smtp):
    server = smtp()
    runtime = mail_rt(server.port, **{"tools.email.allowed_hosts": []})
    with pytest.raises(HostNotAllowed, match=r"`tools\.email\.allowed_hosts`"):
        send(runtime, to="a@example.com", subject="s", body="b")
    assert not server.inbox.received


# Refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"subject": "hi\r\nBcc: victim@example.com"},
        {"to": "a@example.com\nBcc: victim@example.com"},
        {"from": "bot@example.com\r\nX-Evil: 1"},
        {"cc": ["ok@example.com", "b@example.com\rX: y"]},
        {"attachments": [{"content": "x", "filename": "a.txt\r\nX-Evil: 1"}]},
        {"attachments": [{"content": "x", "filename": "a.txt", "content_type": "text/plain\n"}]},
    ],
)
def test_header_injection_is_refused(mail_rt, smtp, params):
    server = smtp()
    base = {"to": "a@example.com", "subject": "s", "body": "b"}
    with pytest.raises(SecurityError, match="line break"):
        send(mail_rt(server.port), **{**base, **params})
    assert not server.inbox.received


def test_bad_addresses_and_bodies_are_refused(mail_rt):
    runtime = mail_rt()
    with pytest.raises(ToolParameterError, match=r"'not-an-address'.* not an email address"):
        send(runtime, to="not-an-address", subject="s", body="b")
    with pytest.raises(ToolParameterError, match="not an email address"):
        send(runtime, to="a@exa mple.com", subject="s", body="b")
    with pytest.raises(ToolParameterError, match="give 'body'"):
        send(runtime, to="a@example.com", subject="s")
    with pytest.raises(ToolParameterError, match="exactly one of 'path' or 'content'"):
        send(runtime, to="a@example.com", subject="s", body="b", attachments=[{}])
    with pytest.raises(ToolParameterError, match="not valid base64"):
        bad = {"content": "***", "encoding": "base64", "filename": "x.bin"}
        send(runtime, to="a@example.com", subject="s", body="b", attachments=[bad])
    with pytest.raises(
        ToolExecutionError, match=r"no SMTP server: set `\[tools.email\] smtp_host`"
    ):
        send(runtime, to="a@example.com", subject="s", body="b")


def test_an_attachment_outside_the_allowed_paths_is_refused(mail_rt, smtp, tmp_path_factory):
    server = smtp()
    outside = tmp_path_factory.mktemp("elsewhere") / "secret.txt"
    outside.write_text("secret", encoding="utf-8")
    with pytest.raises(PathNotAllowed):
        send(
            mail_rt(server.port),
            to="a@example.com",
            subject="s",
            body="b",
            attachments=[{"path": str(outside)}],
        )
    assert not server.inbox.received


def test_message_size_and_recipient_caps(mail_rt, smtp):
    server = smtp()
    runtime = mail_rt(
        server.port,
        **{"tools.email.max_message_size": 2_000, "tools.email.max_recipients": 2},
    )
    with pytest.raises(ToolExecutionError, match=r"over the 2,000-byte limit"):
        send(runtime, to="a@example.com", subject="s", body="x" * 5_000)
    with pytest.raises(ToolParameterError, match=r"3 recipients, over the limit of 2"):
        send(
            runtime,
            to="a@example.com",
            cc="b@example.com",
            bcc="c@example.com",
            subject="s",
            body="b",
        )
    assert not server.inbox.received


def test_rate_limit_refuses_and_names_the_key(mail_rt, smtp):
    server = smtp()
    runtime = mail_rt(server.port, **{"tools.email.rate_limit_per_minute": 1})
    send(runtime, to="a@example.com", subject="1", body="b")
    with pytest.raises(SecurityError, match=r"tools\.email\.rate_limit_per_minute"):
        send(runtime, to="a@example.com", subject="2", body="b")
    assert len(server.inbox.received) == 1


# SendGrid and SES ------------------------------------------------------------------------


@pytest.fixture
def api(server_factory: Callable[[], TestServer]) -> Callable[[Route], TestServer]:
    """`api(answer)`: a local stand-in for SendGrid or SES, answering every path with `answer`."""

    def start(answer: Route) -> TestServer:
        stand_in = server_factory()
        stand_in.route_all(answer)
        return stand_in

    return start


def test_sendgrid_v3_request(mail_rt, api, monkeypatch):
    sendgrid = api(lambda seen: (202, {"X-Message-Id": "sg-id-123"}, b""))
    monkeypatch.setenv("SENDGRID_API_KEY", "SG.secret")
    monkeypatch.setenv("LLMSPELL_SENDGRID_BASE_URL", sendgrid.base)
    r = send(
        mail_rt(),
        provider="sendgrid",
        to=["Alice <alice@example.com>"],
        cc="carol@example.net",
        bcc="dave@example.com",
        subject="Hello",
        body="text",
        html="<p>html</p>",
        attachments=[{"content": "a,b", "filename": "t.csv"}],
    )
    assert r.result["message_id"] == "sg-id-123"
    assert r.result["accepted"] == ["alice@example.com", "carol@example.net", "dave@example.com"]
    (seen,) = sendgrid.requests
    assert (seen.method, seen.path) == ("POST", "/v3/mail/send")
    assert seen.headers["authorization"] == "Bearer SG.secret"
    assert json.loads(seen.body) == {
        "personalizations": [
            {
                "to": [{"email": "alice@example.com", "name": "Alice"}],
                "cc": [{"email": "carol@example.net"}],
                "bcc": [{"email": "dave@example.com"}],
            }
        ],
        "from": {"email": "bot@example.com", "name": "Spell Bot"},
        "subject": "Hello",
        "content": [
            {"type": "text/plain", "value": "text"},
            {"type": "text/html", "value": "<p>html</p>"},
        ],
        "attachments": [
            {
                "content": base64.b64encode(b"a,b").decode(),
                "type": "text/csv",
                "filename": "t.csv",
                "disposition": "attachment",
            }
        ],
    }


def test_sendgrid_errors_and_missing_key(mail_rt, api):
    runtime = mail_rt()
    with pytest.raises(ToolExecutionError, match="SendGrid needs an API key: set SENDGRID_API_KEY"):
        send(runtime, provider="sendgrid", to="a@example.com", subject="s", body="b")
    body = {
        "errors": [
            {
                "message": "The from address does not match a verified Sender",
                "field": "from.email",
                "help": None,
            }
        ]
    }
    sendgrid = api(
        lambda seen: (403, {"Content-Type": "application/json"}, json.dumps(body).encode())
    )
    configured = {
        "tools.email.provider": "sendgrid",
        "tools.email.sendgrid_api_key": "SG.secret",
        "tools.email.sendgrid_base_url": sendgrid.base,
    }
    with pytest.raises(ToolExecutionError, match="does not match a verified Sender") as caught:
        send(mail_rt(**configured), to="a@example.com", subject="s", body="b")
    assert "SG.secret" not in str(caught.value)
    assert sendgrid.requests[0].headers["authorization"] == "Bearer SG.secret"
    strict = mail_rt(**configured, **{"tools.email.allowed_hosts": []})
    with pytest.raises(HostNotAllowed, match=r"tools\.email\.allowed_hosts"):
        send(strict, to="a@example.com", subject="s", body="b")
    assert len(sendgrid.requests) == 1


def _sigv4_valid(seen: Request, secret: str, region: str) -> bool:
    """The server's side of SigV4, written apart from the tool's signer."""
    found = re.fullmatch(
        r"AWS4-HMAC-SHA256 Credential=(\w+)/(\d{8})/([\w-]+)/ses/aws4_request, "
        r"SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})",
        seen.headers["authorization"],
    )
    assert found is not None, seen.headers["authorization"]
    date, signed, signature = found[2], found[4], found[5]
    assert found[3] == region and "host" in signed.split(";")
    canonical = "\n".join(
        [
            seen.method,
            seen.path,
            "",
            "".join(f"{h}:{seen.headers[h].strip()}\n" for h in signed.split(";")),
            signed,
            hashlib.sha256(seen.body).hexdigest(),
        ]
    )
    to_sign = "\n".join(
        [
            "AWS4-HMAC-SHA256",
            seen.headers["x-amz-date"],
            f"{date}/{region}/ses/aws4_request",
            hashlib.sha256(canonical.encode()).hexdigest(),
        ]
    )
    key = ("AWS4" + secret).encode()
    for part in (date, region, "ses", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.compare_digest(
        hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest(), signature
    )


def test_ses_v2_raw_message_signed_with_sigv4(mail_rt, api, monkeypatch):
    def answer(seen: Request) -> tuple[int, dict[str, str], bytes]:
        if not _sigv4_valid(seen, "ses-secret", "eu-west-1"):
            return 403, {"x-amzn-ErrorType": "SignatureDoesNotMatch"}, b'{"message": "bad"}'
        return 200, {"Content-Type": "application/json"}, b'{"MessageId": "0102-ses-id"}'

    ses = api(answer)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "ses-secret")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("LLMSPELL_SES_ENDPOINT", ses.base)
    runtime = mail_rt()
    r = send(
        runtime,
        provider="ses",
        to="alice@example.com",
        bcc="dave@example.com",
        subject="Via SES",
        body="hello",
        attachments=[{"content": "x", "filename": "x.txt"}],
    )
    assert r.result["message_id"] == "0102-ses-id"
    (seen,) = ses.requests
    assert (seen.method, seen.path) == ("POST", "/v2/email/outbound-emails")
    assert seen.headers["authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDTEST/")
    payload = json.loads(seen.body)
    assert payload["FromEmailAddress"] == SENDER
    assert payload["Destination"] == {
        "ToAddresses": ["alice@example.com"],
        "BccAddresses": ["dave@example.com"],
    }
    raw = base64.b64decode(payload["Content"]["Raw"]["Data"])
    assert b"\r\n" in raw
    msg = email.message_from_bytes(raw.replace(b"\r\n", b"\n"), policy=default_policy)
    assert msg["Subject"] == "Via SES" and msg["Bcc"] is None
    assert msg.get_body(("plain",)).get_content() == "hello\n"
    assert [p.get_filename() for p in msg.iter_attachments()] == ["x.txt"]
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong-secret")
    with pytest.raises(ToolExecutionError, match="SES refused the credentials") as caught:
        send(runtime, provider="ses", to="alice@example.com", subject="s", body="b")
    assert "SignatureDoesNotMatch" in str(caught.value)
    assert "wrong-secret" not in str(caught.value)


def test_ses_names_missing_credentials(mail_rt, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
    with pytest.raises(ToolExecutionError, match="SES needs AWS_SECRET_ACCESS_KEY, AWS_REGION"):
        send(mail_rt(), provider="ses", to="a@example.com", subject="s", body="b")


def test_sigv4_matches_the_published_aws_examples():
    from datetime import UTC, datetime

    when = datetime(2015, 8, 30, 12, 36, tzinfo=UTC)
    secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    iam = sign(
        "GET",
        "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08",
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        body=b"",
        access_key="AKIDEXAMPLE",
        secret_key=secret,
        region="us-east-1",
        service="iam",
        when=when,
    )
    assert iam["X-Amz-Date"] == "20150830T123600Z"
    assert iam["Authorization"].endswith(
        "SignedHeaders=content-type;host;x-amz-date, "
        "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
    )
    vanilla = sign(
        "GET",
        "https://example.amazonaws.com/",
        headers={},
        body=b"",
        access_key="AKIDEXAMPLE",
        secret_key=secret,
        region="us-east-1",
        service="service",
        when=when,
    )
    assert vanilla["Authorization"].endswith(
        "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
    )
