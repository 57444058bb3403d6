"""Registry credentials as the docker CLI finds them: config.json `auths`, `credsStore`,
`credHelpers` (a fake `docker-credential-test` on PATH), Docker Hub's names, the headers, and
secrets kept out of every repr and message."""

from __future__ import annotations

import base64
import json
import os
import stat
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import msgspec
import pytest

import rawengine
from rawengine import _credentials as creds
from rawengine._endpoints import images as images_api
from rawengine._endpoints import registry as registry_api
from tests.fake_engine import FakeEngine, json_reply

SECRET = "s3cr+t/pa=ss?>>>"  # base64 of its JSON holds '+' and '/' in standard base64


@pytest.fixture
def docker_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "cfg"))
    (tmp_path / "cfg").mkdir()
    yield tmp_path / "cfg" / "config.json"


@pytest.fixture
def helper_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`docker-credential-test` on PATH: answers `get` from a JSON file of server → (user, secret)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "docker-credential-test"
    script.write_text(
        "#!/bin/sh\n"
        '[ "$1" = get ] || exit 2\n'
        "read server\n"
        f'exec python3 -c \'import json,sys; s=sys.argv[1]; d=json.load(open("{tmp_path}/store.json"));'
        ' e=d.get(s); print(json.dumps({"ServerURL": s, "Username": e[0], "Secret": e[1]}) if e else'
        ' "credentials not found in native keychain"); sys.exit(0 if e else 1)\' "$server"\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    failing = bin_dir / "docker-credential-broken"
    failing.write_text("#!/bin/sh\necho 'keychain locked' >&2\nexit 3\n")
    failing.chmod(0o755)
    slow = bin_dir / "docker-credential-slow"
    slow.write_text("#!/bin/sh\nexec sleep 30\n")
    slow.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return tmp_path


@asynccontextmanager
async def fake_auth(
    tmp_socket_dir: str, status: int, body: object, *, podman: bool = False
) -> AsyncIterator[rawengine.Engine]:
    """A fake engine answering `/auth`; on exit, waits until it saw the connection close."""
    headers = {"Libpod-Api-Version": "4.3.1"} if podman else {}
    async with FakeEngine(f"{tmp_socket_dir}/f.sock", ping_headers=headers) as fake:
        fake.route("/auth", json_reply(body, status=status))
        async with rawengine.Engine(fake.host) as engine:
            yield engine
        with anyio.fail_after(5):
            while fake.open_connections:  # noqa: ASYNC110  (the fake engine's count: no event to wait on)
                await anyio.sleep(0.01)


def store(helper_dir: Path, entries: dict[str, list[str]]) -> None:
    (helper_dir / "store.json").write_text(json.dumps(entries))


def write_raw(path: Path, text: str) -> None:
    path.write_text(text)


def write(path: Path, value: object) -> None:
    path.write_text(json.dumps(value))


def basic(user: str, password: str) -> str:
    return base64.b64encode(f"{user}:{password}".encode()).decode()


def decode_header(value: str) -> object:
    assert "+" not in value and "/" not in value and len(value) % 4 == 0  # padded base64url
    return json.loads(base64.urlsafe_b64decode(value))


def test_auth_header_is_padded_base64url() -> None:
    auth = rawengine.RegistryAuth("me", SECRET, "127.0.0.1:5000")
    header = creds.registry_auth_header(auth)
    assert decode_header(header) == {"username": "me", "password": SECRET, "serveraddress": "127.0.0.1:5000"}
    assert creds.registry_auth_header({"Username": "me", "Password": SECRET}) == creds.registry_auth_header(
        rawengine.RegistryAuth("me", SECRET)
    )
    config = creds.registry_config_header({"127.0.0.1:5000": auth})
    assert decode_header(config) == {
        "127.0.0.1:5000": {"username": "me", "password": SECRET, "serveraddress": "127.0.0.1:5000"}
    }


def test_pull_push_build_and_auth_requests_carry_the_headers() -> None:
    auth = rawengine.RegistryAuth("me", SECRET, "h:1")
    pull = images_api.pull("h:1/a", auth=auth)
    assert dict(pull.headers)["X-Registry-Auth"] == creds.registry_auth_header(auth)
    push = registry_api.push("h:1/a/b", tag="v1")
    assert (push.method, push.path, push.query, push.body) == ("POST", "/images/h:1/a/b/push", "tag=v1", b"{}")
    assert decode_header(dict(push.headers)["X-Registry-Auth"]) == {}
    build = images_api.build(b"", registry_config={"h:1": auth})
    assert "h:1" in decode_header(dict(build.headers)["X-Registry-Config"])  # type: ignore[operator]
    assert images_api.build(b"").headers == ()
    login = registry_api.auth(auth)
    assert (login.method, login.path) == ("POST", "/auth")
    assert msgspec.json.decode(login.body) == {"username": "me", "password": SECRET, "serveraddress": "h:1"}  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("image", "registry"),
    [
        ("busybox", creds.DOCKER_HUB),
        ("library/busybox:1", creds.DOCKER_HUB),
        ("user/app", creds.DOCKER_HUB),
        ("docker.io/user/app", creds.DOCKER_HUB),
        ("index.docker.io/user/app", creds.DOCKER_HUB),
        ("127.0.0.1:5000/rn-im/x:v1", "127.0.0.1:5000"),
        ("localhost/x", "localhost"),
        ("ghcr.io/o/r@sha256:00", "ghcr.io"),
    ],
)
def test_registry_of(image: str, registry: str) -> None:
    assert creds.registry_of(image) == registry


def test_secrets_stay_out_of_repr_and_str() -> None:
    for auth in (rawengine.RegistryAuth("me", SECRET, "h"), rawengine.RegistryAuth(identitytoken=SECRET)):
        assert SECRET not in repr(auth) and SECRET not in str(auth) and SECRET not in f"{auth!r} {[auth]}"
    assert "me" in repr(rawengine.RegistryAuth("me", SECRET, "h"))
    with pytest.raises(TypeError):
        import pickle

        pickle.dumps(rawengine.RegistryAuth("me", SECRET))


async def test_auths_from_docker_config(docker_config: Path) -> None:
    write(
        docker_config,
        {
            "auths": {
                "https://index.docker.io/v1/": {"auth": basic("hubuser", SECRET)},
                "http://127.0.0.1:5000": {"auth": basic("me", SECRET)},
                "tok.example": {"identitytoken": SECRET},
            }
        },
    )
    hub = await rawengine.find_credentials("docker.io")
    assert hub == rawengine.RegistryAuth("hubuser", SECRET, creds.DOCKER_HUB)
    assert await rawengine.find_credentials("registry-1.docker.io") == hub
    assert await rawengine.find_credentials("127.0.0.1:5000") == rawengine.RegistryAuth("me", SECRET, "127.0.0.1:5000")
    token = await rawengine.find_credentials("tok.example")
    assert token is not None and token.identitytoken == SECRET and not token.password
    assert await rawengine.find_credentials("other.example") is None
    assert set(await rawengine.all_credentials()) == {creds.DOCKER_HUB, "127.0.0.1:5000", "tok.example"}


async def test_no_config_file_means_no_credentials(docker_config: Path) -> None:
    assert await rawengine.find_credentials("127.0.0.1:5000") is None


async def test_broken_config_and_auth_say_so_without_the_secret(docker_config: Path) -> None:
    write_raw(docker_config, '{"auths": {"h": {"auth": 5}}, "x": "' + SECRET + '"')
    with pytest.raises(rawengine.CredentialsError) as info:
        await rawengine.find_credentials("h")
    assert SECRET not in str(info.value)
    write(docker_config, {"auths": {"h": {"auth": base64.b64encode(SECRET.encode()).decode()}}})  # no colon
    with pytest.raises(rawengine.CredentialsError) as info:
        await rawengine.find_credentials("h")
    assert SECRET not in str(info.value) and "user:password" in str(info.value)


async def test_cred_helpers_per_registry_and_creds_store(docker_config: Path, helper_dir: Path) -> None:
    store(helper_dir, {"127.0.0.1:5000": ["helped", SECRET], creds.DOCKER_HUB: ["<token>", SECRET]})
    write(
        docker_config,
        {"credHelpers": {"127.0.0.1:5000": "test"}, "auths": {"127.0.0.1:5000": {"auth": basic("file", "x")}}},
    )
    assert await rawengine.find_credentials("127.0.0.1:5000") == rawengine.RegistryAuth(
        "helped", SECRET, "127.0.0.1:5000"
    )
    write(docker_config, {"credsStore": "test", "auths": {"fallback.example": {"auth": basic("file", "pw")}}})
    hub = await rawengine.find_credentials("index.docker.io")
    assert hub is not None and hub.identitytoken == SECRET and hub.username == ""  # `<token>`: an identity token
    # the helper has no entry ("credentials not found"): the file's auths are used
    assert await rawengine.find_credentials("fallback.example") == rawengine.RegistryAuth(
        "file", "pw", "fallback.example"
    )
    assert await rawengine.find_credentials("none.example") is None


async def test_a_missing_helper_is_a_clear_error_unless_missing_ok(docker_config: Path, helper_dir: Path) -> None:
    write(docker_config, {"credsStore": "desktop-not-installed"})
    with pytest.raises(rawengine.CredentialsError, match="docker-credential-desktop-not-installed .*not on PATH"):
        await rawengine.find_credentials("docker.io")
    assert await rawengine.find_credentials("docker.io", missing_ok=True) is None


async def test_a_failing_or_slow_helper_is_a_clear_error(
    docker_config: Path, helper_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(docker_config, {"credHelpers": {"h.example": "broken", "s.example": "slow"}})
    with pytest.raises(
        rawengine.CredentialsError, match=r"docker-credential-broken get failed .*exit 3.*keychain locked"
    ):
        await rawengine.find_credentials("h.example")
    monkeypatch.setattr(creds, "HELPER_TIMEOUT", 0.3)
    with pytest.raises(rawengine.CredentialsError, match="did not answer within 0.3s"):
        await rawengine.find_credentials("s.example")


async def test_pull_and_push_find_credentials_themselves(
    docker_config: Path, helper_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store(helper_dir, {"127.0.0.1:5000": ["helped", SECRET]})
    write(docker_config, {"credHelpers": {"127.0.0.1:5000": "test"}})
    sent: list[rawengine._endpoints.Request] = []

    class Sent(Exception):
        pass

    @asynccontextmanager
    async def capture(request: rawengine._endpoints.Request) -> AsyncIterator[None]:
        sent.append(request)
        if request.method:
            raise Sent
        yield

    engine = rawengine.Engine("unix:///nonexistent.sock")
    monkeypatch.setattr(engine, "_stream", capture)
    for call in (
        engine.pull_image("127.0.0.1:5000/rn-im/x:v1"),
        engine.pull_image("busybox:1"),
        engine.push_image("127.0.0.1:5000/rn-im/x", tag="v1"),
    ):
        with pytest.raises(Sent):
            await call
    pulled, anonymous, pushed = (dict(request.headers).get("X-Registry-Auth") for request in sent)
    expected = {"username": "helped", "password": SECRET, "serveraddress": "127.0.0.1:5000"}
    assert pulled is not None and decode_header(pulled) == expected
    assert anonymous is None  # no Hub credentials: no header
    assert pushed is not None and decode_header(pushed) == expected


@pytest.mark.parametrize(
    ("podman", "status", "message"),
    [
        (False, 401, "Get http://127.0.0.1:5000/v2/: unauthorized: authentication required"),
        (True, 500, "login attempt to http://127.0.0.1:5000/v2/ failed with status: 401 Unauthorized"),
    ],
)
async def test_login_refused_is_an_authentication_error(
    tmp_socket_dir: str, podman: bool, status: int, message: str
) -> None:
    async with fake_auth(tmp_socket_dir, status, {"message": message}, podman=podman) as engine:
        with pytest.raises(rawengine.AuthenticationError) as info:
            await engine.login("me", SECRET, "127.0.0.1:5000")
    assert info.value.status_code == status
    assert SECRET not in str(info.value) and SECRET not in repr(info.value)


async def test_login_accepted(tmp_socket_dir: str) -> None:
    async with fake_auth(tmp_socket_dir, 200, {"Status": "Login Succeeded", "IdentityToken": ""}) as engine:
        reply = await engine.login("me", SECRET, "127.0.0.1:5000")
    assert reply.status == "Login Succeeded"
