"""Spectral rules such as ``B8 > B4 & (B8 - B4) / (B8 + B4) > 0.3``, parsed, never evaluated
as Python.

Grammar (lowest precedence first)::

    rule    := and ('|' and)*
    and     := compare ('&' compare)*
    compare := sum (('>' | '>=' | '<' | '<=') sum)?
    sum     := product (('+' | '-') product)*
    product := unary (('*' | '/') unary)*
    unary   := '-' unary | number | band | '(' rule ')'
    number  := digits with an optional decimal point and exponent (0.3, .5, 2e3, 1.5e-3)

A band is a band name of the image (``B8``, ``B8A``, ``B11``) or, quoted with double quotes,
any other name. A rule's value is True where the optical property satisfies it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

_TOKEN = re.compile(
    r"\s*(?:(?P<number>(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?)"
    r'|(?P<name>[A-Za-z_][A-Za-z0-9_]*|"[^"]+")'
    r"|(?P<op>>=|<=|[-+*/()<>&|]))"
)


class RuleError(ValueError):
    """A rule that cannot be parsed or names a band that does not exist."""


@dataclass(frozen=True)
class Rule:
    text: str
    tree: tuple

    @property
    def bands(self) -> set[str]:
        return _bands(self.tree)

    def check_bands(self, available: list[str], owner: str = "") -> None:
        unknown = sorted(self.bands - set(available))
        if unknown:
            where = f" of element '{owner}'" if owner else ""
            raise RuleError(
                f"rule '{self.text}'{where} names band(s) {', '.join(unknown)} that are not "
                f"among the bands {', '.join(available)}"
            )

    def holds(self, values: dict[str, np.ndarray]) -> np.ndarray:
        """Where the rule is satisfied, given one array per band (NaN never satisfies)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            result = _evaluate(self.tree, values)
        return np.asarray(result, dtype=bool)


def parse_rule(text: str) -> Rule:
    tokens = _tokenize(text)
    parser = _Parser(tokens, text)
    tree = parser.rule()
    if parser.position != len(tokens):
        raise RuleError(f"rule '{text}': unexpected '{tokens[parser.position][1]}'")
    if tree[0] not in ("compare", "and", "or"):
        raise RuleError(f"rule '{text}' is not a comparison (use >, >=, < or <=)")
    return Rule(text, tree)


ALLOWED = ("only band names (B4, B8A, or any name in double quotes), numbers, + - * / ( ), "
           "the comparisons > >= < <=, & (and) and | (or)")


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    text = text.rstrip()
    call = re.search(r"[A-Za-z_][A-Za-z0-9_.]*\s*\(", text)
    if call:
        raise RuleError(f"rule '{text}': '{call.group(0).strip()}' is a function call, which "
                        f"rules do not allow; a rule holds {ALLOWED}")
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            rest = text[position:].strip()
            raise RuleError(f"rule '{text}': '{rest[:1]}' (in '{rest[:12]}') is not allowed; "
                            f"a rule holds {ALLOWED}")
        kind = match.lastgroup
        tokens.append((kind, match.group(kind)))
        position = match.end()
    if not tokens:
        raise RuleError("empty rule")
    return tokens


class _Parser:
    def __init__(self, tokens, text):
        self.tokens, self.text, self.position = tokens, text, 0

    def _peek(self):
        return self.tokens[self.position][1] if self.position < len(self.tokens) else None

    def _take(self):
        token = self.tokens[self.position]
        self.position += 1
        return token

    def _binary(self, operators, operand, kind):
        left = operand()
        while self._peek() in operators:
            operator = self._take()[1]
            left = (kind, operator, left, operand())
        return left

    def rule(self):
        return self._binary(("|",), self.conjunction, "or")

    def conjunction(self):
        return self._binary(("&",), self.comparison, "and")

    def comparison(self):
        left = self.sum()
        if self._peek() in (">", ">=", "<", "<="):
            operator = self._take()[1]
            return ("compare", operator, left, self.sum())
        return left

    def sum(self):
        return self._binary(("+", "-"), self.product, "arith")

    def product(self):
        return self._binary(("*", "/"), self.unary, "arith")

    def unary(self):
        if self.position >= len(self.tokens):
            raise RuleError(f"rule '{self.text}' ends too early")
        kind, value = self._take()
        if value == "-":
            return ("neg", self.unary())
        if kind == "number":
            return ("number", float(value))
        if kind == "name":
            return ("band", value.strip('"'))
        if value == "(":
            inner = self.rule()
            if self._peek() != ")":
                raise RuleError(f"rule '{self.text}': missing ')'")
            self._take()
            return inner
        raise RuleError(f"rule '{self.text}': unexpected '{value}'")


def _bands(tree) -> set[str]:
    if tree[0] == "band":
        return {tree[1]}
    if tree[0] == "number":
        return set()
    if tree[0] == "neg":
        return _bands(tree[1])
    return _bands(tree[2]) | _bands(tree[3])


_ARITH = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide}
_COMPARE = {">": np.greater, ">=": np.greater_equal, "<": np.less, "<=": np.less_equal}


def _evaluate(tree, values):
    kind = tree[0]
    if kind == "number":
        return tree[1]
    if kind == "band":
        if tree[1] not in values:
            raise RuleError(f"band '{tree[1]}' is not available")
        return np.asarray(values[tree[1]], dtype=float)
    if kind == "neg":
        return -_evaluate(tree[1], values)
    left, right = _evaluate(tree[2], values), _evaluate(tree[3], values)
    if kind == "arith":
        return _ARITH[tree[1]](left, right)
    if kind == "compare":
        return _COMPARE[tree[1]](left, right)
    if kind == "and":
        return np.logical_and(left, right)
    return np.logical_or(left, right)
