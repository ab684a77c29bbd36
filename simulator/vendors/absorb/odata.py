"""Absorb's `_filter` (an OData v2/v3 subset) and `_sort`, compiled to SQLAlchemy expressions.

The filter is parsed by a small recursive-descent parser into SQL expressions over a
whitelist of filterable columns per resource: no SQL text is ever built from the input
and no row is ever tested in Python. Anything the grammar or the whitelist refuses
raises `QueryError`, which the routes answer with Absorb's 422.

Grammar (keywords and field names are matched case-insensitively):

    filter     := or_expr
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := unary ("and" unary)*
    unary      := "not" unary | comparison
    comparison := operand (("eq"|"ne"|"gt"|"ge"|"lt"|"le") operand)?
    operand    := "(" or_expr ")" | call | literal | field
    call       := substringof(string, text) | startswith(text, string) | endswith(text, string)
                | tolower(text) | toupper(text)
    literal    := 'string' | number | true | false | null | guid'...' | datetime'...'

A bare boolean field (`isActive`) or call is a predicate on its own. String matching by
the functions is case-insensitive (Absorb runs on a case-insensitive SQL Server
collation); `eq` on strings compares exactly. Bounds: `MAX_LENGTH` characters,
`MAX_DEPTH` levels of nesting.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, literal, not_, or_, true
from sqlalchemy.sql.elements import UnaryExpression

MAX_LENGTH = 2000
MAX_DEPTH = 32
MAX_SORT_FIELDS = 10

STRING, GUID, INT, DECIMAL, DATETIME, BOOL, NULL = "string", "guid", "int", "decimal", "datetime", "bool", "null"
_NUMERIC = frozenset({INT, DECIMAL})
_COMPARISONS = ("eq", "ne", "gt", "ge", "lt", "le")
_KEYWORDS = frozenset({"and", "or", "not", *_COMPARISONS})

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<typed>(?:guid|datetime|datetimeoffset)'(?:[^']|'')*')
  | (?P<string>'(?:[^']|'')*')
  | (?P<number>-?[0-9]+(?:\.[0-9]+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:/[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<punct>[(),])
    """,
    re.VERBOSE | re.IGNORECASE,
)


class QueryError(ValueError):
    """A `_filter` or `_sort` the simulator (like Absorb) refuses: answered with 422."""


@dataclass(frozen=True)
class Field:
    """A filterable/sortable column and the OData type its literals must have."""

    column: Any  # a mapped column attribute
    kind: str


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    pos: int


@dataclass(frozen=True)
class _Operand:
    kind: str
    sql: Any
    is_field: bool = False  # a column, or a function of a column
    is_literal: bool = False
    value: Any = None


def tokenize(text: str) -> list[_Token]:
    out: list[_Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise QueryError(f"Invalid character {text[pos]!r} at position {pos} of _filter")
        kind = match.lastgroup or ""
        if kind != "ws":
            out.append(_Token(kind, match.group(), pos))
        pos = match.end()
    return out


class _Parser:
    def __init__(self, text: str, fields: Mapping[str, Field]) -> None:
        self.tokens = tokenize(text)
        self.i = 0
        self.fields = {name.lower(): f for name, f in fields.items()}
        self.depth = 0

    # -- token helpers -------------------------------------------------------------
    def peek(self) -> _Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def peek_word(self) -> str | None:
        tok = self.peek()
        return tok.text.lower() if tok is not None and tok.kind == "name" else None

    def take(self) -> _Token:
        tok = self.peek()
        if tok is None:
            raise QueryError("Unexpected end of _filter")
        self.i += 1
        return tok

    def expect(self, text: str) -> None:
        tok = self.take()
        if tok.text != text:
            raise QueryError(f"Expected {text!r} at position {tok.pos} of _filter, found {tok.text!r}")

    def nested(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QueryError(f"_filter is nested more than {MAX_DEPTH} levels deep")

    # -- grammar ---------------------------------------------------------------------
    def parse(self) -> ColumnElement[bool]:
        if not self.tokens:
            raise QueryError("_filter is empty")
        result = self.predicate(self.or_expr())
        tok = self.peek()
        if tok is not None:
            raise QueryError(f"Unexpected {tok.text!r} at position {tok.pos} of _filter")
        return result

    def or_expr(self) -> _Operand:
        left = self.and_expr()
        while self.peek_word() == "or":
            self.take()
            right = self.and_expr()
            left = _Operand(BOOL, or_(self.predicate(left), self.predicate(right)))
        return left

    def and_expr(self) -> _Operand:
        left = self.unary()
        while self.peek_word() == "and":
            self.take()
            right = self.unary()
            left = _Operand(BOOL, and_(self.predicate(left), self.predicate(right)))
        return left

    def unary(self) -> _Operand:
        if self.peek_word() == "not":
            self.take()
            self.nested()
            inner = self.unary()
            self.depth -= 1
            return _Operand(BOOL, not_(self.predicate(inner)))
        return self.comparison()

    def comparison(self) -> _Operand:
        left = self.operand()
        word = self.peek_word()
        if word not in _COMPARISONS:
            return left
        self.take()
        right = self.operand()
        return _Operand(BOOL, compare(left, word, right))

    def operand(self) -> _Operand:
        tok = self.take()
        if tok.text == "(":
            self.nested()
            inner = self.or_expr()
            self.expect(")")
            self.depth -= 1
            return inner
        if tok.kind == "string":
            return _literal(STRING, tok.text[1:-1].replace("''", "'"))
        if tok.kind == "typed":
            return _typed_literal(tok.text)
        if tok.kind == "number":
            return _number(tok)
        if tok.kind == "name":
            return self.name(tok)
        raise QueryError(f"Unexpected {tok.text!r} at position {tok.pos} of _filter")

    def name(self, tok: _Token) -> _Operand:
        word = tok.text.lower()
        nxt = self.peek()
        if nxt is not None and nxt.text == "(":
            return self.call(word, tok)
        if word in ("true", "false"):
            return _literal(BOOL, word == "true")
        if word == "null":
            return _Operand(NULL, None, is_literal=True)
        if word in _KEYWORDS:
            raise QueryError(f"Unexpected {tok.text!r} at position {tok.pos} of _filter")
        found = self.fields.get(word)
        if found is None:
            raise QueryError(f"The field {tok.text!r} does not exist or cannot be filtered")
        return _Operand(found.kind, found.column, is_field=True)

    def call(self, name: str, tok: _Token) -> _Operand:
        self.expect("(")
        self.nested()
        args = [self.or_expr()]
        while self.peek() is not None and self.peek().text == ",":  # type: ignore[union-attr]
            self.take()
            args.append(self.or_expr())
        self.expect(")")
        self.depth -= 1
        return call(name, args, tok)

    def predicate(self, operand: _Operand) -> ColumnElement[bool]:
        """A boolean operand as a SQL condition (a bare bool field means `field eq true`)."""
        if operand.kind != BOOL:
            raise QueryError("_filter must be a condition (a comparison, a function or a boolean field)")
        if operand.is_literal:
            return true() if operand.value else false()
        if operand.is_field:
            return operand.sql.is_(True)  # type: ignore[no-any-return]
        return operand.sql  # type: ignore[no-any-return]


def _number(tok: _Token) -> _Operand:
    if len(tok.text) > 30:
        raise QueryError(f"The number at position {tok.pos} of _filter is too long")
    if "." in tok.text:
        return _literal(DECIMAL, float(tok.text))
    value = int(tok.text)
    if not -(2**63) <= value < 2**63:
        raise QueryError(f"The number at position {tok.pos} of _filter is out of range")
    return _literal(INT, value)


def _literal(kind: str, value: Any) -> _Operand:
    return _Operand(kind, literal(value), is_literal=True, value=value)


def _typed_literal(text: str) -> _Operand:
    prefix, _, rest = text.partition("'")
    body = rest[:-1].replace("''", "'")
    if prefix.lower() == "guid":
        if not body.isascii():  # `uuid.UUID` would read fullwidth digits as hex digits
            raise QueryError(f"{text!r} is not a valid guid literal")
        try:
            return _literal(GUID, str(uuid.UUID(body)))
        except ValueError:
            raise QueryError(f"{text!r} is not a valid guid literal") from None
    return _literal(DATETIME, parse_datetime(body, text))


def parse_datetime(body: str, text: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(body.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise QueryError(f"{text!r} is not a valid datetime literal") from None
    if not 1753 <= value.year <= 9998:  # SQL Server's datetime floor; keeps UTC conversion in range
        raise QueryError(f"{text!r} is out of range")
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _coerce_literal_to(target: str, operand: _Operand) -> _Operand:
    """Let a plain string literal stand for a guid or a datetime, as .NET's parser does."""
    if not operand.is_literal or operand.kind != STRING:
        return operand
    if target == GUID:
        try:
            return _literal(GUID, str(uuid.UUID(operand.value)))
        except ValueError:
            raise QueryError(f"{operand.value!r} is not a valid guid") from None
    if target == DATETIME:
        return _literal(DATETIME, parse_datetime(operand.value, repr(operand.value)))
    return operand


def _compatible(a: str, b: str) -> bool:
    return a == b or (a in _NUMERIC and b in _NUMERIC)


def _bind(operand: _Operand, other: _Operand) -> Any:
    """SQL for one side; a literal is bound with the other side's column type."""
    if operand.is_literal and other.is_field:
        return literal(operand.value, type_=other.sql.type)
    return operand.sql


def compare(left: _Operand, op: str, right: _Operand) -> ColumnElement[bool]:
    if left.kind == NULL or right.kind == NULL:
        return _compare_null(left, op, right)
    if left.kind == BOOL and right.kind == BOOL and (left.is_literal != right.is_literal):
        return _compare_condition(left, op, right)
    if not (left.is_field or right.is_field):
        raise QueryError("A comparison in _filter needs a field on one side")
    if left.is_field and not right.is_field:
        right = _coerce_literal_to(left.kind, right)
    if right.is_field and not left.is_field:
        left = _coerce_literal_to(right.kind, left)
    if not _compatible(left.kind, right.kind):
        raise QueryError(f"Cannot compare a {left.kind} with a {right.kind} in _filter")
    if op not in ("eq", "ne") and left.kind in (BOOL, GUID):
        raise QueryError(f"The operator {op!r} does not apply to {left.kind} values")
    a, b = _bind(left, right), _bind(right, left)
    if op == "eq":
        return a == b  # type: ignore[no-any-return]
    if op == "ne":
        return a != b  # type: ignore[no-any-return]
    if op == "gt":
        return a > b  # type: ignore[no-any-return]
    if op == "ge":
        return a >= b  # type: ignore[no-any-return]
    if op == "lt":
        return a < b  # type: ignore[no-any-return]
    return a <= b  # type: ignore[no-any-return]


def _compare_condition(left: _Operand, op: str, right: _Operand) -> ColumnElement[bool]:
    """`substringof('x', name) eq true` (OData v2 style) or `isActive eq false`."""
    condition, value = (right, left.value) if left.is_literal else (left, right.value)
    if op not in ("eq", "ne"):
        raise QueryError(f"The operator {op!r} does not apply to boolean values")
    sql = condition.sql.is_(True) if condition.is_field else condition.sql
    return sql if (op == "eq") == bool(value) else not_(sql)  # type: ignore[no-any-return]


def _compare_null(left: _Operand, op: str, right: _Operand) -> ColumnElement[bool]:
    field = left if left.kind != NULL else right
    if field.kind == NULL or not field.is_field:
        raise QueryError("null can only be compared with a field")
    if op not in ("eq", "ne"):
        raise QueryError(f"The operator {op!r} does not apply to null")
    return field.sql.is_(None) if op == "eq" else field.sql.is_not(None)  # type: ignore[no-any-return]


def _text_arg(operand: _Operand, name: str) -> Any:
    if operand.kind != STRING:
        raise QueryError(f"{name}() expects a text argument, got a {operand.kind}")
    return operand.sql


def _value_arg(operand: _Operand, name: str) -> str:
    if not operand.is_literal or operand.kind != STRING:
        raise QueryError(f"{name}() expects a quoted string value")
    return str(operand.value)


def call(name: str, args: list[_Operand], tok: _Token) -> _Operand:
    arity = {"substringof": 2, "startswith": 2, "endswith": 2, "tolower": 1, "toupper": 1}
    if name not in arity:
        raise QueryError(f"Unknown function {tok.text!r} in _filter")
    if len(args) != arity[name]:
        raise QueryError(f"{name}() takes {arity[name]} argument(s), got {len(args)}")
    if name in ("tolower", "toupper"):
        arg = args[0]
        sql = (func.lower if name == "tolower" else func.upper)(_text_arg(arg, name))
        if arg.is_literal:
            return _literal(STRING, arg.value.lower() if name == "tolower" else arg.value.upper())
        return _Operand(STRING, sql, is_field=arg.is_field)
    if name == "substringof":
        value, target = _value_arg(args[0], name), _text_arg(args[1], name)
        return _Operand(BOOL, target.icontains(value, autoescape=True))
    target, value = _text_arg(args[0], name), _value_arg(args[1], name)
    if name == "startswith":
        return _Operand(BOOL, target.istartswith(value, autoescape=True))
    return _Operand(BOOL, target.iendswith(value, autoescape=True))


def compile_filter(text: str, fields: Mapping[str, Field]) -> ColumnElement[bool]:
    """The SQL condition for an Absorb `_filter`, or `QueryError`."""
    if len(text) > MAX_LENGTH:
        raise QueryError(f"_filter is longer than {MAX_LENGTH} characters")
    return _Parser(text, fields).parse()


def compile_sort(text: str, fields: Mapping[str, Field]) -> list[UnaryExpression[Any]]:
    """ORDER BY terms for an Absorb `_sort` ("name,-dateAdded"), or `QueryError`."""
    by_name = {name.lower(): f for name, f in fields.items()}
    terms = [t.strip() for t in text.split(",")]
    if len(terms) > MAX_SORT_FIELDS:
        raise QueryError(f"_sort takes at most {MAX_SORT_FIELDS} fields")
    out: list[UnaryExpression[Any]] = []
    seen: set[str] = set()
    for term in terms:
        descending = term.startswith("-")
        name = term[1:].strip() if descending else term
        found = by_name.get(name.lower())
        if not name or found is None:
            raise QueryError(f"The field {name!r} does not exist or cannot be sorted")
        if name.lower() in seen:
            raise QueryError(f"The field {name!r} appears twice in _sort")
        seen.add(name.lower())
        # Nulls sort as lowest on both databases (SQLite's order; PostgreSQL's default is the opposite).
        out.append(found.column.desc().nulls_last() if descending else found.column.asc().nulls_first())
    return out
