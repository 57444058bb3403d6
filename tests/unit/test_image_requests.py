"""Image and layer request builders, the repository/tag grammar a commit checks, and the typed replies."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import msgspec
import pytest

import rawengine
from rawengine._endpoints import images as images_api
from rawengine._endpoints import layers as layers_api
from rawengine._models.images import image_summary
from rawengine._models.layers import history_item


def test_commit_request_always_has_a_json_body() -> None:
    request = layers_api.commit("web", repo="rawengine/web", tag="v2", changes=['CMD ["httpd", "-f"]', "ENV A=b"])
    assert (request.method, request.path, request.body, request.content_type) == (
        "POST",
        "/commit",
        b"{}",
        "application/json",
    )
    assert parse_qs(request.query) == {
        "container": ["web"],
        "repo": ["rawengine/web"],
        "tag": ["v2"],
        "pause": ["1"],
        "changes": ['CMD ["httpd", "-f"]', "ENV A=b"],
    }


def test_commit_request_with_config_and_no_pause() -> None:
    config = rawengine.ContainerConfig(cmd=["sh"], labels={"k": "v"})
    request = layers_api.commit("a/b?c", author="Jane <j@x>", comment="c&d", pause=False, config=config)
    assert isinstance(request.body, bytes)
    assert json.loads(request.body) == {"Cmd": ["sh"], "Labels": {"k": "v"}}
    assert parse_qs(request.query) == {
        "container": ["a/b?c"],
        "author": ["Jane <j@x>"],
        "comment": ["c&d"],
        "pause": ["0"],
    }


def test_commit_tag_without_repo_is_a_usage_error() -> None:
    with pytest.raises(ValueError, match="needs a repo"):
        layers_api.commit("web", tag="v2")
    with pytest.raises(ValueError):
        layers_api.commit("", repo="x")


@pytest.mark.parametrize(
    ("repo", "tag"),
    [
        ("web", None),
        ("rawengine/web", "v2"),
        ("rawengine/web", "V2_release-1.0"),
        ("localhost/web", "latest"),
        ("localhost:5000/team/web", "1"),
        ("MyRegistry.example.com:443/web", None),
        ("a.b-c__d---e/f", None),
        ("web:v1", None),
        ("x" * 200, "t" * 128),
    ],
)
def test_valid_references(repo: str, tag: str | None) -> None:
    assert layers_api.reference_error(repo, tag) is None


@pytest.mark.parametrize(
    ("repo", "tag", "message"),
    [
        ("Rawengine/UPPER", None, "invalid reference format: repository name must be lowercase"),
        ("web", "bad:tag", "invalid tag format"),
        ("web", ".dot-first", "invalid tag format"),
        ("web", "t" * 129, "invalid tag format"),
        ("web/", None, "invalid reference format"),
        ("we//b", None, "invalid reference format"),
        ("-web", None, "invalid reference format"),
        ("web_", None, "invalid reference format"),
        ("web@sha256:" + "a" * 64, None, "cannot import digest reference"),
        ("a" * 64, None, f"invalid repository name ({'a' * 64}), cannot specify 64-byte hexadecimal strings"),
        ("x" * 250, None, "repository name must not be more than 255 characters"),
    ],
)
def test_invalid_references_get_dockers_message(repo: str, tag: str | None, message: str) -> None:
    assert layers_api.reference_error(repo, tag) == message


def test_reference_check_is_linear_on_hostile_input() -> None:
    assert layers_api.reference_error("a" + "-a" * 5000 + "!", None) == "invalid reference format"


def test_build_request_encodes_maps_as_json() -> None:
    request = images_api.build(
        b"tar",
        tags=["web:v1"],
        dockerfile="sub/Dockerfile",
        buildargs={"GREETING": "hi there"},
        labels={"a": "b"},
        nocache=True,
        rm=False,
        forcerm=True,
    )
    query = parse_qs(request.query)
    assert json.loads(query.pop("buildargs")[0]) == {"GREETING": "hi there"}
    assert json.loads(query.pop("labels")[0]) == {"a": "b"}
    assert query == {"t": ["web:v1"], "dockerfile": ["sub/Dockerfile"], "nocache": ["1"], "rm": ["0"], "forcerm": ["1"]}
    assert request.content_type == "application/x-tar"


def test_list_and_history_requests() -> None:
    request = images_api.list_(all=True, filters={"reference": ["rawengine/web"]}, digests=True)
    assert parse_qs(request.query) == {"all": ["1"], "filters": ['{"reference":["rawengine/web"]}'], "digests": ["1"]}
    assert layers_api.history("rawengine/web:v2").path == "/images/rawengine/web:v2/history"
    assert layers_api.changes("web").path == "/containers/web/changes"


@pytest.mark.parametrize(
    ("reference", "split"),
    [
        ("web", ("web", None)),
        ("web:v2", ("web", "v2")),
        ("localhost:5000/web", ("localhost:5000/web", None)),
        ("localhost:5000/web:v2", ("localhost:5000/web", "v2")),
        ("web@sha256:abc", ("web@sha256:abc", None)),
    ],
)
def test_split_tag(reference: str, split: tuple[str, str | None]) -> None:
    assert images_api.split_tag(reference) == split


def test_changes_null_and_kinds() -> None:
    assert layers_api.CHANGES.decode(b"null") is None
    changes = layers_api.CHANGES.decode(b'[{"Path":"/www","Kind":0},{"Path":"/new","Kind":1},{"Path":"/tmp","Kind":2}]')
    assert changes == [
        rawengine.Change(path="/www", kind=rawengine.ChangeKind.MODIFIED),
        rawengine.Change(path="/new", kind=rawengine.ChangeKind.ADDED),
        rawengine.Change(path="/tmp", kind=rawengine.ChangeKind.DELETED),
    ]
    assert [str(change) for change in changes or []] == ["C /www", "A /new", "D /tmp"]
    with pytest.raises(msgspec.ValidationError):
        layers_api.CHANGES.decode(b'[{"Path":"/x","Kind":7}]')


def test_history_rows_are_normalised() -> None:
    # Real rows (engine-api-notes.md 8.4): Docker, then Podman (no sha256:, Tags null).
    docker = (
        b'[{"Comment":"probe comment","Created":1795908338,"CreatedBy":"/bin/httpd -f -p 80 -h /www",'
        b'"Id":"sha256:0df0edbaaca69bf70370fa6f9c7d2e621181863d1a0f73225aa65d15b48f68d5","Size":12,'
        b'"Tags":["probe-commit:v1"]},{"Comment":"","Created":1,"CreatedBy":"x","Id":"<missing>","Size":0,"Tags":null}]'
    )
    podman = (
        b'[{"Id":"be910ccd463fa811ac4cd93df7e896a466dea599f9f14832819e4db0c11b5bb7","Created":1795908339,'
        b'"CreatedBy":"/bin/sh","Tags":null,"Size":9216,"Comment":"FROM localhost/rawengine/web:base"}]'
    )
    rows = [history_item(row) for row in layers_api.HISTORY.decode(docker)]
    assert rows[0] == rawengine.HistoryItem(
        id="sha256:0df0edbaaca69bf70370fa6f9c7d2e621181863d1a0f73225aa65d15b48f68d5",
        created=1795908338,
        created_by="/bin/httpd -f -p 80 -h /www",
        tags=["probe-commit:v1"],
        size=12,
        comment="probe comment",
    )
    assert (rows[1].id, rows[1].tags) == ("<missing>", [])
    (item,) = [history_item(row) for row in layers_api.HISTORY.decode(podman)]
    assert item.id == "sha256:be910ccd463fa811ac4cd93df7e896a466dea599f9f14832819e4db0c11b5bb7"
    assert item.tags == []


def test_image_list_rows_are_normalised() -> None:
    docker = (
        b'[{"Containers":-1,"Created":1795910600,"Id":"sha256:' + b"e" * 64 + b'","Labels":null,"ParentId":"",'
        b'"RepoDigests":["<none>@<none>"],"RepoTags":["<none>:<none>"],"SharedSize":-1,"Size":1984284,'
        b'"VirtualSize":1984284}]'
    )
    podman = (
        b'[{"Id":"sha256:' + b"d" * 64 + b'","ParentId":"' + b"b" * 64 + b'","RepoTags":null,"RepoDigests":[],'
        b'"Created":1795910604,"Size":2141297,"SharedSize":0,"VirtualSize":2141297,"Labels":{"k":"v"},'
        b'"Containers":0,"Dangling":true,"Names":["x"]}]'
    )
    (dangling,) = [image_summary(row) for row in images_api.LIST.decode(docker)]
    assert (dangling.repo_tags, dangling.repo_digests, dangling.labels, dangling.containers) == ([], [], {}, -1)
    (child,) = [image_summary(row) for row in images_api.LIST.decode(podman)]
    assert child.parent_id == "sha256:" + "b" * 64
    assert (child.repo_tags, child.labels, child.shared_size) == ([], {"k": "v"}, 0)
