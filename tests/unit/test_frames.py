"""The multiplexed-stream decoder, byte by byte (h11 `test_io.py` style): no engine, no I/O."""

from __future__ import annotations

import random
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rawengine import Frame, ProtocolError, StreamError, StreamKind
from rawengine._protocol.frames import FrameDecoder, framing_from_content_type

OUT, ERR = StreamKind.STDOUT, StreamKind.STDERR


def wire(kind: int, payload: bytes) -> bytes:
    return struct.pack(">BxxxL", kind, len(payload)) + payload


def merged(frames: list[Frame]) -> list[tuple[StreamKind, bytes]]:
    """Frames with adjacent pieces of the same kind joined: what a split may not change."""
    runs: list[tuple[StreamKind, list[bytes]]] = []
    for frame in frames:
        assert frame.data, "no empty frame is ever delivered"
        if runs and runs[-1][0] is frame.kind:
            runs[-1][1].append(frame.data)
        else:
            runs.append((frame.kind, [frame.data]))
    return [(kind, b"".join(pieces)) for kind, pieces in runs]


def decode_pieces(pieces: list[bytes], **options: int) -> list[Frame]:
    decoder = FrameDecoder(**options)
    frames: list[Frame] = []
    for piece in pieces:
        frames += decoder.decode(piece)
    return frames + decoder.flush()


STREAM = wire(1, b"hello\n") + wire(2, b"oops\n") + wire(1, b"") + wire(0, b"in") + wire(1, b"bye\n") + wire(2, b"")
EXPECTED = [(OUT, b"hello\n"), (ERR, b"oops\n"), (StreamKind.STDIN, b"in"), (OUT, b"bye\n")]


def test_whole_stream_gives_one_frame_per_nonempty_frame() -> None:
    decoder = FrameDecoder()
    assert decoder.decode(STREAM) == [
        Frame(OUT, b"hello\n"),
        Frame(ERR, b"oops\n"),
        Frame(StreamKind.STDIN, b"in"),
        Frame(OUT, b"bye\n"),
    ]
    assert decoder.flush() == []


def test_one_byte_at_a_time() -> None:
    assert merged(decode_pieces([STREAM[i : i + 1] for i in range(len(STREAM))])) == EXPECTED


@pytest.mark.parametrize("cut", range(len(STREAM) + 1))
def test_every_split_point(cut: int) -> None:
    assert merged(decode_pieces([STREAM[:cut], STREAM[cut:]])) == EXPECTED


def test_every_pair_of_split_points() -> None:
    for first in range(len(STREAM) + 1):
        for second in range(first, len(STREAM) + 1):
            pieces = [STREAM[:first], STREAM[first:second], STREAM[second:]]
            assert merged(decode_pieces(pieces)) == EXPECTED, (first, second)


def test_payload_arrives_before_its_frame_is_complete() -> None:
    # A prompt with no newline in a frame whose end has not arrived must not wait.
    decoder = FrameDecoder()
    data = wire(1, b"password: ")
    assert decoder.decode(data[:12]) == [Frame(OUT, b"pass")]
    assert decoder.decode(data[12:]) == [Frame(OUT, b"word: ")]
    assert decoder.flush() == []


def test_empty_input_and_zero_length_frames() -> None:
    decoder = FrameDecoder()
    assert decoder.decode(b"") == []
    assert decoder.decode(wire(1, b"") * 3 + wire(2, b"")) == []
    assert decoder.decode(b"") == []
    assert decoder.flush() == []
    assert merged(decode_pieces([wire(1, b""), wire(1, b"x"), wire(2, b""), wire(1, b"y")])) == [(OUT, b"xy")]
    # a zero-length frame split across reads
    empty = wire(2, b"")
    assert decode_pieces([empty[:3], empty[3:], wire(1, b"z")]) == [Frame(OUT, b"z")]


def test_max_piece_bounds_every_frame() -> None:
    payload = bytes(range(256)) * 40
    for pieces in ([wire(1, payload)], [wire(1, payload)[:5000], wire(1, payload)[5000:]]):
        frames = decode_pieces(pieces, max_piece=1000)
        assert all(len(frame.data) <= 1000 for frame in frames)
        assert merged(frames) == [(OUT, payload)]


def test_a_read_that_is_all_payload_is_not_copied() -> None:
    decoder = FrameDecoder()
    assert decoder.decode(wire(1, b"x" * 100)[:8]) == []
    chunk = b"y" * 100
    (frame,) = decoder.decode(chunk)
    assert frame.data is chunk


def test_systemerr_after_earlier_frames_in_the_same_read() -> None:
    decoder = FrameDecoder()
    data = wire(1, b"partial output\n") + wire(3, b"the daemon failed: boom\n") + wire(1, b"never")
    assert decoder.decode(data) == [Frame(OUT, b"partial output\n")]
    with pytest.raises(StreamError) as info:
        decoder.decode(b"")
    assert info.value.message == "the daemon failed: boom"
    with pytest.raises(StreamError):
        decoder.flush()


def test_systemerr_byte_by_byte() -> None:
    data = wire(2, b"err\n") + wire(3, b"boom") + wire(1, b"ignored")
    decoder = FrameDecoder()
    frames: list[Frame] = []
    with pytest.raises(StreamError, match="boom"):
        for i in range(len(data)):
            frames += decoder.decode(data[i : i + 1])
    assert merged(frames) == [(ERR, b"err\n")]


@pytest.mark.parametrize("cut", range(1, 8 + 4))
def test_systemerr_split_anywhere(cut: int) -> None:
    data = wire(3, b"boom")
    decoder = FrameDecoder()
    assert decoder.decode(data[:cut]) == []
    with pytest.raises(StreamError, match="^boom$"):
        decoder.decode(data[cut:])


def test_empty_systemerr_still_fails() -> None:
    decoder = FrameDecoder()
    with pytest.raises(StreamError, match="reported an error"):
        decoder.decode(wire(3, b""))


@pytest.mark.parametrize("cut", range(1, len(wire(1, b"abc"))))
def test_truncated_stream_is_a_protocol_error(cut: int) -> None:
    decoder = FrameDecoder()
    decoder.decode(wire(2, b"ok") + wire(1, b"abc")[:cut])
    with pytest.raises(ProtocolError, match="ended inside a frame"):
        decoder.flush()


def test_truncated_systemerr_is_a_protocol_error() -> None:
    decoder = FrameDecoder()
    assert decoder.decode(wire(3, b"boom")[:10]) == []
    with pytest.raises(ProtocolError):
        decoder.flush()


@pytest.mark.parametrize("kind", [4, 5, 0x7F, 0xFF, ord("O")])
def test_unknown_stream_type_is_a_protocol_error(kind: int) -> None:
    decoder = FrameDecoder()
    frames = decoder.decode(wire(1, b"fine"))
    assert frames == [Frame(OUT, b"fine")]
    with pytest.raises(ProtocolError, match="invalid frame header"):
        decoder.decode(wire(kind, b"x"))


def test_output_before_a_bad_header_in_the_same_read_comes_first() -> None:
    decoder = FrameDecoder()
    assert decoder.decode(wire(2, b"last words\n") + wire(9, b"x")) == [Frame(ERR, b"last words\n")]
    with pytest.raises(ProtocolError, match="invalid frame header"):
        decoder.decode(b"")
    with pytest.raises(ProtocolError):
        decoder.flush()


def test_raw_tty_bytes_are_not_taken_for_frames() -> None:
    with pytest.raises(ProtocolError, match="TTY stream is raw"):
        FrameDecoder().decode(b"OCI runtime exec failed\r\n")


def test_nonzero_padding_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError):
        FrameDecoder().decode(b"\x01\x00\x01\x00\x00\x00\x00\x01x")


def test_oversized_frame_is_a_protocol_error() -> None:
    decoder = FrameDecoder(max_frame_size=10)
    assert decoder.decode(wire(1, b"x" * 10)) == [Frame(OUT, b"x" * 10)]
    with pytest.raises(ProtocolError, match="exceeds"):
        decoder.decode(wire(1, b"x" * 11))


def test_invalid_max_piece() -> None:
    with pytest.raises(ValueError):
        FrameDecoder(max_piece=0)


def test_seeded_random_chunking_of_a_large_stream_equals_whole() -> None:
    rng = random.Random(1234)
    frames = [(rng.choice((1, 2)), rng.randbytes(rng.choice((0, 1, 7, 8, 9, 500, 20_000)))) for _ in range(200)]
    data = b"".join(wire(kind, payload) for kind, payload in frames)
    expected = merged([Frame(StreamKind(kind), payload) for kind, payload in frames if payload])
    assert merged(decode_pieces([data])) == expected
    for _ in range(10):
        pieces, pos = [], 0
        while pos < len(data):
            size = rng.choice((1, 2, 3, 7, 8, 9, 100, 4096, 65536))
            pieces.append(data[pos : pos + size])
            pos += size
        assert merged(decode_pieces(pieces, max_piece=rng.choice((10, 4096, 256 * 1024)))) == expected


@settings(max_examples=300, deadline=None)
@given(
    frames=st.lists(st.tuples(st.sampled_from([0, 1, 2]), st.binary(max_size=40)), max_size=12),
    cuts=st.lists(st.integers(min_value=0, max_value=600), max_size=12),
    max_piece=st.integers(min_value=1, max_value=64),
)
def test_any_chunking_equals_whole(frames: list[tuple[int, bytes]], cuts: list[int], max_piece: int) -> None:
    data = b"".join(wire(kind, payload) for kind, payload in frames)
    bounds = sorted({0, len(data), *(cut for cut in cuts if cut < len(data))})
    pieces = [data[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
    expected = merged([Frame(StreamKind(kind), payload) for kind, payload in frames if payload])
    assert merged(decode_pieces(pieces, max_piece=max_piece)) == expected
    assert merged(decode_pieces([data])) == expected


@pytest.mark.parametrize(
    ("content_type", "trusted", "expected"),
    [
        (None, True, None),
        (b"application/vnd.docker.multiplexed-stream", False, True),
        (b"application/vnd.docker.multiplexed-stream", True, True),
        (b"application/vnd.docker.raw-stream", False, None),  # Docker < 1.42 and Podman say it for both
        (b"application/vnd.docker.raw-stream", True, False),
        (b"application/octet-stream", False, True),  # Podman logs, tty=false
        (b"text/plain; charset=utf-8", False, False),  # Podman logs, tty=true
        (b"Text/Plain", False, False),
        (b"application/json", True, None),
    ],
)
def test_framing_from_content_type(content_type: bytes | None, trusted: bool, expected: bool | None) -> None:
    assert framing_from_content_type(content_type, raw_stream_trusted=trusted) is expected
