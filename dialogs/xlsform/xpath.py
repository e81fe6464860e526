"""XLSForm expressions (XPath with ``${name}``) to and from the questionnaire language.

Reading uses pyxform's own XPath lexer (``pyxform.parsing.expression``), so a token means in
Scenari what it means in ODK: ``${a}`` → ``a``, ``.`` → ``value``, ``=`` → ``==``, ``div`` →
``/``, ``count-selected()`` → ``count()``, ``if()`` → ``… if … else …``. Writing walks the
vetted syntax tree the other way. Both sides go through :func:`canonical`, one spelling per
meaning (``x in ['a', 'b']`` for a chain of ``==``, ``answered(x)`` for ``${x} != ''``), so an
exported form imports back to the very same questionnaire.
"""

from __future__ import annotations

import ast
from collections.abc import Collection

from pyxform.parsing.expression import parse_expression

from ..expressions import ExpressionError, parse

# XLSForm function → ours. Scenari's own functions pass through, for the round trip.
FUNCTIONS = {
    "count-selected": "count", "count": "count", "selected": "selected", "if": "__if",
    "string-length": "length", "today": "today", "regex": "regex", "concat": "concat",
    "coalesce": "coalesce", "number": "number", "round": "round", "min": "min", "max": "max",
    "abs": "abs",
    "answered": "answered", "words": "words", "lower": "lower", "iif": "iif", "length": "length",
    "len": "len",
}
_PASSED = {"NUMBER", "SYSTEM_LITERAL", "COMMA", "OPEN_PAREN", "CLOSE_PAREN", "OPS_BOOL"}
_OUT_FUNCTIONS = {"iif": "iif", "length": "string-length"}


class XPathError(ValueError):
    """An XLSForm expression Scenari cannot run; the message names the construct."""


def to_scenari(xpath: str, rename: dict[str, str] | None = None) -> str:
    """An XLSForm expression in the questionnaire language (canonical spelling).

    ``rename`` maps bare names (a choice's columns, in a choice_filter) to new ones.
    """
    out: list[str] = []
    drop_close = False
    tokens = parse_expression(xpath.strip())
    for number, token in enumerate(tokens):
        kind, text = token.type, str(token.value)
        previous = tokens[number - 1] if number else None
        if drop_close:
            drop_close = False
            if kind == "CLOSE_PAREN":
                continue
        if kind == "WHITESPACE":
            out.append(" ")
        elif kind == "PYXFORM_REF":
            if "last-saved#" in text:
                raise XPathError(f"{text} (last-saved) is not supported")
            out.append(text[2:-1])
        elif kind == "SELF_REF":
            out.append("value")
        elif kind == "OPS_COMP":
            # pyxform's lexer splits ">=" and "<=" into two tokens: join them again
            joined = text == "=" and previous is not None and previous.type == "OPS_COMP"
            out.append("=" if joined else "==" if text == "=" else text)
        elif kind == "OPS_MATH":
            out.append({" div ": " / ", " mod ": " % "}.get(text, text))
        elif kind in _PASSED:
            out.append(text)
        elif kind == "FUNC_CALL":
            name = text[:-1]
            if name in ("true", "false"):
                out.append(name.capitalize())
                drop_close = True
            elif name == "not":
                out.append("not (")
            elif name in FUNCTIONS:
                out.append(FUNCTIONS[name] + "(")
            else:
                raise XPathError(f"the function {name}() is not supported")
        elif kind == "NAME":
            out.append((rename or {}).get(text, text))  # a choice's column, in a choice_filter
        else:
            raise XPathError(f"{text!r} is not supported (paths, predicates and other XPath are not)")
    try:
        return canonical("".join(out))
    except ExpressionError as exc:
        raise XPathError(str(exc)) from None


def canonical(source: str) -> str:
    """One spelling per meaning, so a round trip compares equal (also vets the expression)."""
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"syntax error in {source!r}: {exc.msg}") from None
    text = ast.unparse(ast.fix_missing_locations(_Canonical().visit(tree)))
    parse(text)
    return text


class _Canonical(ast.NodeTransformer):
    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        name = node.func.id if isinstance(node.func, ast.Name) else ""
        if name == "__if" and len(node.args) == 3:
            return ast.IfExp(test=node.args[0], body=node.args[1], orelse=node.args[2])
        if name == "selected" and len(node.args) == 2 and isinstance(node.args[1], ast.Name):
            return ast.Compare(left=node.args[1], ops=[ast.In()], comparators=[node.args[0]])
        return node

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        if len(node.ops) == 1 and isinstance(node.ops[0], (ast.Eq, ast.NotEq)):
            right = node.comparators[0]
            if isinstance(right, ast.Constant) and right.value == "":
                answered = ast.Call(func=ast.Name("answered", ast.Load()), args=[node.left], keywords=[])
                return answered if isinstance(node.ops[0], ast.NotEq) else ast.UnaryOp(ast.Not(), answered)
        return node

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:
        self.generic_visit(node)
        if not isinstance(node.op, ast.Or):
            return node
        left, values = None, []
        for value in node.values:
            if not (isinstance(value, ast.Compare) and len(value.ops) == 1 and isinstance(value.ops[0], ast.Eq)
                    and isinstance(value.comparators[0], ast.Constant)):
                return node
            if left is not None and ast.dump(left) != ast.dump(value.left):
                return node
            left = value.left
            values.append(value.comparators[0])
        return ast.Compare(left=left, ops=[ast.In()], comparators=[ast.List(elts=values, ctx=ast.Load())])


def to_xpath(source: str, keys: Collection[str], selections: Collection[str] = ()) -> str:
    """An expression of the questionnaire language as XLSForm writes it.

    ``keys`` become ``${key}``; ``selections`` are the multiple-choice and ranking keys (and
    ``value`` when the question is one), whose ``count()`` is XLSForm's ``count-selected()``.
    """
    tree = ast.parse(canonical(source), mode="eval")
    return _Writer(set(keys), set(selections)).write(tree.body)


class _Writer:
    def __init__(self, keys: set[str], selections: set[str]) -> None:
        self.keys, self.selections = keys, selections

    def write(self, node: ast.AST) -> str:
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            raise XPathError(f"{ast.unparse(node)!r} has no XLSForm equivalent")
        return method(node)

    def _Constant(self, node: ast.Constant) -> str:
        if node.value is True or node.value is False:
            return f"{str(node.value).lower()}()"
        if node.value is None:
            return "''"
        if isinstance(node.value, str):
            return f'"{node.value}"' if "'" in node.value else f"'{node.value}'"
        return repr(node.value)

    def _Name(self, node: ast.Name) -> str:
        if node.id in ("True", "true", "False", "false"):
            return f"{node.id.lower()}()"
        if node.id in ("None", "null"):
            return "''"
        if node.id == "value":
            return "."
        return f"${{{node.id}}}" if node.id in self.keys else node.id

    def _BoolOp(self, node: ast.BoolOp) -> str:
        op = " and " if isinstance(node.op, ast.And) else " or "
        return op.join(self._grouped(value) for value in node.values)

    def _grouped(self, node: ast.AST) -> str:
        text = self.write(node)
        return f"({text})" if isinstance(node, (ast.BoolOp, ast.BinOp)) else text

    def _UnaryOp(self, node: ast.UnaryOp) -> str:
        if isinstance(node.op, ast.Not):
            return f"not({self.write(node.operand)})"
        sign = "-" if isinstance(node.op, ast.USub) else ""
        return f"{sign}{self._grouped(node.operand)}"

    def _BinOp(self, node: ast.BinOp) -> str:
        ops = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "div", ast.Mod: "mod"}
        return f"{self._grouped(node.left)} {ops[type(node.op)]} {self._grouped(node.right)}"

    def _IfExp(self, node: ast.IfExp) -> str:
        return f"if({self.write(node.test)}, {self.write(node.body)}, {self.write(node.orelse)})"

    def _Compare(self, node: ast.Compare) -> str:
        parts, left = [], node.left
        for op, right in zip(node.ops, node.comparators):
            parts.append(self._comparison(left, op, right))
            left = right
        return " and ".join(parts) if len(parts) == 1 else " and ".join(f"({p})" for p in parts)

    def _comparison(self, left: ast.AST, op: ast.cmpop, right: ast.AST) -> str:
        if isinstance(op, (ast.In, ast.NotIn)):
            if isinstance(right, (ast.List, ast.Tuple)):
                text = " or ".join(f"{self._grouped(left)} = {self.write(item)}" for item in right.elts)
                text = f"({text})"
            else:
                text = f"selected({self.write(right)}, {self.write(left)})"
            return f"not({text})" if isinstance(op, ast.NotIn) else text
        symbols = {ast.Eq: "=", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
        return f"{self._grouped(left)} {symbols[type(op)]} {self._grouped(right)}"

    def _Call(self, node: ast.Call) -> str:
        assert isinstance(node.func, ast.Name)
        name = node.func.id
        if name == "answered" and len(node.args) == 1:
            return f"{self._grouped(node.args[0])} != ''"
        if name == "count":
            argument = node.args[0] if node.args else None
            if isinstance(argument, ast.Name) and argument.id in self.selections:
                name = "count-selected"
        else:
            name = _OUT_FUNCTIONS.get(name, name)
        return f"{name}({', '.join(self.write(arg) for arg in node.args)})"
