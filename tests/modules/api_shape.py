"""What every module api function must be: keyword-only, typed and ``@module_api``."""

import inspect
import typing
from types import ModuleType

from app.kernel.ownership import is_module_api


def assert_keyword_only_typed_and_marked(api: ModuleType, name: str) -> None:
    function = getattr(api, name)
    assert is_module_api(function)
    signature = inspect.signature(function)
    assert all(p.kind is p.KEYWORD_ONLY for p in signature.parameters.values())
    hints = typing.get_type_hints(inspect.unwrap(function), vars(api))
    assert set(hints) == {*signature.parameters, "return"}
