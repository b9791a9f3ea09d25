"""Parsed specs cached per deployed model version (parsing costs milliseconds; steps must not)."""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from app.engine.parsing import ParsedModel, parse_model


class SpecCache:
    """Keyed by version id *and* content hash, so a reused id can never serve a stale spec."""

    def __init__(self, max_size: int = 128):
        self._items: OrderedDict[tuple[int, str], ParsedModel] = OrderedDict()
        self._lock = threading.Lock()
        self._max_size = max_size

    def get(self, version_id: int, content_hash: str, load_xml: Callable[[], str]) -> ParsedModel:
        key = (version_id, content_hash)
        with self._lock:
            model = self._items.get(key)
            if model is not None:
                self._items.move_to_end(key)
                return model
        model = parse_model(load_xml())
        model.tree = None  # the XML tree is only needed for validation
        with self._lock:
            self._items[key] = model
            while len(self._items) > self._max_size:
                self._items.popitem(last=False)
        return model

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


SPECS = SpecCache()
