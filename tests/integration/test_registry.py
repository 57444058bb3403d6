"""Push and login against the real engines, with no registry listening (127.0.0.1:1).

What a failing push looks like on each engine: never a silent success. Pushes to a live
registry (scripts/registry-up) are not covered yet.
"""

from __future__ import annotations

import pytest

import rawengine
from tests.conftest import Resources

NOWHERE = "127.0.0.1:1"
SECRET = "pw+/with=symbols"


async def test_a_push_to_an_unreachable_registry_raises(
    engine: rawengine.Engine, resources: Resources, base_image: str
) -> None:
    ref = resources.image_ref(f"{NOWHERE}/rn-im/pushed")
    repo, tag = ref.rsplit(":", 1)
    await engine.tag_image(base_image, repo, tag)
    auth = rawengine.RegistryAuth("me", SECRET, NOWHERE)
    with pytest.raises(rawengine.StreamError) as info:
        await engine.push_image(repo, tag=tag, auth=auth)
    assert "connection refused" in info.value.message
    assert SECRET not in str(info.value)


async def test_pushing_a_missing_image_raises(engine: rawengine.Engine) -> None:
    with pytest.raises(rawengine.StreamError) as info:
        await engine.push_image(f"{NOWHERE}/rn-im/absent", tag="v1")
    assert "absent" in info.value.message


async def test_login_to_an_unreachable_registry_is_not_an_authentication_error(engine: rawengine.Engine) -> None:
    with pytest.raises(rawengine.ServerError) as info:
        await engine.login("me", SECRET, NOWHERE)
    assert not isinstance(info.value, rawengine.AuthenticationError)
    assert "connection refused" in info.value.message
    assert SECRET not in str(info.value)
