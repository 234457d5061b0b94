"""Requests in the shared Redis queue as JSON, not pickle (SCHEDULER_SERIALIZER).

scrapy-redis stores requests pickled by default. A pickle is code: whoever can write to the
queue (any process that reaches Redis) would run what they like in every worker that takes it.
A request is plain data once Scrapy has turned it into a dict (`Request.to_dict`: the callback
by name, headers, body, meta), so it travels as JSON, with bytes (headers, body) tagged and
base64-encoded. A request whose meta holds something JSON cannot carry fails loudly when it is
queued (TypeError), instead of being silently changed.

This module is the serializer scrapy-redis's queue calls: `dumps(dict) -> bytes` and
`loads(bytes) -> dict`.
"""

from __future__ import annotations

import base64
import json
from typing import Any

_BYTES = "__bytes__"


def _encode(value: Any) -> Any:
    if isinstance(value, bytes):
        return {_BYTES: base64.b64encode(value).decode("ascii")}
    if isinstance(value, dict):
        return {_key(k): _encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"a queued request cannot carry {type(value).__name__}: {value!r}")


def _key(key: Any) -> str:
    """Header names are bytes: keys are kept as text (Scrapy's Headers take either)."""
    if isinstance(key, bytes):
        return key.decode("latin-1")
    if isinstance(key, str):
        return key
    raise TypeError(f"a queued request cannot carry a {type(key).__name__} key: {key!r}")


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if len(value) == 1 and _BYTES in value:
            return base64.b64decode(value[_BYTES])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def dumps(request_dict: dict) -> bytes:
    return json.dumps(_encode(request_dict), ensure_ascii=False, sort_keys=True).encode()


def loads(data: bytes | str) -> dict:
    return _decode(json.loads(data))
