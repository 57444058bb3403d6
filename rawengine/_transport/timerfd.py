"""A socket and a deadline behind one descriptor, for trio (Linux): a timerfd and an epoll.

Why: the time-to-response-headers bound runs on every plain request. asyncio has timer
callbacks, so a connection keeps one lazily re-armed timer (`LoopConnection.arm`). trio has none: its
only timer is a cancel scope's deadline, and entering and leaving a cancel scope around every
request costs about a fifth of a whole ping round trip on this kind of machine. Here instead
the task waits on an epoll descriptor that becomes readable when the socket is ready *or* the
connection's timerfd fires, so a request only moves a deadline (an attribute write); the timer
itself is set once per `bound` seconds per connection at most.

Linux only (timerfd through libc); elsewhere `available()` is false and the caller falls back to
a cancel scope.
"""

from __future__ import annotations

import ctypes
import os
import select
import sys

__all__ = ["SocketTimer", "available"]

_CLOCK_MONOTONIC = 1
_TFD_NONBLOCK = os.O_NONBLOCK
_TFD_CLOEXEC = getattr(os, "O_CLOEXEC", 0o2000000)
_TFD_TIMER_ABSTIME = 1


class _Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


class _Itimerspec(ctypes.Structure):
    _fields_ = [("it_interval", _Timespec), ("it_value", _Timespec)]


def _load() -> tuple[object, object] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        create, settime = libc.timerfd_create, libc.timerfd_settime
    except (OSError, AttributeError):
        return None
    create.argtypes = [ctypes.c_int, ctypes.c_int]
    create.restype = ctypes.c_int
    settime.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.POINTER(_Itimerspec), ctypes.c_void_p]
    settime.restype = ctypes.c_int
    return create, settime


_LIBC = _load()


def available() -> bool:
    return _LIBC is not None


class SocketTimer:
    """One epoll descriptor watching a socket (in or out) and a one-shot monotonic timer."""

    __slots__ = ("_epoll", "_sock_fd", "_spec", "_timer_fd", "armed_for")

    def __init__(self, sock_fd: int) -> None:
        assert _LIBC is not None
        create = _LIBC[0]
        timer_fd = create(_CLOCK_MONOTONIC, _TFD_NONBLOCK | _TFD_CLOEXEC)  # type: ignore[operator]
        if timer_fd < 0:
            errno = ctypes.get_errno()
            raise OSError(errno, os.strerror(errno))
        self._timer_fd: int = timer_fd
        self._sock_fd = sock_fd
        try:
            self._epoll = select.epoll()
            self._epoll.register(sock_fd, select.EPOLLIN)
            self._epoll.register(timer_fd, select.EPOLLIN)
        except BaseException:
            os.close(timer_fd)
            raise
        self._spec = _Itimerspec()
        self.armed_for: float | None = None  # the monotonic time the timer is set to fire at

    def fileno(self) -> int:
        return self._epoll.fileno()

    def watch(self, events: int) -> None:
        """Wake on the socket being readable (`select.EPOLLIN`) or writable (`select.EPOLLOUT`)."""
        self._epoll.modify(self._sock_fd, events)

    def arm(self, when: float) -> None:
        """Fire at monotonic time `when` (the `time.monotonic()` clock)."""
        seconds = int(when)
        value = self._spec.it_value
        value.tv_sec = seconds
        value.tv_nsec = max(1, int((when - seconds) * 1e9))
        assert _LIBC is not None
        if _LIBC[1](self._timer_fd, _TFD_TIMER_ABSTIME, ctypes.byref(self._spec), None) < 0:  # type: ignore[operator]
            errno = ctypes.get_errno()
            raise OSError(errno, os.strerror(errno))
        self.armed_for = when

    def fired(self) -> bool:
        """Whether the timer fired since it was armed (and clear it)."""
        try:
            os.read(self._timer_fd, 8)
        except BlockingIOError:
            return False
        self.armed_for = None
        return True

    def close(self) -> None:
        self._epoll.close()
        os.close(self._timer_fd)
