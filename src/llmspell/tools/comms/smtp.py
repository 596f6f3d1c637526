"""Sending over SMTP: host checked like HTTP, connection pinned to the checked address, TLS."""

from __future__ import annotations

import smtplib
import socket
import ssl
from dataclasses import dataclass
from typing import Any, Literal

from llmspell.core.errors import HostNotAllowed, ToolExecutionError
from llmspell.tools.comms.message import Mail
from llmspell.tools.web.safe_http import HostRules, resolve

TlsMode = Literal["starttls", "implicit", "none"]


@dataclass(slots=True, kw_only=True)
class SmtpServer:
    host: str
    port: int
    username: str | None
    password: str | None
    tls: TlsMode
    timeout: float
    verify: bool

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


class _Pinned(smtplib.SMTP):
    """Connects to the address that was checked; the name stays for EHLO and TLS."""

    def __init__(self, *, pin: str, **kwargs: Any) -> None:
        self._pin = pin
        super().__init__(**kwargs)

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        return socket.create_connection((self._pin, port), timeout, self.source_address)


class _PinnedSSL(smtplib.SMTP_SSL):
    """Implicit TLS to the checked address; the certificate must match the configured name."""

    def __init__(self, *, pin: str, **kwargs: Any) -> None:
        self._pin = pin
        super().__init__(**kwargs)

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        raw = socket.create_connection((self._pin, port), timeout, self.source_address)
        return self.context.wrap_socket(raw, server_hostname=self._host)


def _tls_context(verify: bool) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def check_host(server: SmtpServer, rules: HostRules) -> list[str]:
    """The addresses of the SMTP host, each allowed by the outbound rules."""
    try:
        rules.check_name(server.host)
        addresses = resolve(server.host, server.port)
        for address in addresses:
            rules.check_address(server.host, address)
    except HostNotAllowed as exc:
        raise HostNotAllowed(f"SMTP server {server.where}: {exc}") from None
    return addresses


def send_smtp(mail: Mail, server: SmtpServer, rules: HostRules) -> dict[str, tuple[int, str]]:
    """Send `mail`; the recipients the server refused (the others were accepted)."""
    addresses = check_host(server, rules)
    try:
        client = _connect(server, addresses)
    except ssl.SSLCertVerificationError as exc:
        raise _untrusted(server, exc) from None
    except TimeoutError:
        raise ToolExecutionError(
            f"no answer from SMTP server {server.where} within {server.timeout:g}s"
        ) from None
    except (OSError, smtplib.SMTPException) as exc:
        raise ToolExecutionError(
            f"cannot connect to SMTP server {server.where}: {_reason(exc)}"
        ) from None
    try:
        return _deliver(client, mail, server)
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()


def _connect(server: SmtpServer, addresses: list[str]) -> smtplib.SMTP:
    where = {
        "host": server.host,
        "port": server.port,
        "local_hostname": socket.gethostname() or "localhost",
        "timeout": server.timeout,
    }
    last: Exception | None = None
    for address in addresses:
        try:
            if server.tls == "implicit":
                return _PinnedSSL(pin=address, context=_tls_context(server.verify), **where)
            return _Pinned(pin=address, **where)
        except ConnectionRefusedError as exc:
            last = exc
    raise last or OSError("no address to connect to")


def _deliver(client: smtplib.SMTP, mail: Mail, server: SmtpServer) -> dict[str, tuple[int, str]]:
    try:
        client.ehlo()
        if server.tls == "starttls":
            if not client.has_extn("starttls"):
                raise ToolExecutionError(
                    f"SMTP server {server.where} does not offer STARTTLS; set "
                    "`[tools.email] enable_tls = false` to send without encryption, or use a "
                    "server that offers it"
                )
            client.starttls(context=_tls_context(server.verify))
            client.ehlo()
        if server.username:
            if not client.has_extn("auth"):
                raise ToolExecutionError(
                    f"SMTP server {server.where} offers no login (AUTH) but "
                    "`tools.email.smtp_username` is set; remove it or check the server"
                )
            client.login(server.username, server.password or "")
        return client.send_message(mail.mime(), mail.sender.email, mail.recipients)
    except smtplib.SMTPAuthenticationError as exc:
        raise ToolExecutionError(
            f"SMTP server {server.where} refused the login for {server.username!r} "
            f"({_reason(exc)}); check `tools.email.smtp_username` and `smtp_password`"
        ) from None
    except smtplib.SMTPRecipientsRefused as exc:
        refused = "; ".join(f"{a}: {_reason(r)}" for a, r in exc.recipients.items())
        raise ToolExecutionError(
            f"SMTP server {server.where} refused every recipient ({refused})"
        ) from None
    except smtplib.SMTPSenderRefused as exc:
        raise ToolExecutionError(
            f"SMTP server {server.where} refused the sender {exc.sender!r} ({_reason(exc)}); "
            "check 'from' or `tools.email.from_address`"
        ) from None
    except ssl.SSLCertVerificationError as exc:
        raise _untrusted(server, exc) from None
    except TimeoutError:
        raise ToolExecutionError(
            f"SMTP server {server.where} stopped answering within {server.timeout:g}s"
        ) from None
    except (OSError, smtplib.SMTPException) as exc:
        raise ToolExecutionError(f"sending through {server.where} failed: {_reason(exc)}") from None


def _untrusted(server: SmtpServer, exc: ssl.SSLCertVerificationError) -> ToolExecutionError:
    return ToolExecutionError(
        f"the TLS certificate of SMTP server {server.where} is not trusted "
        f"({exc.verify_message or exc}); fix the certificate, or set "
        "`[tools.network] verify_ssl = false` for a server you trust"
    )


def _reason(exc: Any) -> str:
    """`550 no such user` from an SMTP error (or its tuple), else the exception text."""
    if isinstance(exc, tuple) and len(exc) == 2:
        code, text = exc
    else:
        code, text = getattr(exc, "smtp_code", None), getattr(exc, "smtp_error", None)
    if code is not None and text is not None:
        if isinstance(text, bytes):
            text = text.decode("utf-8", errors="replace")
        return f"{code} {text}".strip()
    return str(exc) or type(exc).__name__
