"""Parsed specs cached per deployed model version (parsing costs milliseconds; steps must not)."""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from app.engine.parsing import ParsedModel, parse_model


class SpecCache:
    def __init__(self, max_size: int = 128):
        self._items: OrderedDict[int, ParsedModel] = OrderedDict()
        self._lock = threading.Lock()
        self._max_size = max_size

    def get(self, version_id: int, load_xml: Callable[[], str]) -> ParsedModel:
        with self._lock:
            model = self._items.get(version_id)
            if model is not None:
                self._items.move_to_end(version_id)
                return model
        model = parse_model(load_xml())
        model.tree = None  # the XML tree is only needed for validation
        with self._lock:
            self._items[version_id] = model
            while len(self._items) > self._max_size:
                self._items.popitem(last=False)
        return model

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


SPECS = SpecCache()
