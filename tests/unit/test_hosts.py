"""Host resolution against the docker CLI as the oracle.

For each case (arguments, environment, config folders made by the CLI's own `docker context
create`), `docker [-H|-c] context inspect` names the endpoint the CLI would use; `resolve()`
must name the same one: context, host, TLS material and SkipTLSVerify, or the same error.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
import trustme

from rawengine._hosts import Endpoint, parse_host, resolve
from rawengine._hosts.contexts import context_dir_name

DOCKER = shutil.which("docker", path="/usr/local/bin:/usr/bin") or "docker"


@dataclass
class Lab:
    root: pathlib.Path
    home: pathlib.Path  # $HOME; ~/.docker holds contexts lab, labskip, caonly, plain, remote and currentContext=lab
    other: pathlib.Path  # a DOCKER_CONFIG folder with context other and currentContext=other
    certs: pathlib.Path  # ca.pem, cert.pem, key.pem
    ca_only: pathlib.Path  # ca.pem

    def env(self, **extra: str) -> dict[str, str]:
        return {"HOME": str(self.home), "PATH": "/usr/bin:/bin", **extra}


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [DOCKER, *args], env=env, capture_output=True, text=True, timeout=30, check=False, stdin=subprocess.DEVNULL
    )


def _create(lab_env: dict[str, str], name: str, docker: str) -> None:
    done = _cli(lab_env, "context", "create", name, "--docker", docker)
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Lab:
    root = tmp_path_factory.mktemp("hosts")
    lab = Lab(root, root / "home", root / "other", root / "certs", root / "ca-only")
    for folder in (lab.home, lab.other, lab.certs, lab.ca_only):
        folder.mkdir()
    ca = trustme.CA()
    ca.cert_pem.write_to_path(lab.certs / "ca.pem")
    ca.cert_pem.write_to_path(lab.ca_only / "ca.pem")
    client = ca.issue_cert("client")
    client.cert_chain_pems[0].write_to_path(lab.certs / "cert.pem")
    client.private_key_pem.write_to_path(lab.certs / "key.pem")
    certs = lab.certs
    env = lab.env()
    _create(env, "lab", f"host=tcp://10.0.0.1:2376,ca={certs}/ca.pem,cert={certs}/cert.pem,key={certs}/key.pem")
    _create(env, "labskip", "host=tcp://10.0.0.1:2376,skip-tls-verify=true")
    _create(env, "caonly", f"host=tcp://10.0.0.2:2376,ca={certs}/ca.pem")
    _create(env, "plain", "host=tcp://10.0.0.3:2375")
    _create(env, "remote", "host=ssh://me@build:2222")
    assert _cli(env, "context", "use", "lab").returncode == 0
    other_env = lab.env(DOCKER_CONFIG=str(lab.other))
    _create(other_env, "other", "host=tcp://other:1")
    assert _cli(other_env, "context", "use", "other").returncode == 0
    return lab


@dataclass
class Case:
    name: str
    env: Callable[[Lab], dict[str, str]] = field(default=lambda lab: {})
    host: str | None = None
    context: str | None = None


CASES = [
    Case("S4 currentContext only", lambda lab: {}),
    Case("S1 DOCKER_HOST beats currentContext", lambda lab: {"DOCKER_HOST": "unix:///tmp/x.sock"}),
    Case("S2 DOCKER_HOST beats DOCKER_CONTEXT", lambda lab: {"DOCKER_HOST": "unix:///x", "DOCKER_CONTEXT": "plain"}),
    Case("S3 DOCKER_CONTEXT=default beats currentContext", lambda lab: {"DOCKER_CONTEXT": "default"}),
    Case("S5 SkipTLSVerify without files is TLS", lambda lab: {"DOCKER_CONTEXT": "labskip"}),
    Case("S6 DOCKER_CONFIG only", lambda lab: {"DOCKER_CONFIG": str(lab.other)}),
    Case("CA-only context", lambda lab: {"DOCKER_CONTEXT": "caonly"}),
    Case("plain context", lambda lab: {"DOCKER_CONTEXT": "plain"}),
    Case("ssh context", lambda lab: {"DOCKER_CONTEXT": "remote"}),
    Case("context argument beats DOCKER_HOST", lambda lab: {"DOCKER_HOST": "tcp://h:1"}, context="plain"),
    Case("host argument beats DOCKER_CONTEXT", lambda lab: {"DOCKER_CONTEXT": "plain"}, host="tcp://a:5"),
    Case("host and context both: an error", host="tcp://a:5", context="plain"),
    Case("unknown context", lambda lab: {"DOCKER_CONTEXT": "nope"}),
    Case("unknown context argument", context="nope"),
    Case("an empty folder: the default socket", lambda lab: {"DOCKER_CONFIG": str(lab.root / "empty")}),
    Case(
        "tcp://host: 2375 even with TLS",
        lambda lab: {"DOCKER_HOST": "tcp://h", "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": str(lab.certs)},
    ),
    Case(
        "TLS_VERIFY=0 still verifies",
        lambda lab: {"DOCKER_HOST": "tcp://h:2376", "DOCKER_TLS_VERIFY": "0", "DOCKER_CERT_PATH": str(lab.certs)},
    ),
    Case(
        "no host with TLS: localhost:2376",
        lambda lab: {"DOCKER_CONTEXT": "default", "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": str(lab.certs)},
    ),
    Case(
        "DOCKER_TLS: TLS without verification",
        lambda lab: {"DOCKER_HOST": "tcp://h:2376", "DOCKER_TLS": "1", "DOCKER_CERT_PATH": str(lab.certs)},
    ),
    Case(
        "cert path CA only: cert and key dropped",
        lambda lab: {"DOCKER_HOST": "tcp://h:2376", "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": str(lab.ca_only)},
    ),
    Case(
        "cert path defaults to DOCKER_CONFIG",
        lambda lab: {"DOCKER_HOST": "tcp://h:2376", "DOCKER_TLS_VERIFY": "1", "DOCKER_CONFIG": str(lab.certs)},
    ),
    Case(
        "cert path default without a CA: an error",
        lambda lab: {"DOCKER_HOST": "tcp://h:2376", "DOCKER_TLS_VERIFY": "yes"},
    ),
    Case("empty DOCKER_TLS_VERIFY is off", lambda lab: {"DOCKER_HOST": "tcp://h:2376", "DOCKER_TLS_VERIFY": ""}),
    Case("bare host:port is tcp", lambda lab: {"DOCKER_HOST": "h:1"}),
    Case("tcp without a host, with a path", lambda lab: {"DOCKER_HOST": "tcp://:5/base"}),
    Case("tcp:// alone", lambda lab: {"DOCKER_HOST": "tcp://"}),
    Case("IPv6 with a port", lambda lab: {"DOCKER_HOST": "tcp://[::1]:2376"}),
    Case("IPv6 without a port: refused", lambda lab: {"DOCKER_HOST": " tcp://[::1] "}),
    Case("unix:// alone", lambda lab: {"DOCKER_HOST": "unix://"}),
    Case("unknown scheme", lambda lab: {"DOCKER_HOST": "foo://x"}),
    Case("ssh host passes through, no :22", lambda lab: {"DOCKER_HOST": "ssh://me@build"}),
    Case("ssh host with port and path", lambda lab: {"DOCKER_HOST": "ssh://me@build:2222/run/d.sock"}),
    Case(
        "host argument with TLS from env",
        lambda lab: {"DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": str(lab.certs)},
        host="tcp://a",
    ),
]


def _oracle(lab: Lab, case: Case) -> tuple[str, str, bool, list[str]] | str:
    args = []
    if case.host is not None:
        args += ["-H", case.host]
    if case.context is not None:
        args += ["--context", case.context]
    done = _cli(lab.env(**case.env(lab)), *args, "context", "inspect", "-f", "{{json .}}")
    if done.returncode:
        return done.stderr.strip()
    info = json.loads(done.stdout)
    docker = info["Endpoints"]["docker"]
    return info["Name"], docker["Host"], docker["SkipTLSVerify"], sorted((info["TLSMaterial"] or {}).get("docker", []))


def _ours(lab: Lab, case: Case) -> tuple[str, str, bool, list[str]] | str:
    try:
        endpoint: Endpoint = resolve(case.host, case.context, env=lab.env(**case.env(lab)))
    except ValueError as exc:
        return str(exc)
    tls = endpoint.tls
    files = [] if tls is None else [f for f in (tls.ca_file, tls.cert_file, tls.key_file) if f]
    skip = tls is not None and not tls.verify
    return endpoint.context, endpoint.host, skip, sorted(os.path.basename(f) for f in files)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_resolution_matches_the_docker_cli(lab: Lab, case: Case) -> None:
    expected = _oracle(lab, case)
    got = _ours(lab, case)
    if isinstance(expected, str):
        assert isinstance(got, str), f"the CLI refuses ({expected}) where rawengine resolved {got}"
        # rawengine's message is the CLI's, or says more and quotes the CLI's in "(the docker CLI: ...)"
        assert got.rpartition("(the docker CLI: ")[2].removesuffix(")") in expected, (got, expected)
    else:
        assert got == expected


def test_the_store_is_named_by_sha256(lab: Lab) -> None:
    meta = lab.home / ".docker" / "contexts" / "meta" / context_dir_name("lab") / "meta.json"
    assert json.loads(meta.read_text())["Name"] == "lab"
    assert context_dir_name("lab").startswith("a51146d3")


def test_meta_keys_are_matched_case_insensitively(lab: Lab, tmp_path: pathlib.Path) -> None:
    meta = tmp_path / "contexts" / "meta" / context_dir_name("odd") / "meta.json"
    meta.parent.mkdir(parents=True)
    meta.write_text('{"name":"odd","endpoints":{"DOCKER":{"host":"tcp://odd:9","skiptlsverify":true}}}')
    endpoint = resolve(context="odd", env={"HOME": str(lab.home)}, config_dir=str(tmp_path))
    assert (endpoint.host, endpoint.tls is not None and not endpoint.tls.verify) == ("tcp://odd:9", True)


def test_environment_is_only_the_mapping_given(lab: Lab, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", "tcp://from-process-env:1")
    assert resolve(env={"HOME": str(lab.root / "nohome")}).host == "unix:///var/run/docker.sock"


@pytest.mark.parametrize(
    ("value", "tls", "expected"),
    [
        ("", False, "unix:///var/run/docker.sock"),
        ("", True, "tcp://localhost:2376"),
        ("tcp://h", True, "tcp://h:2375"),
        ("h", False, "tcp://h:2375"),
        (":7", False, "tcp://localhost:7"),
        ("tcp://h:0", False, "tcp://h:0"),
        ("fd://", False, "fd://"),
    ],
)
def test_parse_host(value: str, tls: bool, expected: str) -> None:
    assert parse_host(value, default_to_tls=tls) == expected
