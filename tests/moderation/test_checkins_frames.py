"""Frames on /ws/checkins/<id>/ are parsed as strictly as a room's: any input is a typed frame or a coded error."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moderation.checkin_consumers import MarkRead, SayOk, parse_checkin_frame
from rooms.protocol import BAD_REQUEST, TOO_LONG, FetchHistory, Ping, ProtocolError, SendMessage


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(max_size=200),
        st.fixed_dictionaries(
            {"type": st.sampled_from(["message.send", "checkin.ok", "checkin.read", "history.fetch", "ping", "x"])},
            optional={
                "client_id": st.one_of(st.text(max_size=80), st.integers(), st.none()),
                "body": st.one_of(st.text(max_size=50), st.integers(), st.none()),
                "seq": st.one_of(st.integers(), st.booleans(), st.text(max_size=3)),
                "after_seq": st.one_of(st.integers(), st.text(max_size=3)),
            },
        ).map(json.dumps),
    )
)
def test_any_text_gives_a_frame_or_a_protocol_error(text):
    try:
        frame = parse_checkin_frame(text)
    except ProtocolError as error:
        assert error.code in {BAD_REQUEST, TOO_LONG}
    else:
        assert isinstance(frame, SendMessage | SayOk | MarkRead | FetchHistory | Ping)


def test_the_check_in_frames_parse_to_their_types():
    assert parse_checkin_frame('{"type": "checkin.ok", "client_id": "k1"}') == SayOk("k1")
    assert parse_checkin_frame('{"type": "checkin.read", "seq": 4}') == MarkRead(4)
    for bad in (
        '{"type": "checkin.ok", "client_id": ""}',
        '{"type": "checkin.read", "seq": -1}',
        '{"type": "turn.pass"}',
    ):
        with pytest.raises(ProtocolError) as refused:
            parse_checkin_frame(bad)
        assert refused.value.code == BAD_REQUEST
