"""The one JSON-lines decoder behind pull, import, build (and events), byte by byte.

Recorded lines come from engine-api-notes.md: a real Docker 20.10 pull from a local registry,
Docker and Podman build failures, and Podman's in-band pull error.
"""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

import rawengine
from rawengine._protocol.jsonlines import JsonLinesDecoder, split_values

Progress = rawengine.ProgressMessage
Detail = rawengine.ProgressDetail

# Docker ends progress lines with \r\n (moby streamformatter); the bar uses \u003e for ">".
DOCKER_PULL = (
    b'{"status":"Pulling from probe-pull","id":"v2"}\r\n'
    b'{"status":"Pulling fs layer","progressDetail":{},"id":"fe7c357144ba"}\r\n'
    b'{"status":"Downloading","progressDetail":{"current":32768,"total":1031771},'
    b'"progress":"[=\\u003e    ]  32.77kB/1.032MB","id":"fe7c357144ba"}\r\n'
    b'{"status":"Verifying Checksum","progressDetail":{},"id":"fe7c357144ba"}\r\n'
    b'{"status":"Download complete","progressDetail":{},"id":"fe7c357144ba"}\r\n'
    b'{"status":"Extracting","progressDetail":{"current":1031771,"total":1031771},'
    b'"progress":"[=====\\u003e]  1.032MB/1.032MB","id":"fe7c357144ba"}\r\n'
    b'{"status":"Pull complete","progressDetail":{},"id":"fe7c357144ba"}\r\n'
    b'{"status":"Digest: sha256:781ca678"}\r\n'
    b'{"status":"Status: Downloaded newer image for localhost:5999/probe-pull:v2"}\r\n'
)
DOCKER_PULL_MESSAGES = [
    Progress(status="Pulling from probe-pull", id="v2"),
    Progress(status="Pulling fs layer", id="fe7c357144ba", progress_detail=Detail()),
    Progress(
        status="Downloading",
        id="fe7c357144ba",
        progress="[=>    ]  32.77kB/1.032MB",
        progress_detail=Detail(current=32768, total=1031771),
    ),
    Progress(status="Verifying Checksum", id="fe7c357144ba", progress_detail=Detail()),
    Progress(status="Download complete", id="fe7c357144ba", progress_detail=Detail()),
    Progress(
        status="Extracting",
        id="fe7c357144ba",
        progress="[=====>]  1.032MB/1.032MB",
        progress_detail=Detail(current=1031771, total=1031771),
    ),
    Progress(status="Pull complete", id="fe7c357144ba", progress_detail=Detail()),
    Progress(status="Digest: sha256:781ca678"),
    Progress(status="Status: Downloaded newer image for localhost:5999/probe-pull:v2"),
]
DOCKER_BUILD_FAILURE = (
    b'{"stream":"Step 2/2 : RUN exit 7"}\r\n'
    b'{"stream":"\\n"}\r\n'
    b'{"stream":" ---\\u003e Running in 7c21f2248220\\n"}\r\n'
    b'{"errorDetail":{"code":7,"message":"The command \'/bin/sh -c exit 7\' returned a non-zero code: 7"},'
    b'"error":"The command \'/bin/sh -c exit 7\' returned a non-zero code: 7"}\r\n'
)
PODMAN_PULL_FAILURE = (
    b'{"progressDetail":{},"errorDetail":{"message":"initializing source docker://localhost:1/nope:latest: '
    b'pinging container registry localhost:1: connection refused"},"error":"initializing source '
    b'docker://localhost:1/nope:latest: pinging container registry localhost:1: connection refused"}\n'
)


def progress_decoder() -> JsonLinesDecoder[rawengine.ProgressMessage]:
    return JsonLinesDecoder(rawengine.ProgressMessage, in_band_errors=True)


def decode_in_pieces(data: bytes, cuts: list[int]) -> list[rawengine.ProgressMessage]:
    decoder = progress_decoder()
    out: list[rawengine.ProgressMessage] = []
    start = 0
    for cut in [*cuts, len(data)]:
        out += decoder.decode(data[start:cut])
        start = cut
    return out + decoder.flush()


def test_recorded_docker_pull_whole() -> None:
    assert decode_in_pieces(DOCKER_PULL, []) == DOCKER_PULL_MESSAGES


def test_recorded_docker_pull_byte_by_byte() -> None:
    decoder = progress_decoder()
    out: list[rawengine.ProgressMessage] = []
    for i in range(len(DOCKER_PULL)):
        out += decoder.decode(DOCKER_PULL[i : i + 1])
    assert out + decoder.flush() == DOCKER_PULL_MESSAGES


def test_recorded_docker_pull_every_split_point() -> None:
    for cut in range(1, len(DOCKER_PULL)):
        assert decode_in_pieces(DOCKER_PULL, [cut]) == DOCKER_PULL_MESSAGES, cut


def test_crlf_split_at_every_point_of_the_terminator() -> None:
    # bollard read.rs json_decode_crlf_split_before_terminator: a stray \r must not survive.
    decoder = progress_decoder()
    assert decoder.decode(b'{"status":"a"}\r') == []
    assert decoder.decode(b'\n{"status":"b"}\r\n{"sta') == [Progress(status="a"), Progress(status="b")]
    assert decoder.decode(b'tus":"c"}') == []
    assert decoder.flush() == [Progress(status="c")]


def test_several_objects_in_one_chunk_and_blank_lines() -> None:
    decoder = progress_decoder()
    chunk = b'{"status":"a"}\n\r\n\n{"status":"b"}\n{"status":"c"}\n'
    assert decoder.decode(chunk) == [Progress(status="a"), Progress(status="b"), Progress(status="c")]
    assert decoder.flush() == []


def test_back_to_back_objects_on_one_line() -> None:
    decoder = progress_decoder()
    line = b'{"stream":"Step 1/2 : FROM x"}{"stream":"\\n"} {"aux":{"ID":"sha256:ab"}}\r\n'
    assert decoder.decode(line) == [
        Progress(stream="Step 1/2 : FROM x"),
        Progress(stream="\n"),
        Progress(aux={"ID": "sha256:ab"}),
    ]


def test_back_to_back_braces_inside_strings_are_not_split() -> None:
    assert split_values(b'{"a":"}{\\"x"}{"b":[1,{"c":"]"}]}') == [b'{"a":"}{\\"x"}', b'{"b":[1,{"c":"]"}]}']


def test_json_seq_record_separator_is_ignored() -> None:
    decoder = progress_decoder()
    assert decoder.decode(b'\x1e{"status":"a"}\n\x1e{"status":"b"}\n') == [Progress(status="a"), Progress(status="b")]


def test_docker_build_failure_delivers_output_then_raises() -> None:
    decoder = progress_decoder()
    before = decoder.decode(DOCKER_BUILD_FAILURE)  # one chunk holding the output and the error
    assert [m.stream for m in before] == ["Step 2/2 : RUN exit 7", "\n", " ---> Running in 7c21f2248220\n"]
    with pytest.raises(rawengine.StreamError) as info:
        decoder.decode(b"")
    assert info.value.message == "The command '/bin/sh -c exit 7' returned a non-zero code: 7"
    assert info.value.detail == {"code": 7, "message": info.value.message}
    with pytest.raises(rawengine.StreamError):  # the stream stays failed
        decoder.flush()


def test_build_failure_every_split_point() -> None:
    for cut in range(1, len(DOCKER_BUILD_FAILURE)):
        decoder = progress_decoder()
        out: list[rawengine.ProgressMessage] = []
        with pytest.raises(rawengine.StreamError, match="returned a non-zero code: 7"):
            for piece in (DOCKER_BUILD_FAILURE[:cut], DOCKER_BUILD_FAILURE[cut:]):
                out += decoder.decode(piece)
            out += decoder.flush()
        assert len(out) == 3, cut


def test_podman_in_band_pull_error() -> None:
    decoder = progress_decoder()
    with pytest.raises(rawengine.StreamError) as info:
        decoder.decode(PODMAN_PULL_FAILURE)
    assert info.value.message.startswith("initializing source docker://localhost:1/nope:latest")
    assert info.value.message.endswith("connection refused")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (b'{"errorDetail":{"message":"only detail\\n"}}', "only detail"),
        (b'{"error":"only error"}', "only error"),
        (b'{"error":"","errorDetail":{}}', "the engine reported an error in the stream"),
        (b'{"status":"x"}{"error":"after a value"}', "after a value"),
    ],
)
def test_in_band_error_shapes(line: bytes, message: str) -> None:
    decoder = progress_decoder()
    with pytest.raises(rawengine.StreamError) as info:
        decoder.decode(line + b"\n")  # a value before the error comes first; the next call raises
        decoder.flush()
    assert info.value.message == message


def test_error_word_in_a_status_is_not_an_error() -> None:
    assert progress_decoder().decode(b'{"status":"error-free \\"error\\" text","error":null}\n') == [
        Progress(status='error-free "error" text')
    ]


def test_in_band_errors_off_decodes_the_line() -> None:
    class Line(msgspec.Struct):
        error: str | None = None

    assert JsonLinesDecoder(Line).decode(b'{"error":"x"}\n') == [Line(error="x")]


def test_truncated_last_line_is_protocol_error() -> None:
    decoder = progress_decoder()
    assert decoder.decode(b'{"status":"a"}\n{"status":"b"') == [Progress(status="a")]
    with pytest.raises(rawengine.ProtocolError, match="ended in the middle"):
        decoder.flush()


def test_complete_last_line_without_newline_is_decoded() -> None:
    decoder = progress_decoder()
    assert decoder.decode(b'{"status":"a"}') == []
    assert decoder.flush() == [Progress(status="a")]


def test_invalid_json_is_protocol_error_after_the_values_before_it() -> None:
    decoder = progress_decoder()
    assert decoder.decode(b'{"status":"a"}\n{"status": nope}\n{"status":"c"}\n') == [Progress(status="a")]
    with pytest.raises(rawengine.ProtocolError, match="invalid JSON"):
        decoder.decode(b"")


@pytest.mark.parametrize(
    "line", [b'{"status":"\xff"}\n', b'\xfe{"status":"a"}\n', b'{"status":"a"}{"status":"\xc3"}\n']
)
def test_invalid_utf8_is_protocol_error(line: bytes) -> None:
    decoder = progress_decoder()
    with pytest.raises(rawengine.ProtocolError, match="UTF-8|invalid JSON"):
        decoder.decode(line)
        decoder.flush()


def test_unexpected_shape_is_protocol_error() -> None:
    with pytest.raises(rawengine.ProtocolError, match="unexpected shape"):
        progress_decoder().decode(b'{"status":5}\n')


def test_line_size_limit() -> None:
    decoder = JsonLinesDecoder(rawengine.ProgressMessage, max_line_size=64)
    assert decoder.decode(b'{"status":"' + b"x" * 40 + b'"}\n') == [Progress(status="x" * 40)]
    with pytest.raises(rawengine.ProtocolError, match="64 byte limit"):
        decoder.decode(b'{"status":"' + b"x" * 80)


@given(st.lists(st.integers(min_value=1, max_value=len(DOCKER_PULL) - 1), max_size=12))
def test_random_chunking_matches_whole(cuts: list[int]) -> None:
    assert decode_in_pieces(DOCKER_PULL, sorted(set(cuts))) == DOCKER_PULL_MESSAGES
