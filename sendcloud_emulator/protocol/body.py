"""Turn the query string and body of a request into Params (docs/api.md §1.3)."""

import email.parser
import email.policy
import email.utils
from codecs import lookup
from urllib.parse import parse_qsl

from .. import values
from .params import FilePart, Params

FILE_FIELDS = ("attachments", "embeddedImage")


def _charset(content_type: str, fallback: str = "utf-8") -> str:
    for piece in content_type.split(";")[1:]:
        key, _, value = piece.partition("=")
        if key.strip().lower() == "charset":
            name = value.strip().strip('"')
            try:
                info = lookup(name)
            except (LookupError, ValueError, TypeError):
                return fallback
            # bytes-to-bytes codecs (base64, zlib, ...) are not charsets
            return info.name if getattr(info, "_is_text_encoding", True) else fallback
    return fallback


def parse_urlencoded(raw: bytes | str, charset: str = "utf-8") -> dict[str, list[str]]:
    """`&`-separated pairs only (`;` belongs to list values); a key without `=` is blank.

    A codec that cannot decode with replacement characters (idna, undefined, punycode, ...)
    reads the body as UTF-8, as multipart does."""
    try:
        return _urlencoded(raw, charset)
    except (UnicodeError, ValueError, LookupError):
        return _urlencoded(raw, "utf-8")


def _urlencoded(raw: bytes | str, charset: str) -> dict[str, list[str]]:
    text = raw.decode(charset, errors="replace") if isinstance(raw, bytes) else raw
    fields: dict[str, list[str]] = {}
    for key, value in parse_qsl(text, keep_blank_values=True, encoding=charset, errors="replace"):
        fields.setdefault(key, []).append(value)
    return fields


def parse_multipart(raw: bytes, content_type: str, file_fields: tuple[str, ...] | None = FILE_FIELDS,
                    ) -> tuple[dict[str, list[str]], dict[str, list[FilePart]]]:
    """Text parts become parameters; file parts are kept only under `file_fields` (None: every name)."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1", "replace")
    message = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(head + raw)
    fields: dict[str, list[str]] = {}
    files: dict[str, list[FilePart]] = {}
    if not message.is_multipart():
        return fields, files
    default_charset = _charset(content_type)
    for part in message.get_payload():
        if not hasattr(part, "get_param"):
            continue
        _utf8_headers(part)
        name = part.get_param("name", header="content-disposition")
        if name is None:
            continue
        name = email.utils.collapse_rfc2231_value(name)
        filename = part.get_param("filename", header="content-disposition")
        data = part.get_payload(decode=True) or b""
        if filename is not None:
            if file_fields is None or name in file_fields:
                # an RFC 2231 name in utf-7 can hold a lone surrogate: no storable text
                filename = values.without_surrogates(email.utils.collapse_rfc2231_value(filename))
                ctype = part.get_content_type() if part.get("Content-Type") else "application/octet-stream"
                files.setdefault(name, []).append(FilePart(name, filename, ctype, data))
            continue
        charset = part.get_content_charset() or default_charset
        try:
            text = data.decode(charset, errors="replace")
        except (LookupError, UnicodeError, ValueError):
            text = data.decode("utf-8", errors="replace")
        fields.setdefault(name, []).append(text)
    return fields, files


def _utf8_headers(part) -> None:
    """Raw UTF-8 in part headers (e.g. `filename="清单.txt"`, as browsers and httpx send it) is
    kept as surrogates by the parser; decode those headers as UTF-8."""
    for key, value in list(part.raw_items()):
        if isinstance(value, str) and any("\udc80" <= c <= "\udcff" for c in value):
            part.replace_header(key, value.encode("ascii", "surrogateescape").decode("utf-8", "replace"))


def build_params(query_string: bytes, content_type: str, body: bytes,
                 file_fields: tuple[str, ...] | None = FILE_FIELDS) -> Params:
    query = parse_urlencoded(query_string, "utf-8")
    media = content_type.split(";")[0].strip().lower()
    if media == "application/x-www-form-urlencoded":
        return Params.merge(query, parse_urlencoded(body, _charset(content_type)))
    if media == "multipart/form-data":
        try:
            fields, files = parse_multipart(body, content_type, file_fields)
        except Exception:  # a body that cannot be parsed yields no parameters (docs/decisions.md)
            fields, files = {}, {}
        return Params.merge(query, fields, files)
    return Params.merge(query, {})
