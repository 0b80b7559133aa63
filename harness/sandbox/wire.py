"""What crosses between the grader and the sandbox: JSON values, framed.

The transport is ``multiprocessing.connection.Connection`` over a socket pair:
its length-prefixed framing (``send_bytes`` / ``recv_bytes``), never its
pickling (``send`` / ``recv``). Unpickling is running code: the grader must
never unpickle what the learner's process sends. Every message is a JSON
object; values JSON has no word for are tagged:

    bytes            {"$bytes": "<hex>"}
    tuple            {"$tuple": [...]}
    dict, non-str keys  {"$dict": [[k, v], ...]}
    a client handle  {"$client": 3}           (grader -> sandbox only)
    anything else    {"$repr": "...", "$type": "Foo"}  (sandbox -> grader only)

What the grader decodes is data: strings, numbers, lists, and ``Opaque``
stand-ins that only remember what the object looked like.
"""
from __future__ import annotations

import json

MAX_MESSAGE = 4 * 1024 * 1024      # a larger message from the sandbox is refused
DEFAULT_TIMEOUT = 30.0             # s a request may take before the grader gives up on it


class Opaque:
    """A value the learner's code returned that is not plain data."""

    def __init__(self, text: str, type_name: str):
        self.text, self.type_name = text, type_name

    def __repr__(self):
        return self.text

    def __eq__(self, other):
        return False

    __hash__ = object.__hash__


class ClientRef:
    """Marks a sandbox client in an argument list (grader side)."""

    def __init__(self, handle: int):
        self.handle = handle


def encode(value, depth: int = 0):
    """A JSON-ready form of ``value``; unknown objects become their repr."""
    if depth > 50:
        return {"$repr": "<too deeply nested>", "$type": type(value).__name__}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, ClientRef):
        return {"$client": value.handle}
    if isinstance(value, (bytes, bytearray)):
        return {"$bytes": bytes(value).hex()}
    if isinstance(value, tuple):
        return {"$tuple": [encode(v, depth + 1) for v in value]}
    if isinstance(value, list):
        return [encode(v, depth + 1) for v in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value) and not any(k.startswith("$") for k in value):
            return {k: encode(v, depth + 1) for k, v in value.items()}
        return {"$dict": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()]}
    try:
        text = repr(value)
    except Exception:
        text = f"<{type(value).__name__} whose repr() raised>"
    return {"$repr": text[:300], "$type": type(value).__name__}


MAX_DEPTH = 64                     # deeper than anything encode() makes (it stops at 50)


def decode(value, clients=None, depth: int = 0):
    """The plain value for an encoded one; ``clients`` maps client handles (sandbox side).
    A value nested deeper than MAX_DEPTH is refused (ValueError), never recursed into."""
    if depth > MAX_DEPTH:
        raise ValueError(f"a value nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, list):
        return [decode(v, clients, depth + 1) for v in value]
    if not isinstance(value, dict):
        return value
    if "$bytes" in value:
        return bytes.fromhex(value["$bytes"])
    if "$tuple" in value:
        return tuple(decode(v, clients, depth + 1) for v in value["$tuple"])
    if "$dict" in value:
        out = {}
        for k, v in value["$dict"]:
            k = decode(k, clients, depth + 1)
            try:
                out[k] = decode(v, clients, depth + 1)
            except TypeError:          # an unhashable key: keep it visible, not usable
                out[repr(k)] = decode(v, clients, depth + 1)
        return out
    if "$client" in value:
        if clients is None:
            raise ValueError("a client handle may only be sent to the sandbox")
        return clients[value["$client"]]
    if "$repr" in value:
        return Opaque(str(value["$repr"]), str(value.get("$type", "object")))
    return {k: decode(v, clients, depth + 1) for k, v in value.items()}


def send(conn, message: dict) -> None:
    conn.send_bytes(json.dumps(message, separators=(",", ":")).encode())


def receive(conn) -> dict:
    """One message; raises ValueError for anything that is not a JSON object, or is
    nested deeper than a message can be (json's own recursion is cut short here)."""
    raw = conn.recv_bytes(MAX_MESSAGE)
    try:
        message = json.loads(raw)
    except RecursionError:
        raise ValueError("a message nested too deeply to parse") from None
    if not isinstance(message, dict):
        raise ValueError("a message must be a JSON object")
    if _deeper_than(message, MAX_DEPTH + 4):       # the envelope: id, ok/error, $-tags
        raise ValueError(f"a message nested deeper than {MAX_DEPTH} levels")
    return message


def _deeper_than(value, limit: int) -> bool:
    """Is ``value`` nested deeper than ``limit`` (measured without recursion)?"""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack += [(v, depth + 1) for v in item.values()]
        elif isinstance(item, list):
            stack += [(v, depth + 1) for v in item]
    return False
