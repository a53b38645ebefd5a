"""Bank transfers to suppliers → `payments`: what every bank or payment-provider export shares once its lines are
read.

A transfer belongs to the purchase order whose number its reference (or note) carries: the POs are those of the
import folder's purchase_orders file, matched as whole words, case-insensitively. `Payments.add` decides each
transfer: a payment row (amount in the PO's currency, kind from the reference's words in
data/reference/payment_kinds.csv, the account matched to the supplier's bank_accounts), or a rejection with what to
do (a transfer to a supplier naming no PO, several POs, another currency, deposit and balance at once), or left out
(a transfer to someone who is not a supplier). An account paid that the supplier has not on file is the pattern of
bank-detail fraud: it is added to `bank_accounts` unverified, first seen on the payment, its country from an IBAN or
ZZ (unknown), so the score's bank-account signal and red flag see it. Formats: wise_statement.py,
wise_transactions.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from models.entity import normalise_name
from models.wording import count_words
from pipelines.adapters.base import AdapterError, Collector, fmt_number, load_code_map
from pipelines.adapters.sniff import read_export
from pipelines.contract import MASK_CHAR, UNKNOWN_COUNTRY, mask_account
from pipelines.ingest import find_table_file


@dataclass(frozen=True)
class Orders:
    """What a payment is matched against: the folder's purchase orders and its suppliers' bank accounts."""

    supplier: dict[str, str]                 # po_id -> supplier_id
    currency: dict[str, str]                 # po_id -> ISO currency (USD when blank)
    accounts: dict[str, list[tuple[str, str]]]  # supplier_id -> [(bank_account_id, account number as written)]
    spelled: dict[str, str]                  # po_id in lower case, without non-alphanumeric ends -> po_id
    span: int                                # the most runs of letters and digits a po_id has
    payees: dict[str, str]                   # a supplier's name, legal name or beneficiary, normalised -> supplier_id

    def supplier_paid(self, payee: str | None, number: str | None) -> str | None:
        """The supplier a payment went to by its account number on file, else by the payee's name; None if none."""
        owner = self.owners.get(_alnum(number)) if number else None
        return owner or (self.payees.get(normalise_name(payee)) if payee else None)

    @cached_property
    def owners(self) -> dict[str, str]:
        """Account number on file (letters and digits) -> the supplier it belongs to."""
        return {_alnum(on_file): supplier for supplier, accounts in self.accounts.items() for _, on_file in accounts}

    def named_in(self, text: str) -> list[str]:
        """The purchase orders `text` names, as whole words (case-insensitive), in order, each once: from each run of
        letters and digits, the longest stretch of text up to the end of a later run that is a PO number (`PO-1001-A`
        before `PO-1001`), then on after it. A set lookup per stretch, so the number of POs does not matter."""
        runs = [m.span() for m in _RUN.finditer(text)]
        found, i = [], 0
        while i < len(runs):
            for j in range(min(len(runs), i + self.span) - 1, i - 1, -1):
                po = self.spelled.get(text[runs[i][0]:runs[j][1]].lower())
                if po is not None:
                    found.append(po)
                    i = j
                    break
            i += 1
        return list(dict.fromkeys(found))


_RUN = re.compile(r"[0-9A-Za-z]+")


def _key(po_id: str) -> str:
    """How a PO number is looked for in a reference: lower case, without non-alphanumeric ends (`#1001` is `1001`)."""
    runs = [m.span() for m in _RUN.finditer(po_id)]
    return po_id[runs[0][0]:runs[-1][1]].lower() if runs else ""


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
    spelled = {_key(p): p for p in suppliers if _key(p)}
    span = max((len(_RUN.findall(p)) for p in suppliers), default=1)
    return Orders(suppliers, currencies, accounts, spelled, span, payees)


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
              if on_file.startswith(MASK_CHAR) and len(_alnum(on_file)) == 4 and wanted.endswith(_alnum(on_file))]
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
    """Accounts a statement paid that the supplier has not on file: one bank_accounts row each
    (`<supplier>-<prefix>-<last 4>`), unverified, first seen on the earliest payment to it, its country from an IBAN
    (else ZZ, unknown)."""

    def __init__(self, file: str, orders: Orders, prefix: str):
        self.file, self.prefix = file, prefix
        self.taken = {ident for accounts in orders.accounts.values() for ident, _ in accounts}
        self.by_number: dict[tuple[str, str], dict[str, str]] = {}
        self.lines: dict[str, int] = {}

    def add(self, supplier: str, number: str, payee: str, paid_on: str, line: int) -> str:
        key = (supplier, _alnum(number))
        row = self.by_number.get(key)
        if row is None:
            ident = f"{supplier}-{self.prefix}-{key[1][-4:]}"
            n = 1
            while ident in self.taken:
                n += 1
                ident = f"{supplier}-{self.prefix}-{key[1][-4:]}-{n}"
            self.taken.add(ident)
            row = self.by_number[key] = dict(
                bank_account_id=ident, supplier_id=supplier, account_number=number.strip(),
                bank_country=iban_country(number) or UNKNOWN_COUNTRY, beneficiary=payee, first_seen_on=paid_on,
                note=f"paid by transfer before it was on file ({self.file}); first seen = the payment date")
            self.lines[ident] = line
        elif paid_on < row["first_seen_on"]:
            row["first_seen_on"], self.lines[row["bank_account_id"]] = paid_on, line
        return row["bank_account_id"]

    @property
    def rows(self) -> list[dict[str, str]]:
        return list(self.by_number.values())


def reference_text(reference: pd.Series, note: pd.Series) -> pd.Series:
    """Where a transfer's PO number and payment kind are looked for: its reference and its note, one text."""
    return (reference.fillna("") + " " + note.fillna("")).str.strip()


def payment_kind(text: str, words: dict[str, dict[str, str]]) -> tuple[str | None, list[str]]:
    """(kind, the words that say it) from a reference; ("", []) when it says neither (the build reads the kind from
    the amounts paid on the order: staging.payments); (None, words) when words of both kinds are there."""
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
    return "", []


@dataclass
class Transfer:
    """One transfer out, as an export gives it, before it is matched to a purchase order."""

    line: int
    ident: str                  # the provider's id (TRANSFER-1190000011): the payment is `<prefix>:<ident>`
    paid_on: str                # ISO date
    currency: str               # the currency the supplier was sent
    amount: float | None        # what the supplier was sent, in `currency`; None when the export does not say
    payee: str | None
    account: str | None         # the payee's account number as written (None when the export has none)
    reference: str              # the reference and note, where the PO number is looked for


class Payments:
    """Decides each transfer of one export (`add`) and gives the rows to write (`rows`), naming new accounts."""

    def __init__(self, out: Collector, folder: Path | None, prefix: str, columns: dict[str, str]):
        """`columns`: the export's column of the transfer's `id`, `reference`, `currency` and `amount`, named in
        rejections."""
        self.out, self.prefix, self.columns = out, prefix, columns
        self.orders = load_orders(folder)
        self.words = load_code_map("payment_kinds.csv", "word")
        self.new_accounts = NewAccounts(out.source.path.name, self.orders, prefix)
        self.payments: list[dict[str, str]] = []
        self.seen: dict[str, int] = {}
        # the accounts of payments already in the folder: an export without account numbers keeps them
        held = _table(Path(folder), "payments") if folder is not None else None
        self.held_accounts: dict[str, str] = {}
        if held is not None and {"payment_id", "bank_account_id"} <= set(held.columns):
            for payment, bank in zip(held["payment_id"], held["bank_account_id"]):
                if pd.notna(bank) and str(bank).strip():
                    self.held_accounts[str(payment).strip()] = str(bank).strip()

    def add(self, t: Transfer) -> None:
        out, orders, cols = self.out, self.orders, self.columns
        column = cols["reference"]
        if t.ident in self.seen:
            out.leave_out(t.line, cols["id"], f"listed twice: {t.ident} is already on line {self.seen[t.ident]}")
            return
        named = orders.named_in(t.reference)
        if not named:
            to_supplier = orders.supplier_paid(t.payee, t.account)
            if to_supplier:
                out.reject(t.line, column, f"pays a supplier but names no purchase order: {to_supplier}, reference "
                                           f"{t.reference!r}; write it in payments.csv by hand with its PO")
            else:
                out.leave_out(t.line, column, f"names no purchase order: {t.reference!r}" if t.reference
                              else "names no purchase order (no reference or note)")
            return
        if len(named) > 1:
            out.reject(t.line, column, f"names several purchase orders: {', '.join(named)}; the amount cannot be "
                                       "split, write it in payments.csv by hand, one row per order")
            return
        po = named[0]
        if not t.currency:
            out.reject(t.line, cols["currency"], f"required value is missing: {cols['currency']} (the currency the "
                                                 "supplier was paid in)")
            return
        if t.currency != orders.currency[po]:
            out.reject(t.line, cols["currency"], f"paid in another currency than its order: {t.currency}, but {po} "
                                                 f"is in {orders.currency[po]}; write it in payments.csv by hand in "
                                                 f"{orders.currency[po]}")
            return
        if t.amount is None or t.amount <= 0:
            out.reject(t.line, cols["amount"], f"amount sent not known: {t.ident} gives no positive amount "
                                               f"received in {t.currency}")
            return
        kind, said = payment_kind(t.reference, self.words)
        if kind is None:
            out.reject(t.line, column, f"says both deposit and balance: {', '.join(said)} in {t.reference!r}")
            return
        supplier, payment_id = orders.supplier[po], f"{self.prefix}:{t.ident}"
        bank = account_of(orders, supplier, t.account)
        if bank is None and t.account:
            bank = self.new_accounts.add(supplier, t.account, t.payee or "", t.paid_on, t.line)
        if bank is None and not t.account:
            bank = self.held_accounts.get(payment_id)
        self.seen[t.ident] = t.line
        self.payments.append(dict(payment_id=payment_id, po_id=po, paid_on=t.paid_on,
                                  amount=fmt_number(t.amount), kind=kind, payee_name=t.payee or "", channel="wire",
                                  bank_account_id=bank or ""))

    def rows(self) -> dict[str, list[dict[str, str]]]:
        """The tables to write: payments, and bank_accounts when an account paid was not on file (with a warning)."""
        unsaid = sum(1 for p in self.payments if not p["kind"])
        if unsaid:
            self.out.notices.append(
                f"{count_words(unsaid, 'payment')} whose reference says neither deposit nor balance: written with a "
                "blank kind, which the build reads from the amounts paid on the order (the payment that brings them to "
                "the order's value is its balance, the order's first payment below that its deposit); write the kind "
                "in payments.csv to say otherwise")
        new = self.new_accounts.rows
        if new:
            shown = "; ".join(f"{mask_account(r['account_number'])} of {r['supplier_id']} (paid "
                              f"{r['first_seen_on']}, line {self.new_accounts.lines[r['bank_account_id']]})"
                              for r in new[:10])
            self.out.warnings.append(
                f"{count_words(len(new), 'account')} paid that the supplier has not on file in bank_accounts: "
                f"{shown}{'…' if len(new) > 10 else ''}. Added to bank_accounts unverified, first seen on the payment "
                "date: a new account is the pattern of bank-detail fraud, so the score flags it until you verify it "
                "by a call to a number on file (verified_on, verification_method)")
        return {"payments": self.payments, **({"bank_accounts": new} if new else {})}
