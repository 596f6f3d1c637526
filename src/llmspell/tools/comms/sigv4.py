"""AWS Signature Version 4 for one request (what boto3 does for SES, in 60 lines of hmac)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import parse_qsl, quote, urlsplit

ALGORITHM = "AWS4-HMAC-SHA256"


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def signing_key(secret_key: str, date: str, region: str, service: str) -> bytes:
    key = _hmac(("AWS4" + secret_key).encode("utf-8"), date)
    for part in (region, service, "aws4_request"):
        key = _hmac(key, part)
    return key


def canonical_request(
    method: str, url: str, headers: Mapping[str, str], body: bytes
) -> tuple[str, str]:
    """`(canonical request, signed header names)` as SigV4 defines them (not S3's variant)."""
    parts = urlsplit(url)
    path = quote(parts.path or "/", safe="/-_.~%")
    query = "&".join(
        f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}"
        for k, v in sorted(parse_qsl(parts.query, keep_blank_values=True))
    )
    lowered = {k.lower().strip(): " ".join(str(v).split()) for k, v in headers.items()}
    names = sorted(lowered)
    header_block = "".join(f"{name}:{lowered[name]}\n" for name in names)
    signed = ";".join(names)
    payload = hashlib.sha256(body).hexdigest()
    return "\n".join([method.upper(), path, query, header_block, signed, payload]), signed


def sign(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str],
    body: bytes,
    access_key: str,
    secret_key: str,
    region: str,
    service: str,
    session_token: str | None = None,
    when: datetime | None = None,
) -> dict[str, str]:
    """The headers to add to `headers` (`Host` is taken from the URL) to sign the request."""
    moment = (when or datetime.now(UTC)).astimezone(UTC)
    amz_date = moment.strftime("%Y%m%dT%H%M%SZ")
    date = amz_date[:8]
    added = {"X-Amz-Date": amz_date}
    if session_token:
        added["X-Amz-Security-Token"] = session_token
    to_sign = {**headers, **added, "Host": urlsplit(url).netloc.rsplit("@", 1)[-1]}
    request, signed = canonical_request(method, url, to_sign, body)
    scope = f"{date}/{region}/{service}/aws4_request"
    string_to_sign = "\n".join(
        [ALGORITHM, amz_date, scope, hashlib.sha256(request.encode("utf-8")).hexdigest()]
    )
    signature = hmac.new(
        signing_key(secret_key, date, region, service),
        string_to_sign.encode("utf-8"),
        hashlib.sha256,
    ).hexdigest()
    added["Authorization"] = (
        f"{ALGORITHM} Credential={access_key}/{scope}, SignedHeaders={signed}, "
        f"Signature={signature}"
    )
    return added
