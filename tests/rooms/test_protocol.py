"""The frame parser: every input is either a typed frame or a ProtocolError with a specific code."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rooms.protocol import (
    BAD_REQUEST,
    TOO_LONG,
    DeleteMessage,
    EditMessage,
    FetchHistory,
    MarkRead,
    ProtocolError,
    ReportMessage,
    SendMessage,
    SetIdentity,
    SetReaction,
    parse_frame,
)


def error_code(text):
    with pytest.raises(ProtocolError) as caught:
        parse_frame(text)
    return caught.value.code


def test_send_frame_parses():
    frame = parse_frame(json.dumps({"type": "message.send", "client_id": "abc", "body": "hi there"}))
    assert frame == SendMessage(client_id="abc", body="hi there")


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "{",
        "[]",
        "42",
        '"message.send"',
        "null",
        json.dumps({"body": "no type"}),
        json.dumps({"type": 7}),
        json.dumps({"type": "no.such.type"}),
        json.dumps({"type": "message.send", "body": "no client id"}),
        json.dumps({"type": "message.send", "client_id": 5, "body": "x"}),
        json.dumps({"type": "message.send", "client_id": "", "body": "x"}),
        json.dumps({"type": "message.send", "client_id": "a" * 65, "body": "x"}),
        json.dumps({"type": "message.send", "client_id": "tab\there", "body": "x"}),
        json.dumps({"type": "message.send", "client_id": "c", "body": None}),
        json.dumps({"type": "message.send", "client_id": "c", "body": ["x"]}),
        json.dumps({"type": "message.send", "client_id": "c", "body": "   \n "}),
        json.dumps({"type": "identity.set", "anonymous": "yes"}),
        json.dumps({"type": "identity.set"}),
        json.dumps({"type": "history.fetch", "limit": 10}),
        json.dumps({"type": "history.fetch", "before_seq": 10, "after_seq": 2}),
        json.dumps({"type": "history.fetch", "before_seq": "10"}),
        json.dumps({"type": "history.fetch", "before_seq": True}),
        json.dumps({"type": "history.fetch", "before_seq": 0}),
        json.dumps({"type": "history.fetch", "before_seq": 10, "limit": 101}),
        json.dumps({"type": "history.fetch", "before_seq": 10, "limit": 0}),
        json.dumps({"type": "history.fetch", "before_seq": 10.5}),
        json.dumps({"type": "message.report", "seq": 1}),
        json.dumps({"type": "message.report", "seq": 1, "reason": " "}),
        json.dumps({"type": "message.report", "seq": -1, "reason": "spam"}),
        "[" * 100_000 + "]" * 100_000,
    ],
)
def test_malformed_frames_are_bad_request(text, settings):
    settings.CHAT_MAX_FRAME_BYTES = 10**6
    assert error_code(text) == BAD_REQUEST


def test_a_frame_nested_more_than_eight_deep_is_bad_request():
    shallow = {"type": "ping", "pad": [[[[[[["seven levels inside the frame"]]]]]]]}
    assert parse_frame(json.dumps(shallow))
    deep = {"type": "ping", "pad": [[[[[[[["eight levels inside the frame"]]]]]]]]}
    with pytest.raises(ProtocolError) as caught:
        parse_frame(json.dumps(deep))
    assert caught.value.code == BAD_REQUEST and "nested too deeply" in caught.value.detail


def test_binary_frame_is_bad_request():
    # A binary WebSocket message reaches the consumer with no text (tests/rooms/test_consumer.py sends one).
    assert error_code(None) == BAD_REQUEST


def test_body_over_limit_is_too_long_and_names_client_id(settings):
    settings.CHAT_MAX_MESSAGE_CHARS = 100
    with pytest.raises(ProtocolError) as caught:
        parse_frame(json.dumps({"type": "message.send", "client_id": "c9", "body": "x" * 101}))
    assert caught.value.code == TOO_LONG
    assert caught.value.client_id == "c9"
    assert parse_frame(json.dumps({"type": "message.send", "client_id": "c9", "body": "x" * 100}))


def test_oversize_frame_is_refused_before_decoding(settings):
    settings.CHAT_MAX_FRAME_BYTES = 1000
    assert error_code(json.dumps({"type": "ping", "pad": "x" * 2000})) == TOO_LONG


def test_report_reason_over_limit_is_too_long():
    assert error_code(json.dumps({"type": "message.report", "seq": 3, "reason": "x" * 501})) == TOO_LONG


def test_change_frames_parse():
    assert parse_frame('{"type": "message.edit", "seq": 3, "body": "fixed"}') == EditMessage(3, "fixed")
    assert parse_frame('{"type": "message.delete", "seq": 3}') == DeleteMessage(3)
    assert parse_frame('{"type": "reaction.set", "seq": 3, "reaction": "me_too", "on": true}') == SetReaction(
        3, "me_too", True
    )
    assert parse_frame('{"type": "read", "seq": 0}') == MarkRead(0)
    reply = parse_frame('{"type": "message.send", "client_id": "c", "body": "yes", "reply_to": 2}')
    assert reply == SendMessage("c", "yes", reply_to=2)


def test_other_frames_parse():
    assert parse_frame('{"type": "identity.set", "anonymous": false}') == SetIdentity(anonymous=False)
    assert parse_frame('{"type": "history.fetch", "before_seq": 9, "limit": 5}') == FetchHistory(9, None, 5)
    assert parse_frame('{"type": "history.fetch", "after_seq": 0}') == FetchHistory(None, 0, 50)
    assert parse_frame('{"type": "message.report", "seq": 4, "reason": " rude "}') == ReportMessage(4, "rude")


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(max_size=200),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
            lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children),
            max_leaves=10,
        ).map(json.dumps),
        st.fixed_dictionaries(
            {
                "type": st.sampled_from(
                    [
                        "message.send",
                        "identity.set",
                        "history.fetch",
                        "message.report",
                        "ping",
                        "message.edit",
                        "message.delete",
                        "reaction.set",
                        "read",
                    ]
                )
            },
            optional={
                "client_id": st.one_of(st.text(max_size=80), st.integers(), st.none()),
                "body": st.one_of(st.text(max_size=50), st.integers(), st.none()),
                "anonymous": st.one_of(st.booleans(), st.integers(), st.text(max_size=3)),
                "before_seq": st.one_of(st.integers(), st.floats(allow_nan=False), st.booleans()),
                "after_seq": st.one_of(st.integers(), st.text(max_size=3)),
                "limit": st.integers(),
                "seq": st.integers(),
                "reason": st.text(max_size=20),
                "reply_to": st.one_of(st.integers(), st.text(max_size=3), st.booleans()),
                "reaction": st.one_of(st.sampled_from(["heart", "hug", "me_too"]), st.text(max_size=8)),
                "on": st.one_of(st.booleans(), st.integers()),
            },
        ).map(json.dumps),
    )
)
def test_any_text_gives_a_frame_or_a_protocol_error(text):
    try:
        parse_frame(text)
    except ProtocolError as error:
        assert error.code in {BAD_REQUEST, TOO_LONG}


def test_an_api_error_carries_its_codes_http_status():
    from core.errors import ERROR_CODES, ApiError

    statuses = {code: ApiError(code, "detail").status for code in ERROR_CODES}
    assert statuses.pop("not_logged_in") == 401 and statuses.pop("forbidden") == 403
    assert statuses.pop("not_found") == 404
    assert set(statuses.values()) == {400}, "every other code a client can cause is a 400"
    assert ProtocolError is ApiError, "rooms.protocol re-exports core's error"
