"""Frames between the app and its evaluator processes (see `evaluator`).

A frame is an 8-byte length and a pickle. The app trusts what it sends, but not what comes
back: an evaluator runs diagram code, so its frames are read with `load_untrusted`, which
builds only plain data (the containers, numbers and strings pickle makes natively, and the
few classes task data may hold) and refuses any other class or function a pickle names.
"""
from __future__ import annotations

import builtins
import copyreg
import io
import os
import pickle
import select
import struct
import time
from typing import Any
from zoneinfo import ZoneInfo

HEADER = struct.Struct("!Q")
PROTOCOL = pickle.HIGHEST_PROTOCOL


class FrameError(Exception):
    """The other side closed the pipe, sent garbage, or did not answer in time."""


class FrameTimeout(FrameError):
    pass


# (module, name) a frame from an evaluator may name: task data and expression results.
_ALLOWED_GLOBALS = frozenset({
    ("datetime", "datetime"), ("datetime", "date"), ("datetime", "time"),
    ("datetime", "timedelta"), ("datetime", "timezone"),
    ("uuid", "UUID"), ("builtins", "range"), ("builtins", "complex"),
    ("app.engine.ipc", "zone"),
})


def zone(key: str) -> ZoneInfo:
    """A time zone by its key; ZoneInfo's own pickling goes through `getattr`."""
    return ZoneInfo(str(key))


_PLAIN_REDUCERS = copyreg.dispatch_table.copy()
_PLAIN_REDUCERS[ZoneInfo] = lambda tz: (zone, (tz.key,))


class _PlainDataUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} may not cross from an evaluator")


def dump(value: Any) -> bytes:
    body = pickle.dumps(value, protocol=PROTOCOL)
    return HEADER.pack(len(body)) + body


def dump_plain(value: Any) -> bytes:
    """As `dump`, in the form `load_untrusted` accepts (for the evaluator's answers)."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=PROTOCOL)
    pickler.dispatch_table = _PLAIN_REDUCERS
    pickler.dump(value)
    body = buffer.getvalue()
    return HEADER.pack(len(body)) + body


def load_untrusted(body: bytes) -> Any:
    return _PlainDataUnpickler(io.BytesIO(body)).load()


def _wait(fd: int, writing: bool, deadline: float | None) -> None:
    remaining = None if deadline is None else deadline - time.monotonic()
    if remaining is not None and remaining <= 0:
        raise FrameTimeout("timed out")
    args = ([], [fd], []) if writing else ([fd], [], [])
    ready = select.select(*args, remaining)
    if not any(ready):
        raise FrameTimeout("timed out")


def write_frame(fd: int, frame: bytes, deadline: float | None = None) -> None:
    """Write all of `frame` to a non-blocking (or blocking, without deadline) descriptor."""
    view = memoryview(frame)
    while view:
        try:
            written = os.write(fd, view)
        except BlockingIOError:
            _wait(fd, True, deadline)
            continue
        except (BrokenPipeError, OSError) as exc:
            raise FrameError(f"pipe closed: {exc}") from None
        view = view[written:]


def _read_exact(fd: int, size: int, deadline: float | None) -> bytes:
    chunks = []
    while size:
        try:
            chunk = os.read(fd, min(size, 1 << 20))
        except BlockingIOError:
            _wait(fd, False, deadline)
            continue
        except OSError as exc:
            raise FrameError(f"pipe closed: {exc}") from None
        if not chunk:
            raise FrameError("pipe closed")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def read_body(fd: int, deadline: float | None = None, max_bytes: int | None = None) -> bytes:
    (size,) = HEADER.unpack(_read_exact(fd, HEADER.size, deadline))
    if max_bytes is not None and size > max_bytes:
        raise FrameError(f"a frame of {size:,} bytes is larger than {max_bytes:,}")
    return _read_exact(fd, size, deadline)


def rebuild_exception(name: str, args: tuple, known: dict[str, type] | None = None
                      ) -> Exception:
    """An exception raised on the other side, by its class name: the same class when it is
    one of `known` or a built-in exception, else a new class of that name."""
    cls = (known or {}).get(name) or getattr(builtins, str(name), None)
    if not (isinstance(cls, type) and issubclass(cls, Exception)):
        label = str(name)[:80] if str(name).isidentifier() else "Error"
        cls = type(label, (Exception,), {})
    try:
        return cls(*args)
    except Exception:  # a class that wants other arguments (UnicodeDecodeError...)
        return Exception(f"{name}: {args}")
