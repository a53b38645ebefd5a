"""Files already in the import format's layout → their table, merged by key: a table's template filled in
(`data/templates`), rows the cockpit writes for you to add (the CAPE declaration's `cape_claims_to_record.csv`, the
claims it files as `duty_refunds` rows), or a month's new purchase orders kept in the template's columns.

A file is one table's when every column of its header is a column of that table (`docs/data-contract.md`) and the
table's required columns are all there: the columns' own names, in any order and case, nothing else (a file with
other columns goes to a mapping). Its rows are read as a mapping of each column onto itself would read them
(`mapping.convert`): dates (an ambiguous day/month refused with the evidence, or read as `--date-format` says) and
numbers converted, a cell that cannot be rejects its line with file, line and column; the rules of the contract
(allowed values, ranges, references) are the build's, as for every file. The rows are merged into the import folder
by the table's key (`store.merge_rows`): a row whose key is already there replaces it, the others are added.

Named after its table (`duty_refunds.csv`), a file *is* the table: the Data page takes it as the whole table and
`import` is not needed. Any other name merges.
"""

from __future__ import annotations

from pipelines import contract as c
from pipelines.adapters import mapping
from pipelines.adapters.base import Converted, Format, Options, Source


class TableFormat(Format):
    """A contract table's own layout: recognised only when every header is one of its columns (see the module)."""

    def matches(self, header: list[str]) -> bool:
        names = {name.lower() for name in self.columns}
        given = [h.strip().lower() for h in header if h.strip()]
        return bool(given) and all(h in names for h in given) and super().matches(header)


def _convert(table: str):
    def convert(source: Source, options: Options) -> Converted:
        spec = c.TABLES_BY_NAME[table]
        itself = mapping.Mapping(table=table, columns={name: name for name in spec.column_names},
                                 date=options.date_format or mapping.AUTO)
        return mapping.convert(source, itself, fmt=FORMATS[table])
    return convert


FORMATS: dict[str, Format] = {
    spec.name: TableFormat(
        name=f"table-{spec.name}",
        title=f"{spec.name} in the import format's own columns",
        tables=(spec.name,),
        columns=tuple(spec.column_names),
        required=tuple(spec.required_columns),
        convert=_convert(spec.name),
        doc="docs/importers.md#files-in-the-import-formats-own-columns",
    )
    for spec in c.TABLES
}
