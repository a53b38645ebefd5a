"""Which separator of a number is the decimal one: the patterns both number readers prove it with.

One definition for the import format's validation in DuckDB (pipelines/validate.py, RE2) and the export adapters'
parser in pandas (pipelines/adapters/numbers.py, Python `re`); every pattern is written for a full match of the
value without its currency sign, in the syntax both engines share.

- `PROOF[POINT]`: `19.99`, `0.5`, `.5`, `0.008` (a first group of 0 is no thousand), `1234.5678`, `1,234.50` or
  `1,234,567` prove a decimal point;
- `PROOF[COMMA]`: `19,99`, `0,5`, `0,008`, `1.234,50` or `1.234.567` prove a decimal comma;
- `UNCLEAR`: `1,234` or `1.234` (one separator, three digits after it, a first group that is not 0) could be a
  thousand or one and a bit, and proves nothing.
A malformed value (`12,34.5`, `1.2.3`) proves nothing either: it is refused as a number, not taken as evidence of
its column's locale.
"""

POINT, COMMA = ".", ","
PROOF = {POINT: r"[+-]?(\d*\.(\d{1,2}|\d{4,})|0\.\d+|[1-9]\d{0,2}(,\d{3})+\.\d*|[1-9]\d{0,2}(,\d{3}){2,})",
         COMMA: r"[+-]?(\d*,(\d{1,2}|\d{4,})|0,\d+|[1-9]\d{0,2}(\.\d{3})+,\d*|[1-9]\d{0,2}(\.\d{3}){2,})"}
UNCLEAR = r"[+-]?[1-9]\d{0,2}[.,]\d{3}"
