"""Wise (formerly TransferWise) account statement, CSV → `payments`.

Wise → Statements and reports → Statements → CSV, one file per currency balance: `TransferWise ID, Date, Amount,
Currency, Description, Payment Reference, Running Balance, Exchange From, Exchange To, Exchange Rate, Payer Name,
Payee Name, Payee Account Number, Merchant, Card Last Four Digits, Card Holder Full Name, Attachment, Note, Total fees,
Exchange To Amount`. Amounts are signed (money out is negative), in the row's `Currency`.

Many brands pay their Chinese suppliers by Wise transfer, outside Trade Assurance; the statement is then the one
record of who was paid, how much and to which account. A payment belongs to the purchase order whose number its
`Payment Reference` or `Note` carries: the POs are those of the import folder's purchase_orders file (import them
first), matched as whole words, case-insensitively.

- `payment_id` = `wise:` + the TransferWise ID (importing the statement again replaces, never duplicates);
- `paid_on` = `Date`; `amount` = what the supplier was sent, in the PO's currency: the amount out less Wise's fee
  (`Total fees`), which a statement includes in the amount unless it lists fees as lines of their own
  ("Wise Charges for: …", the accounting statement's *show fees separately*); when the transfer converted currency,
  `Exchange To Amount` (or the amount less the fee times `Exchange Rate`) in the currency it converted to;
- `kind` from the words of the reference and note (data/reference/payment_kinds.csv: `deposit`, `定金` → deposit;
  `balance`, `尾款` → balance; neither → other); `channel` = `wire`; `payee_name` = `Payee Name`;
- `bank_account_id`: the PO supplier's account in the folder's bank_accounts file whose number is the
  `Payee Account Number`. An account the supplier has not on file is the pattern of bank-detail fraud: it is added to
  `bank_accounts` unverified, first seen on the earliest payment to it, its country from an IBAN or ZZ (unknown), so
  the score's bank-account signal and red flag see it; the import names it, masked.

Left out by rule: money in, card payments, conversions between balances, Wise's fee lines, a transfer returned in
full (cancelled or bounced: its refund carries the same ID), and transfers whose reference names no purchase order
(rent, advertising, a supplier whose PO number was not written). Rejected: a reference naming several purchase
orders (the amount cannot be split), a payment in another currency than its PO, a reference saying both deposit and
balance, a transfer partly returned, and missing or malformed values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from models.entity import normalise_name
from pipelines.adapters.base import (AdapterError, Collector, Converted, Format, Options, Source, fmt_number,
                                     load_code_map)
from pipelines.adapters.dates import parse_dates
from pipelines.adapters.numbers import parse_numbers
from pipelines.adapters.sniff import read_export
from models.wording import count_words
from pipelines.contract import UNKNOWN_COUNTRY, mask_account
from pipelines.ingest import find_table_file

COLUMNS = ("TransferWise ID", "Date", "Amount", "Currency", "Description", "Payment Reference", "Running Balance",
           "Exchange From", "Exchange To", "Exchange Rate", "Payer Name", "Payee Name", "Payee Account Number",
           "Merchant", "Card Last Four Digits", "Card Holder Full Name", "Attachment", "Note", "Total fees",
           "Exchange To Amount")
REQUIRED = ("TransferWise ID", "Date", "Amount", "Currency", "Description", "Payment Reference", "Payee Name",
            "Payee Account Number")
SYNONYMS = {"TransferWise ID": ("ID",)}
FEE_LINE = "wise charges for"          # how a fee listed as a line of its own begins its Description
_FEE_OF = re.compile(r"wise charges for:?\s*(\S+)", re.IGNORECASE)


@dataclass(frozen=True)
class Orders:
    """What a payment is matched against: the folder's purchase orders and its suppliers' bank accounts."""

    supplier: dict[str, str]                 # po_id -> supplier_id
    currency: dict[str, str]                 # po_id -> ISO currency (USD when blank)
    accounts: dict[str, list[tuple[str, str]]]  # supplier_id -> [(bank_account_id, account number as written)]
    pattern: re.Pattern
    spelled: dict[str, str]                  # po_id in lower case -> po_id as written
    payees: dict[str, str]                   # a supplier's name, legal name or beneficiary, normalised -> supplier_id

    def supplier_paid(self, payee: str | None, number: str | None) -> str | None:
        """The supplier a payment went to by its account number on file, else by the payee's name; None if none."""
        wanted = _alnum(number) if number else ""
        for supplier, accounts in self.accounts.items():
            if wanted and any(_alnum(on_file) == wanted for _, on_file in accounts):
                return supplier
        return self.payees.get(normalise_name(payee)) if payee else None

    def named_in(self, text: str) -> list[str]:
        """The purchase orders `text` names, as whole words (case-insensitive), in order, each once."""
        return list(dict.fromkeys(self.spelled[m.lower()] for m in self.pattern.findall(text)))


def _alnum(text: str) -> str:
    return "".join(ch for ch in str(text) if ch.isalnum()).upper()


def _table(folder: Path, table: str) -> pd.DataFrame | None:
    """A table file of the import folder as text cells (CSV in any delimiter or encoding, a workbook, Parquet)."""
    path = find_table_file(folder, table) if folder.is_dir() else None
    if path is None:
        return None
    if path.suffix.lower() == ".parquet":
        return pd.read_parquet(path).astype("string")
    return read_export(path).parsed.frame


def load_orders(folder: Path | None) -> Orders:
    """The folder's purchase orders and bank accounts; AdapterError when it has no purchase orders."""
    pos = _table(Path(folder), "purchase_orders") if folder is not None else None
    if pos is None or "po_id" not in pos.columns or "supplier_id" not in pos.columns:
        where = f"{folder}" if folder is not None else "the import folder"
        raise AdapterError(f"a payment is matched to its purchase order by the PO number in its reference, and "
                           f"{where} has no purchase_orders file with po_id and supplier_id: import your purchase "
                           "orders into the same folder first")
    text = lambda s: s.astype("string").str.strip().fillna("")  # noqa: E731
    po, supplier = text(pos["po_id"]), text(pos["supplier_id"])
    currency = text(pos["currency"]).str.upper() if "currency" in pos.columns else pd.Series("", index=pos.index)
    keep = po != ""
    suppliers = dict(zip(po[keep], supplier[keep]))
    currencies = {p: (c or "USD") for p, c in zip(po[keep], currency[keep])}
    accounts: dict[str, list[tuple[str, str]]] = {}
    banks = _table(Path(folder), "bank_accounts")
    if banks is not None and {"bank_account_id", "supplier_id", "account_number"} <= set(banks.columns):
        for ident, sup, number in zip(text(banks["bank_account_id"]), text(banks["supplier_id"]),
                                      text(banks["account_number"])):
            if ident and number:
                accounts.setdefault(sup, []).append((ident, number))
    payees: dict[str, str] = {}
    people = _table(Path(folder), "suppliers")
    if people is not None and "supplier_id" in people.columns:
        for column in ("supplier_name", "legal_name", "bank_beneficiary"):
            if column in people.columns:
                for sup, name in zip(text(people["supplier_id"]), text(people[column])):
                    if sup and normalise_name(name):
                        payees.setdefault(normalise_name(name), sup)
    ids = sorted(suppliers, key=len, reverse=True)  # the longest first: `PO-1001-A` before `PO-1001`
    pattern = re.compile(r"(?<![0-9A-Za-z])(" + "|".join(map(re.escape, ids)) + r")(?![0-9A-Za-z])",
                         re.IGNORECASE) if ids else re.compile(r"(?!x)x")
    return Orders(suppliers, currencies, accounts, pattern, {p.lower(): p for p in suppliers}, payees)


def account_of(orders: Orders, supplier: str, number: str | None) -> str | None:
    """The supplier's bank_account_id whose number is `number` (letters and digits compared, spaces and dashes
    ignored); a number on file only masked (`••••7890`) matches on its last 4 when one account of the supplier
    ends so. None when no account matches."""
    if not number:
        return None
    wanted = _alnum(number)
    accounts = orders.accounts.get(supplier, [])
    exact = [ident for ident, on_file in accounts if _alnum(on_file) == wanted]
    if exact:
        return exact[0]
    masked = [ident for ident, on_file in accounts
              if on_file.startswith("•") and len(_alnum(on_file)) == 4 and wanted.endswith(_alnum(on_file))]
    return masked[0] if len(masked) == 1 else None


def iban_country(number: str) -> str | None:
    """The country of an IBAN (ISO 13616: two letters, two check digits, the national number; the whole passes the
    mod-97 check), else None: most Chinese and Hong Kong accounts are not IBANs, and their country is not known."""
    text = _alnum(number)
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}", text):
        return None
    digits = "".join(str(int(ch, 36)) for ch in text[4:] + text[:4])
    return text[:2] if int(digits) % 97 == 1 else None


class NewAccounts:
    """Accounts a statement paid that the supplier has not on file: one bank_accounts row each, unverified, first
    seen on the earliest payment to it, its country from an IBAN (else ZZ, unknown)."""

    def __init__(self, file: str, orders: Orders):
        self.file, self.taken = file, {ident for accounts in orders.accounts.values() for ident, _ in accounts}
        self.by_number: dict[tuple[str, str], dict[str, str]] = {}
        self.lines: dict[str, int] = {}

    def add(self, supplier: str, number: str, payee: str, paid_on: str, line: int) -> str:
        key = (supplier, _alnum(number))
        row = self.by_number.get(key)
        if row is None:
            ident = f"{supplier}-wise-{key[1][-4:]}"
            n = 1
            while ident in self.taken:
                n += 1
                ident = f"{supplier}-wise-{key[1][-4:]}-{n}"
            self.taken.add(ident)
            row = self.by_number[key] = dict(
                bank_account_id=ident, supplier_id=supplier, account_number=number.strip(),
                bank_country=iban_country(number) or UNKNOWN_COUNTRY, beneficiary=payee, first_seen_on=paid_on,
                note=f"paid by Wise transfer before it was on file ({self.file}); first seen = the payment date")
            self.lines[ident] = line
        elif paid_on < row["first_seen_on"]:
            row["first_seen_on"], self.lines[row["bank_account_id"]] = paid_on, line
        return row["bank_account_id"]

    @property
    def rows(self) -> list[dict[str, str]]:
        return list(self.by_number.values())


def _kind(text: str, words: dict[str, dict[str, str]]) -> tuple[str | None, list[str]]:
    """(kind, the words that say it) from a reference; (None, words) when words of both kinds are there."""
    upper = text.upper()
    found: dict[str, list[str]] = {}
    for word, row in words.items():
        latin = word.isascii()
        hit = (re.search(rf"(?<![A-Z]){re.escape(word)}(?![A-Z])", upper) if latin else word in text)
        if hit:
            found.setdefault(row["kind"], []).append(word.lower() if latin else word)
    if len(found) > 1:
        return None, [w for ws in found.values() for w in ws]
    if found:
        kind, said = next(iter(found.items()))
        return kind, said
    return "other", []


def convert(source: Source, options: Options) -> Converted:
    out = Collector(FORMAT, source)
    orders = load_orders(options.context_dir)
    words = load_code_map("payment_kinds.csv", "word")
    frame, lines = source.frame, source.frame["_line"]
    ident, currency = source.text("TransferWise ID"), source.text("Currency").str.upper()
    description = source.text("Description").fillna("")
    for column, values in (("TransferWise ID", ident), ("Currency", currency)):
        out.reject_where(values.isna(), column, f"required value is missing: {column}")
    dates = parse_dates(source.text("Date"), lines, declared=options.date_format)
    out.reject_where(dates.errors.notna(), "Date", dates.errors)
    out.reject_where(source.text("Date").isna(), "Date", "required value is missing: Date")
    numbers = {}
    for column in ("Amount", "Total fees", "Exchange Rate", "Exchange To Amount"):
        parsed = parse_numbers(source.text(column), lines, decimal=".")
        out.reject_where(parsed.errors.notna(), column, parsed.errors)
        numbers[column] = parsed.values
    amount = numbers["Amount"]
    out.reject_where(source.text("Amount").isna(), "Amount", "required value is missing: Amount")

    is_fee_line = description.str.lower().str.startswith(FEE_LINE)
    fees_apart = bool(is_fee_line.any())
    kind_of_id = ident.str.extract(r"^([A-Za-z_]+)-", expand=False).str.upper()
    returned = {}  # TransferWise ID -> (line, amount) of money coming back with a transfer's own ID
    for i in frame.index[(amount > 0).fillna(False) & (kind_of_id == "TRANSFER") & ~is_fee_line]:
        returned[ident[i]] = (int(lines[i]), float(amount[i]))

    reference = (source.text("Payment Reference").fillna("") + " " + source.text("Note").fillna("")).str.strip()
    exchange_to = source.text("Exchange To").str.upper()
    payee, account = source.text("Payee Name"), source.text("Payee Account Number")
    rows, seen = [], {}
    new_accounts = NewAccounts(source.path.name, orders)
    for i in frame.index[~out.bad()]:
        line = int(lines[i])
        if is_fee_line[i]:
            out.leave_out(line, "Description", f"Wise's fee line, not paid to the supplier: the fee for {_fee_of(description[i])}")
            continue
        if amount[i] >= 0:
            out.leave_out(line, "Amount", "money in, not a payment")
            continue
        if kind_of_id[i] != "TRANSFER":
            out.leave_out(line, "TransferWise ID", "not a transfer to a bank account: a "
                                                   f"{ident[i].split('-')[0].lower()} line")
            continue
        if ident[i] in returned:
            back_line, back = returned[ident[i]]
            if abs(back + float(amount[i])) < 0.005:
                out.leave_out(line, "TransferWise ID", f"returned in full (cancelled or bounced): on line "
                                                       f"{back_line}; nothing was paid")
            else:
                out.reject(line, "TransferWise ID", f"partly returned: {back:,.2f} of {-float(amount[i]):,.2f} "
                                                    f"on line {back_line}; write the payment in payments.csv by hand")
            continue
        if ident[i] in seen:
            out.leave_out(line, "TransferWise ID", f"listed twice: {ident[i]} is already on line {seen[ident[i]]}")
            continue
        named = orders.named_in(reference[i])
        to_supplier = orders.supplier_paid(payee[i] if pd.notna(payee[i]) else None,
                                           account[i] if pd.notna(account[i]) else None)
        if not named and to_supplier:
            out.reject(line, "Payment Reference", f"pays a supplier but names no purchase order: {to_supplier}, "
                                                  f"reference {reference[i]!r}; write it in payments.csv by hand with "
                                                  "its PO")
            continue
        if not named:
            out.leave_out(line, "Payment Reference",
                          f"names no purchase order: {reference[i]!r}" if reference[i] else
                          "names no purchase order (no reference or note)")
            continue
        if len(named) > 1:
            out.reject(line, "Payment Reference", f"names several purchase orders: {', '.join(named)}; the amount "
                                                  "cannot be split, write it in payments.csv by hand, one row per "
                                                  "order")
            continue
        po = named[0]
        fee = 0.0 if fees_apart or pd.isna(numbers["Total fees"][i]) else float(numbers["Total fees"][i])
        sent = -float(amount[i]) - fee
        paid_in, value = currency[i], sent
        if pd.notna(exchange_to[i]) and exchange_to[i] != currency[i]:
            paid_in = exchange_to[i]
            if pd.notna(numbers["Exchange To Amount"][i]):
                value = float(numbers["Exchange To Amount"][i])
            elif pd.notna(numbers["Exchange Rate"][i]):
                value = sent * float(numbers["Exchange Rate"][i])
            else:
                out.reject(line, "Exchange To Amount", f"amount sent not known: converted to {paid_in} with neither "
                                                       "Exchange To Amount nor Exchange Rate")
                continue
        if paid_in != orders.currency[po]:
            out.reject(line, "Currency", f"paid in another currency than its order: {paid_in}, but {po} is in "
                                         f"{orders.currency[po]}; write it in payments.csv by hand in "
                                         f"{orders.currency[po]}")
            continue
        kind, said = _kind(reference[i], words)
        if kind is None:
            out.reject(line, "Payment Reference", f"says both deposit and balance: {', '.join(said)} in "
                                                  f"{reference[i]!r}")
            continue
        supplier = orders.supplier[po]
        paid_on = dates.values[i].date().isoformat()
        bank = account_of(orders, supplier, account[i] if pd.notna(account[i]) else None)
        if bank is None and pd.notna(account[i]):
            bank = new_accounts.add(supplier, account[i], payee[i] if pd.notna(payee[i]) else "", paid_on, line)
        seen[ident[i]] = line
        rows.append(dict(payment_id=f"wise:{ident[i]}", po_id=po, paid_on=paid_on, amount=fmt_number(value),
                         kind=kind, payee_name=payee[i] if pd.notna(payee[i]) else "", channel="wire",
                         bank_account_id=bank or ""))
    if new_accounts.rows:
        shown = "; ".join(f"{mask_account(r['account_number'])} of {r['supplier_id']} (paid {r['first_seen_on']}, "
                          f"line {new_accounts.lines[r['bank_account_id']]})" for r in new_accounts.rows[:10])
        out.notices.append(f"{count_words(len(new_accounts.rows), 'account')} paid that the supplier has not on file "
                           f"in bank_accounts: {shown}{'…' if len(new_accounts.rows) > 10 else ''}. Added to "
                           "bank_accounts unverified, first seen on the payment date: a new account is the pattern "
                           "of bank-detail fraud, so the score flags it until you verify it by a call to a number "
                           "on file (verified_on, verification_method)")
    if fees_apart:
        out.notices.append(f"{source.path.name}: Wise's fees are lines of their own, so each transfer's amount is "
                           "what the supplier was sent")
    return out.result({"payments": rows, **({"bank_accounts": new_accounts.rows} if new_accounts.rows else {})})


def _fee_of(description: str) -> str:
    m = _FEE_OF.match(description.strip())
    return m.group(1) if m else "a transfer"


FORMAT = Format(
    name="wise-statement",
    title="Wise account statement",
    tables=("payments", "bank_accounts"),
    columns=COLUMNS,
    required=REQUIRED,
    convert=convert,
    synonyms=SYNONYMS,
    doc="docs/importers.md#wise-account-statement",
)
