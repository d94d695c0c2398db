"""seams.E012/E013: api functions the remote binding could not carry are found at check
time, with the rule and the fix; the project's own apis pass."""

from __future__ import annotations

from django.core.management import call_command

from app.kernel.remote import binding
from app.kernel.remote.checks import api_functions, check_functions
from tests.kernel.remote.throwaway import load

rmbad = load("rmbad")


def _errors(name: str):
    return check_functions([binding.api_function(getattr(rmbad, name))])


def test_the_project_apis_pass():
    assert api_functions() == []
    call_command("check", "--fail-level", "ERROR")


def test_a_positional_parameter_is_e012():
    (error,) = _errors("positional")
    assert error.id == "seams.E012"
    assert "'name' is not keyword-only" in error.msg
    assert "def positional(*, ...)" in error.hint


def test_an_unresolvable_hint_is_e012():
    (error,) = _errors("unresolved")
    assert error.id == "seams.E012" and "NoSuchType" in error.msg


def test_a_type_that_cannot_cross_is_e012():
    (error,) = _errors("opaque")
    assert error.id == "seams.E012" and "cannot cross the wire" in error.msg


def test_a_mutable_dto_is_e013_directly_or_nested():
    (direct,) = _errors("mutable_result")
    (nested,) = _errors("nested_mutable")
    for error in (direct, nested):
        assert error.id == "seams.E013"
        assert "rmbad.api.Mutable" in error.msg and "frozen=True" in error.hint
