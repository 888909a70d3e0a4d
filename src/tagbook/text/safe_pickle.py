"""A restricted unpickler: plain data only, nothing that can run code.

Unpickling calls whatever callables a pickle names (``GLOBAL`` / ``STACK_GLOBAL`` followed by
``REDUCE``), so an ordinary ``pickle.load`` of an untrusted file can run ``os.system``.
:func:`restricted_load` resolves no name at all unless it is on a short allow-list:

- always: ``dict``, ``list``, ``tuple``, ``str``, ``bytes``, ``int``, ``float``, ``bool`` and
  ``None`` are built by pickle's own opcodes and need no name; ``set``, ``frozenset``,
  ``bytearray`` and ``complex`` (inert containers/numbers that old protocols name) are allowed,
  and ``_codecs.encode`` restricted to latin-1 (protocols 0-2 store ``bytes`` through it).
- ``allow_numpy=True``: exactly what a NumPy array of numbers needs, each wrapped to refuse the
  dangerous cases: ``numpy._core.multiarray._reconstruct`` (only for ``numpy.ndarray`` itself),
  the name ``numpy.ndarray`` (as a marker, never callable as the class), ``numpy.dtype`` (never the ``object`` dtype, whose items would be arbitrary
  pickled objects) and ``numpy._core.numeric._frombuffer`` (protocol 5). Old pickles that name
  ``numpy.core.*`` map to the same objects.

Anything else raises :class:`pickle.UnpicklingError` naming the refused global.
"""

from __future__ import annotations

import builtins
import io
import pickle
from typing import Any, BinaryIO

__all__ = ["restricted_load", "restricted_loads", "PLAIN_GLOBALS"]

PLAIN_GLOBALS = frozenset({("builtins", "set"), ("builtins", "frozenset"),
                           ("builtins", "bytearray"), ("builtins", "complex")})


def _latin1_encode(text, encoding="utf-8", errors="strict"):
    """``_codecs.encode`` as protocols 0-2 use it to store bytes: latin-1 text to bytes only."""
    if encoding not in ("latin1", "latin-1") or not isinstance(text, str) or errors != "strict":
        raise pickle.UnpicklingError(f"refused _codecs.encode with encoding {encoding!r}")
    return text.encode("latin-1")


class _NdarrayName:
    """Stands for ``numpy.ndarray`` in a pickle: only ``_reconstruct`` accepts it, so the
    pickle can never call the real class (e.g. to make an ``object`` array)."""


def _numpy_globals() -> dict[tuple[str, str], Any]:
    import numpy as np
    from numpy._core import multiarray, numeric

    def reconstruct(subtype, shape, dtype):
        if subtype is not _NdarrayName:
            raise pickle.UnpicklingError(f"refusing to rebuild an array of type {subtype!r}")
        return multiarray._reconstruct(np.ndarray, shape, _plain_dtype(dtype))

    def plain_dtype(spec, align=False, copy=False):
        return _plain_dtype(np.dtype(spec, align, copy))

    def _plain_dtype(dtype):
        dtype = np.dtype(dtype)
        if dtype.hasobject:
            raise pickle.UnpicklingError(f"refusing an array of dtype {dtype} (holds Python objects)")
        return dtype

    def frombuffer(buffer, dtype, shape, order):
        return numeric._frombuffer(buffer, _plain_dtype(dtype), shape, order)

    table: dict[tuple[str, str], Any] = {("numpy", "ndarray"): _NdarrayName,
                                         ("numpy", "dtype"): plain_dtype}
    for module in ("numpy._core.multiarray", "numpy.core.multiarray"):
        table[(module, "_reconstruct")] = reconstruct
    for module in ("numpy._core.numeric", "numpy.core.numeric"):
        table[(module, "_frombuffer")] = frombuffer
    return table


class _RestrictedUnpickler(pickle.Unpickler):
    def __init__(self, file: BinaryIO, allow_numpy: bool):
        super().__init__(file)
        self._allowed = {key: getattr(builtins, key[1]) for key in PLAIN_GLOBALS}
        self._allowed[("_codecs", "encode")] = _latin1_encode
        if allow_numpy:
            self._allowed.update(_numpy_globals())

    def find_class(self, module: str, name: str) -> Any:
        if module == "__builtin__":  # protocol 0-2 pickles written with fix_imports
            module = "builtins"
        try:
            return self._allowed[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"refused global {module}.{name}: this pickle is not plain data "
                "(restricted_load allows only dict/list/tuple/str/bytes/numbers/None"
                " and, with allow_numpy=True, numeric NumPy arrays)"
            ) from None

    def persistent_load(self, pid: Any) -> Any:
        raise pickle.UnpicklingError(f"refused persistent id {pid!r}")


def restricted_load(fileobj: BinaryIO, *, allow_numpy: bool = False) -> Any:
    """Unpickle plain data from a binary file object; refuse any pickle that names code."""
    return _RestrictedUnpickler(fileobj, allow_numpy).load()


def restricted_loads(data: bytes, *, allow_numpy: bool = False) -> Any:
    """:func:`restricted_load` for a bytes object."""
    return restricted_load(io.BytesIO(data), allow_numpy=allow_numpy)
