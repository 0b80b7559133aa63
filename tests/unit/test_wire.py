"""harness/sandbox/wire.py: tagged JSON values, client handles, opaque stand-ins, framing."""
import json
import threading
from multiprocessing.connection import Pipe

import pytest

from harness.sandbox import wire
from harness.sandbox.wire import ClientRef, Opaque, decode, encode


def over_the_wire(value, clients=None):
    """``value`` encoded, through JSON text, and decoded: what the other side gets."""
    return decode(json.loads(json.dumps(encode(value))), clients)


@pytest.fixture
def pipe():
    """Both ends of a framed connection (no pickling is ever used)."""
    a, b = Pipe(duplex=True)
    yield a, b
    a.close()
    b.close()


# --- round trips ------------------------------------------------------------------------

@pytest.mark.parametrize("value", [
    None, True, False, 0, -2 ** 31, 2 ** 63, 1.5, "", "text", "ünïcode ✓",
    [], [1, "two", None], {"a": 1, "b": [2, 3]},
])
def test_plain_json_values_pass_unchanged(value):
    assert encode(value) == value
    assert over_the_wire(value) == value


def test_bytes_round_trip_as_hex():
    assert encode(b"\x00\xffzk") == {"$bytes": "00ff7a6b"}
    assert over_the_wire(b"\x00\xffzk") == b"\x00\xffzk"
    assert over_the_wire(bytearray(b"ab")) == b"ab"
    assert over_the_wire(b"") == b""


def test_tuples_stay_tuples_even_nested_in_lists():
    value = [(1, (2, b"x")), ()]
    got = over_the_wire(value)
    assert got == value
    assert type(got[0]) is tuple and type(got[0][1]) is tuple and type(got[1]) is tuple


def test_dicts_with_non_string_keys_round_trip():
    value = {1: "one", (2, 3): {"inner": {None: b"v"}}, 2.5: [1], False: ()}
    assert over_the_wire(value) == value


def test_a_dict_whose_keys_look_like_tags_is_not_mistaken_for_one():
    # a learner's dict {"$bytes": ...} must come back as that dict, not as bytes
    for value in ({"$bytes": "00"}, {"$client": 1}, {"$repr": "x", "$type": "int"}):
        assert "$dict" in encode(value)
        assert over_the_wire(value) == value


def test_the_encoded_form_is_plain_json():
    value = {1: (b"x", [ClientRef(2)]), "s": {3}}
    assert json.loads(json.dumps(encode(value))) == encode(value)


# --- client handles --------------------------------------------------------------------------

def test_a_client_handle_decodes_to_the_sandboxs_client():
    client = object()
    assert over_the_wire([ClientRef(3), "path"], clients={3: client}) == [client, "path"]
    assert over_the_wire({"zk": ClientRef(3)}, clients={3: client}) == {"zk": client}


def test_a_client_handle_without_a_clients_map_is_refused():
    # the grader never decodes a client handle: only the sandbox holds clients
    with pytest.raises(ValueError, match="only be sent to the sandbox"):
        over_the_wire([ClientRef(3)])


# --- what is not data -------------------------------------------------------------------------

class Thing:
    def __repr__(self):
        return "<Thing 42>"


class BadRepr:
    def __repr__(self):
        raise RuntimeError("no")


def test_an_unknown_object_becomes_an_opaque_stand_in_with_its_repr():
    got = over_the_wire(Thing())
    assert isinstance(got, Opaque)
    assert repr(got) == "<Thing 42>" and got.type_name == "Thing"


def test_an_opaque_equals_nothing_not_even_its_twin():
    a, b = over_the_wire(Thing()), over_the_wire(Thing())
    assert a != b and a != "<Thing 42>"
    assert not (a == a)        # noqa: PLR0124, SIM201 - the point: not even itself
    assert len({a, b}) == 2 and {a: "found"}[a] == "found"      # hashable, by identity


def test_a_repr_that_raises_or_is_huge_still_encodes():
    assert encode(BadRepr()) == {"$repr": "<BadRepr whose repr() raised>", "$type": "BadRepr"}
    assert len(encode(set(range(10_000)))["$repr"]) == 300


def test_sets_and_functions_are_opaque():
    assert isinstance(over_the_wire({1, 2}), Opaque)
    assert over_the_wire(len).type_name == "builtin_function_or_method"


def nested(depth: int):
    value = "bottom"
    for _ in range(depth):
        value = [value]
    return value


def test_nesting_past_the_depth_limit_becomes_opaque():
    shallow = over_the_wire(nested(50))
    assert shallow == nested(50)
    deep = over_the_wire(nested(60))
    for _ in range(51):
        deep = deep[0]
    assert isinstance(deep, Opaque) and repr(deep) == "<too deeply nested>"


def test_a_self_referencing_list_encodes_without_recursing_forever():
    loop = []
    loop.append(loop)
    encode(loop)                                   # cut at the depth limit


def test_an_unhashable_key_a_sandbox_sends_stays_visible_as_text():
    got = decode({"$dict": [[[1, 2], "v"], ["k", "w"]]})
    assert got == {"[1, 2]": "v", "k": "w"}


# --- framing ------------------------------------------------------------------------------------

def test_send_and_receive_one_message(pipe):
    a, b = pipe
    message = {"id": 1, "op": "call", "args": encode([b"x", (1, 2)])}
    wire.send(a, message)
    got = wire.receive(b)
    assert got == message and decode(got["args"]) == [b"x", (1, 2)]


@pytest.mark.parametrize("raw", [b"[1, 2]", b'"text"', b"42", b"null", b"true"])
def test_receive_refuses_json_that_is_not_an_object(pipe, raw):
    a, b = pipe
    a.send_bytes(raw)
    with pytest.raises(ValueError, match="must be a JSON object"):
        wire.receive(b)


@pytest.mark.parametrize("raw", [b"", b"{not json", b"\xff\xfe", b'{"a": 1} trailing'])
def test_receive_refuses_what_is_not_json(pipe, raw):
    a, b = pipe
    a.send_bytes(raw)
    with pytest.raises(ValueError):
        wire.receive(b)


def test_receive_refuses_a_message_over_the_limit_without_reading_it(pipe):
    a, b = pipe
    # the sender blocks once the pipe is full; it gives up when the reader hangs up
    sender = threading.Thread(target=lambda: _send_quietly(a, b"x" * (wire.MAX_MESSAGE + 1)),
                              daemon=True)
    sender.start()
    with pytest.raises(OSError):
        wire.receive(b)
    b.close()
    sender.join(10)
    assert not sender.is_alive()


def _send_quietly(conn, data):
    try:
        conn.send_bytes(data)
    except OSError:
        pass


@pytest.mark.parametrize("depth", [70, 700, 5000])
def test_a_deeply_nested_reply_is_refused_never_a_recursion_error(pipe, depth):
    """The sandbox is untrusted: a reply nested past any encode() is refused as broken."""
    a, b = pipe
    a.send_bytes(b'{"id": 1, "ok": ' + b"[" * depth + b"]" * depth + b"}")
    with pytest.raises(ValueError):
        wire.receive(b)
