"""A small, safe expression language for skip logic, constraints and scores.

Questionnaire authors write conditions such as ``rd != 'none' and count(innovations) >= 2``.
The text is parsed with :mod:`ast` and interpreted by walking a whitelist of node types:
nothing is ever passed to ``eval``/``exec``, attribute access and arbitrary calls are
rejected at load time, so a questionnaire file cannot run code.

Names refer to earlier answers (``None`` when unanswered), written bare or XLSForm-style as
``${name}``; ``value`` is the answer being checked inside a ``constraint``. ``today()`` is the
date of the respondent's current turn, which the engine puts in the variables as ``_today``
(the language reads no clock). Ordering comparisons (``<``, ``>=`` …) with an unanswered
value are false; ``==`` and ``!=`` compare with ``None`` as written, so ``rd != 'none'`` holds
while ``rd`` is unanswered. Arithmetic works on numbers only (``'x' * 10**9`` is no answer).
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rapidfuzz import process

TODAY = "_today"  # the variable holding today's date (ISO), set by the engine from its clock
_REF = re.compile(r"\$\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}")

class ExpressionError(ValueError):
    """The expression text is not valid in the questionnaire language."""


def _count(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, (list, tuple, set)):
        return len(value)
    return 1


def _selected(value: Any, option: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, (list, tuple, set)):
        return option in value
    return value == option


def _answered(value: Any) -> bool:
    return value is not None and value != [] and value != ""


def _number(value: Any, default: float = 0) -> float:
    if value is None or isinstance(value, (list, tuple)):
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _words(value: Any) -> int:
    return len(value.split()) if isinstance(value, str) else 0


def _length(value: Any) -> int:
    return len(value.strip()) if isinstance(value, str) else _count(value)


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def _iif(condition: Any, when_true: Any, when_false: Any) -> Any:
    return when_true if condition else when_false


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (list, tuple)):
        return " ".join(_text(v) for v in value)
    return str(value)


def _concat(*values: Any) -> str:
    return "".join(_text(v) for v in values)


def _regex(value: Any, pattern: Any) -> bool:
    """XLSForm's regex(): does the answer match the pattern (an unanswered one does not)?"""
    if value is None or not isinstance(pattern, str):
        return False
    return re.search(pattern, _text(value)) is not None


def _coalesce(*values: Any) -> Any:
    return next((v for v in values if _answered(v)), None)


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "count": _count,
    "selected": _selected,
    "answered": _answered,
    "number": _number,
    "iif": _iif,
    "min": lambda *a: min(a),
    "max": lambda *a: max(a),
    "abs": abs,
    "round": round,
    "len": _count,
    "words": _words,
    "length": _length,
    "lower": _lower,
    "concat": _concat,
    "regex": _regex,
    "coalesce": _coalesce,
    "today": lambda: None,  # evaluated from the variables (TODAY), see _eval
}

_COMPARE: dict[type, Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: b is not None and a in b,
    ast.NotIn: lambda a, b: b is None or a not in b,
}

_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Mod: operator.mod,
}

_ALLOWED = (
    ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.UAdd,
    ast.Compare, ast.BinOp, ast.Name, ast.Load, ast.Constant, ast.List, ast.Tuple,
    ast.Call, ast.IfExp, *_COMPARE.keys(), *_BINARY.keys(),
)


@dataclass(frozen=True)
class Expression:
    """A parsed expression: keep the source for messages, the tree for evaluation."""

    source: str
    tree: ast.Expression
    names: frozenset[str]

    def evaluate(self, variables: Mapping[str, Any]) -> Any:
        try:
            return _eval(self.tree.body, variables)
        except (TypeError, ZeroDivisionError, ValueError):
            # A comparison of unlike types (an unanswered value, a text against a number)
            # is "not satisfied", never a crash in the middle of someone's interview.
            return None

    def is_true(self, variables: Mapping[str, Any]) -> bool:
        return bool(self.evaluate(variables))


@lru_cache(maxsize=1024)
def parse(source: str) -> Expression:
    """Parse and vet ``source``; raise :class:`ExpressionError` with a readable reason."""
    if not isinstance(source, str) or not source.strip():
        raise ExpressionError("empty expression")
    try:
        tree = ast.parse(_REF.sub(r"\1", source.strip()), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"syntax error in {source!r}: {exc.msg}") from None
    names: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED):
            raise ExpressionError(f"{type(node).__name__} is not allowed in {source!r}")
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                name = node.func.id if isinstance(node.func, ast.Name) else None
                raise ExpressionError(
                    f"unknown function {name + '()' if name else ''} in {source!r}"
                    + (f"; did you mean {hint}()?" if name and (hint := suggest(name, FUNCTIONS)) else "")
                    + f"; known: {', '.join(sorted(FUNCTIONS))}"
                )
            if node.func.id == "regex" and len(node.args) == 2 and isinstance(node.args[1], ast.Constant):
                try:
                    re.compile(str(node.args[1].value))
                except re.error as exc:
                    raise ExpressionError(f"regex() pattern in {source!r} is not valid: {exc}") from None
            if node.keywords:
                raise ExpressionError(f"keyword arguments are not allowed in {source!r}")
        elif isinstance(node, ast.Name) and not _is_function_name(tree, node):
            names.add(node.id)
    return Expression(source=source, tree=tree, names=frozenset(names))


def suggest(name: str, candidates: Any, cutoff: float = 70) -> str | None:
    """The closest of ``candidates`` to a misspelt ``name`` ("did you mean …?"), if any is close."""
    found = process.extractOne(name, list(candidates), score_cutoff=cutoff)
    return found[0] if found else None


def _is_function_name(tree: ast.AST, name: ast.Name) -> bool:
    return any(isinstance(n, ast.Call) and n.func is name for n in ast.walk(tree))


def _eval(node: ast.AST, env: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in ("true", "True"):
            return True
        if node.id in ("false", "False"):
            return False
        if node.id in ("null", "None"):
            return None
        return env.get(node.id)
    if isinstance(node, ast.BoolOp):
        if isinstance(node.op, ast.And):
            result: Any = True
            for value in node.values:
                result = _eval(value, env)
                if not result:
                    return result
            return result
        result = False
        for value in node.values:
            result = _eval(value, env)
            if result:
                return result
        return result
    if isinstance(node, ast.UnaryOp):
        operand = _eval(node.operand, env)
        if isinstance(node.op, ast.Not):
            return not operand
        if operand is None:
            return None
        return -operand if isinstance(node.op, ast.USub) else +operand
    if isinstance(node, ast.Compare):
        left = _eval(node.left, env)
        for op, comparator in zip(node.ops, node.comparators):
            right = _eval(comparator, env)
            if not isinstance(op, (ast.In, ast.NotIn, ast.Eq, ast.NotEq)) and (
                left is None or right is None
            ):
                return False
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.BinOp):
        left, right = _eval(node.left, env), _eval(node.right, env)
        if not isinstance(left, (int, float)) or not isinstance(right, (int, float)):
            return None  # unanswered, or text/list arithmetic: never build huge values
        return _BINARY[type(node.op)](left, right)
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_eval(item, env) for item in node.elts]
    if isinstance(node, ast.IfExp):
        return _eval(node.body, env) if _eval(node.test, env) else _eval(node.orelse, env)
    if isinstance(node, ast.Call):
        assert isinstance(node.func, ast.Name)
        if node.func.id == "today":
            return env.get(TODAY)
        return FUNCTIONS[node.func.id](*(_eval(arg, env) for arg in node.args))
    raise ExpressionError(f"{type(node).__name__} is not allowed")  # vetted in parse()
