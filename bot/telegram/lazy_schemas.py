"""Import aiogram with its Telegram types' pydantic schemas built on first use, not all at import.

Why: ``aiogram.types`` declares its 633 models ``defer_build=True`` and then, at the end of
its ``__init__``, calls ``model_rebuild()`` on every one of them to resolve their forward
references, which builds every schema and validator at once — each validator compiled with its
whole tree of nested models inline. On this project's machines that is ~8 s of CPU before a bot
can even be constructed (``python -X importtime -c "import aiogram.types"``), whatever pydantic
2.11–2.13 is installed (2.10 is slower still). The forward references only need a namespace to
be resolved in; the build itself can wait, as ``defer_build`` intends.

:func:`import_aiogram` imports aiogram while ``model_rebuild`` — only for models that ask for
``defer_build`` and only when given aiogram's types namespace — records that namespace on the
model (``__pydantic_parent_namespace__``, which pydantic reads on every rebuild) instead of
building. pydantic then builds each model the first time it validates or serialises one, with
the same namespace, exactly as the eager loop would have. Every other call goes to pydantic
untouched, and the original method is back as soon as the import ends.
tests/bot/test_startup.py builds every aiogram type this way and checks none is left incomplete.
"""

from __future__ import annotations

import sys
import threading
from typing import Any

from pydantic import BaseModel

_lock = threading.Lock()


def import_aiogram() -> None:
    """Import ``aiogram`` (a no-op once it is imported, eagerly or not)."""
    if "aiogram.types" in sys.modules:
        return
    with _lock:
        if "aiogram.types" in sys.modules:
            return
        original = BaseModel.__dict__["model_rebuild"]
        rebuild = original.__func__
        namespace: dict[str, Any] = {}

        def deferred(cls: type[BaseModel], *, force: bool = False, raise_errors: bool = True,
                     _parent_namespace_depth: int = 2, _types_namespace: Any = None) -> bool | None:
            if (_types_namespace is not None and not force and not cls.__pydantic_complete__
                    and cls.model_config.get("defer_build")):
                namespace.update(_types_namespace)
                cls.__pydantic_parent_namespace__ = namespace
                return None
            depth = _parent_namespace_depth + 1 if _parent_namespace_depth > 0 else 0  # this frame is one more
            return rebuild(cls, force=force, raise_errors=raise_errors, _parent_namespace_depth=depth,
                           _types_namespace=_types_namespace)

        BaseModel.model_rebuild = classmethod(deferred)  # type: ignore[assignment,method-assign]
        try:
            import aiogram.methods  # the import this module exists to defer (see the docstring)
            import aiogram.types
        finally:
            BaseModel.model_rebuild = original  # type: ignore[method-assign]
        # The methods (sendMessage…) are built as they are defined, on types not built yet: those
        # that name a type only aiogram.types' namespace knows wait for their first use, like the
        # types. The generic ``Response[…]`` that parses every answer is parametrised at run time
        # and inherits its origin's namespace: it gets the same one.
        models = [getattr(module, name) for module in (aiogram.methods, aiogram.types) for name in module.__all__]
        for model in [*models, aiogram.methods.Response]:
            if isinstance(model, type) and issubclass(model, BaseModel):
                model.__pydantic_parent_namespace__ = namespace
