"""A minimal root filesystem from the host's static busybox, as a tar for `import_image`.

No registry is needed: tests, the demo and the benchmark make their image from it.

```python
image_id = await engine.import_image(
    rawengine.busybox_rootfs(), repo="rawengine/test", tag="base", changes=[rawengine.BUSYBOX_HTTPD_CMD]
)
```
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tarfile
from collections.abc import Mapping

__all__ = ["BUSYBOX_HTTPD_CMD", "busybox_rootfs", "find_busybox"]

BUSYBOX_HTTPD_CMD = 'CMD ["httpd", "-f", "-p", "80", "-h", "/www"]'
"""A `changes` entry that makes the image serve `/www` on port 80 in the foreground."""

_DEFAULT_FILES: Mapping[str, bytes] = {
    "/www/index.html": b"<h1>It works: rawengine busybox httpd</h1>\n",
    "/etc/passwd": b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
    "/etc/group": b"root:x:0:\nnogroup:x:65534:\n",
}
_FALLBACK_APPLETS = [
    "sh",
    "ash",
    "cat",
    "echo",
    "sleep",
    "ls",
    "rm",
    "mkdir",
    "rmdir",
    "dd",
    "head",
    "tail",
    "stty",
    "true",
    "false",
    "env",
    "id",
    "wc",
    "seq",
    "yes",
    "printf",
    "tr",
    "httpd",
    "touch",
    "cp",
    "mv",
    "ln",
    "chmod",
    "sync",
    "date",
    "kill",
    "ps",
    "grep",
    "sed",
    "awk",
    "sort",
    "uniq",
    "cut",
    "tee",
    "hostname",
    "uname",
    "test",
    "expr",
    "base64",
    "md5sum",
    "sha256sum",
    "xargs",
    "find",
    "pwd",
    "basename",
    "dirname",
    "mktemp",
    "nc",
    "wget",
]


def find_busybox() -> str:
    """The path of a statically linked busybox on this host."""
    for candidate in (os.environ.get("RAWENGINE_BUSYBOX"), "/bin/busybox", shutil.which("busybox")):
        if candidate and os.path.isfile(candidate):
            return candidate
    raise FileNotFoundError(
        "no busybox found: install a static one (Debian: `apt-get install busybox-static`) or set RAWENGINE_BUSYBOX"
    )


def _applets(busybox: str) -> list[str]:
    try:
        out = subprocess.run([busybox, "--list"], capture_output=True, check=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return list(_FALLBACK_APPLETS)
    return [name for name in out.decode().split() if name and "/" not in name and name != "busybox"]


def _add_dir(tar: tarfile.TarFile, name: str, mode: int = 0o755) -> None:
    info = tarfile.TarInfo(name.lstrip("/"))
    info.type = tarfile.DIRTYPE
    info.mode = mode
    tar.addfile(info)


def busybox_rootfs(files: Mapping[str, bytes] | None = None, *, busybox: str | None = None) -> bytes:
    """A tar of `/bin/busybox`, a link for every applet in `/bin`, `/etc/passwd`, `/tmp` and `files`.

    `files` maps absolute paths to contents; by default `/www/index.html` holds a small page.
    """
    busybox = busybox or find_busybox()
    contents = dict(_DEFAULT_FILES)
    contents.update(files or {})
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        dirs = {"/bin", "/etc", "/tmp", "/root", "/proc", "/sys", "/dev", "/var", "/usr", "/usr/bin", "/home"}
        dirs.update(os.path.dirname(path) for path in contents)
        for directory in sorted(dirs):
            parts = directory.strip("/").split("/")
            for depth in range(1, len(parts) + 1):
                sub = "/" + "/".join(parts[:depth])
                if sub not in dirs:
                    dirs.add(sub)
        for directory in sorted(dirs):
            _add_dir(tar, directory, 0o1777 if directory == "/tmp" else 0o755)
        with open(busybox, "rb") as f:
            data = f.read()
        info = tarfile.TarInfo("bin/busybox")
        info.size = len(data)
        info.mode = 0o755
        tar.addfile(info, io.BytesIO(data))
        for applet in _applets(busybox):
            link = tarfile.TarInfo(f"bin/{applet}")
            link.type = tarfile.SYMTYPE
            link.linkname = "busybox"
            link.mode = 0o777
            tar.addfile(link)
        for path, content in sorted(contents.items()):
            info = tarfile.TarInfo(path.lstrip("/"))
            info.size = len(content)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(content))
    return out.getvalue()
