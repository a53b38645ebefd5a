"""Encoding and delimiter sniffing: every encoding a founder's exports come in, and the ambiguous ones refused."""

from __future__ import annotations

import codecs

import pytest

from pipelines.adapters import sniff
from pipelines.readers import FileError

CHINESE = "sku,supplier_name,note\nLAMP-001,宁波明亮家居用品有限公司,\"灯罩有划痕, 已返工\"\n"


@pytest.mark.parametrize("raw, codec, label", [
    (codecs.BOM_UTF8 + CHINESE.encode("utf-8"), "utf-8-sig", "UTF-8 with BOM"),
    (CHINESE.encode("utf-8"), "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE + CHINESE.encode("utf-16-le"), "utf-16", "UTF-16 LE (Excel Unicode text)"),
    (codecs.BOM_UTF16_BE + CHINESE.encode("utf-16-be"), "utf-16", "UTF-16 BE"),
    (CHINESE.encode("gb18030"), "gb18030", "GB18030/GBK (Chinese)"),
    (b"sku,name\nA,plain\n", "utf-8", "UTF-8 (plain ASCII)"),
    ("sku,name\nA,Lamp\n".encode("utf-16-le"), "utf-16-le", "UTF-16 LE without BOM"),
])
def test_decode_recognises_each_encoding_and_gives_back_the_text(raw, codec, label):
    decoded = sniff.decode(raw, "f.csv")
    assert (decoded.encoding, decoded.label) == (codec, label)
    assert decoded.text.replace("\r\n", "\n") in (CHINESE, "sku,name\nA,plain\n", "sku,name\nA,Lamp\n")
    assert not decoded.text.startswith("\ufeff")


def test_latin_accents_in_utf8_are_utf8_although_the_bytes_are_also_gb18030():
    raw = "supplier,city\nSociété Lumière,Lyon\nMüller GmbH,Köln\n".encode("utf-8")
    raw.decode("gb18030")  # the same bytes are valid GB18030 …
    assert sniff.gb_plausible(raw)  # … and even look like GB2312 hanzi
    decoded = sniff.decode(raw, "f.csv")
    assert decoded.encoding == "utf-8" and "Société Lumière" in decoded.text


def test_bytes_that_read_as_cyrillic_utf8_or_chinese_gb18030_are_refused_with_both_readings():
    raw = "sku,name\nA,小\n".encode("gb18030")   # D0 A1: also valid UTF-8 (Cyrillic С)
    assert raw.decode("utf-8").endswith("С\n")
    with pytest.raises(FileError, match=r"ambiguous.*line 2 reads 'A,С' in UTF-8 but 'A,小' in GB18030"):
        sniff.decode(raw, "f.csv")
    # told which it is, it is read that way
    assert sniff.decode(raw, "f.csv", encoding="gb18030").text == "sku,name\nA,小\n"


def test_a_windows_ansi_export_is_refused_not_guessed_and_read_when_told():
    raw = "supplier\nRenée Déco,\n".encode("cp1252")
    with pytest.raises(FileError, match="not UTF-8, UTF-16 or GB18030 .* --encoding cp1252"):
        sniff.decode(raw, "f.csv")
    assert sniff.decode(raw, "f.csv", encoding="cp1252").text.startswith("supplier\nRenée")


def test_a_bom_that_lies_and_a_binary_file_are_file_errors():
    with pytest.raises(FileError, match="UTF-8 with BOM byte-order mark but line 2 is not text"):
        sniff.decode(codecs.BOM_UTF8 + b"a,b\n\xff\xfe\xfd,1\n", "f.csv")
    with pytest.raises(FileError, match="NUL bytes"):
        sniff.decode(b"PK\x03\x04\x00\x00\x01\x02\x00\x00\x00\x00", "f.csv")
    with pytest.raises(FileError, match="unknown encoding"):
        sniff.decode(b"a", "f.csv", encoding="klingon")


@pytest.mark.parametrize("text, delimiter", [
    ("a,b,c\n1,2,3\n", ","),
    ("a\tb\tc\n1\t2,5\t3\n", "\t"),
    ("sku;price;note\nA;1,50;\"x; y\"\n", ";"),          # decimal commas do not fool it
    ("sku,note\nA,\"one; two; three\"\n", ","),
])
def test_sniff_delimiter(text, delimiter):
    assert sniff.sniff_delimiter(text, "f.csv") == delimiter


def test_a_header_that_splits_two_ways_is_refused_unless_the_body_decides():
    with pytest.raises(FileError, match="comma \\(2 columns\\) and semicolon \\(2 columns\\)"):
        sniff.sniff_delimiter("a,b;c\n", "f.csv")
    # the body settles it: every record has 3 semicolon fields, the comma split varies
    assert sniff.sniff_delimiter("a;b,x;c\n1;2;3\n4;5,6;7\n8;9;10\n", "f.csv") == ";"
    with pytest.raises(FileError, match="no comma, tab or semicolon"):
        sniff.sniff_delimiter("justone\n1\n", "f.csv")


def test_read_export_keeps_line_numbers_multiline_cells_and_reports_malformed_records(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(codecs.BOM_UTF8 + "id,note,qty\r\n1,\"two\r\nlines, and a comma\",3\r\n\r\n2,short\r\n"
                     "3,\"好\",4\r\n".encode("utf-8"))
    got = sniff.read_export(path)
    assert got.delimiter == "," and got.decoded.label == "UTF-8 with BOM"
    frame = got.parsed.frame
    assert frame["id"].tolist() == ["1", "3"]
    assert frame["_line"].tolist() == [2, 6]
    assert frame["note"].iloc[0] == "two\r\nlines, and a comma"
    assert got.parsed.malformed == [(5, "2,short", "expected 3 fields, found 2")]
    assert got.parsed.blank_lines == 1


def test_a_file_read_in_chunks_is_the_file_read_at_once(tmp_path, monkeypatch):
    """Cells are held as Arrow text in chunks of sniff.CHUNK_ROWS rows: with chunks of 2, a file of 7 rows with a
    quoted cell over two lines, a blank line, a malformed record, a trailing empty field and a duplicated column name
    between the chunks reads to the same frame, line numbers, malformed records, blanks and raw lines as in one
    chunk, every cell text."""
    path = tmp_path / "x.csv"
    path.write_text('id,note,id\n1,a,x\n2,"two\nlines",y\n\n3,b,z\n4,short\n5,c,w,\n6,d,v\n7,e,u\n8,f,t\n',
                    encoding="utf-8")
    whole = sniff.read_export(path).parsed
    monkeypatch.setattr(sniff, "CHUNK_ROWS", 2)
    chunked = sniff.read_export(path).parsed
    assert chunked.frame.values.tolist() == whole.frame.values.tolist()
    assert chunked.frame.columns.tolist() == whole.frame.columns.tolist() == ["id", "note", "id", "_line"]
    assert chunked.frame.iloc[:, 1].tolist() == ["a", "two\nlines", "b", "c", "d", "e", "f"]
    assert chunked.frame["_line"].tolist() == [2, 3, 6, 8, 9, 10, 11]
    assert chunked.malformed == whole.malformed == [(7, "4,short", "expected 3 fields, found 2")]
    assert chunked.blank_lines == whole.blank_lines == 1
    assert [chunked.lines[i] for i in range(len(chunked.lines))] == path.read_text().split("\n")
    assert all(str(t) == str(sniff.ARROW_TEXT) for t in chunked.frame.dtypes[:3])


def test_unquoted_tab_files_keep_quotes_as_text(tmp_path):
    path = tmp_path / "amazon.txt"
    path.write_text('sku\tproduct-name\tquantity\nLAMP-1\t"Lumière" 12in lamp, oak\t1\nLAMP-2\t"shade\t2\n'
                    'LAMP-3\tbase\t3\n', encoding="utf-8")
    quoted = sniff.read_export(path)   # read with CSV quoting: quotes dropped, then a row swallowed
    assert quoted.parsed.frame["product-name"].iloc[0] == "Lumière 12in lamp, oak"
    assert len(quoted.parsed.frame) == 1
    raw = sniff.read_export(path, quoting=False)
    assert raw.parsed.frame["product-name"].tolist() == ['"Lumière" 12in lamp, oak', '"shade', "base"]
    assert raw.parsed.frame["_line"].tolist() == [2, 3, 4]


def test_utf16_tab_text_as_excel_saves_it(tmp_path):
    path = tmp_path / "unicode.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + "Report No.\tResult\r\nR-1\t合格 Pass\r\n".encode("utf-16-le"))
    got = sniff.read_export(path)
    assert got.description == "UTF-16 LE (Excel Unicode text), tab-delimited"
    assert got.parsed.frame.to_dict("records") == [{"Report No.": "R-1", "Result": "合格 Pass", "_line": 2}]


def test_a_trailing_empty_field_is_tolerated_but_not_an_extra_value(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2,\n3,4,5\n", encoding="utf-8")
    got = sniff.read_export(path)
    assert got.parsed.frame[["a", "b"]].values.tolist() == [["1", "2"]]
    assert [m[0] for m in got.parsed.malformed] == [3]


def test_unsupported_file_types(tmp_path):
    path = tmp_path / "x.pdf"
    path.write_bytes(b"%PDF")
    with pytest.raises(FileError, match="unsupported type"):
        sniff.read_export(path)


def test_the_head_of_a_text_ends_at_its_nth_line_break_as_the_csv_reader_counts_them():
    text = "a\r\nb\rc\nd\r\ne"
    assert sniff.head_of(text, 1) == "a\r\n"
    assert sniff.head_of(text, 3) == "a\r\nb\rc\n"        # \r\n is one break, \r and \n one each
    assert sniff.head_of(text, 4) == "a\r\nb\rc\nd\r\n"
    assert sniff.head_of(text, 5) == text and sniff.head_of(text, 50) == text   # fewer breaks: the whole text


def test_a_large_export_is_recognised_from_its_head_and_read_whole_once(tmp_path, monkeypatch):
    """Recognising a format reads only the first HEAD_LINES lines (unquoted, then quoted if nothing matched); the
    conversion then reads the whole file once, with the format's quoting (a comma-separated export used to be read
    whole twice: unquoted to recognise it, quoted to convert it). A small file is read once in all."""
    from pipelines.adapters import registry

    header = ("Name,Email,Financial Status,Paid at,Currency,Subtotal,Created at,Lineitem quantity,Lineitem name,"
              "Lineitem price,Lineitem sku\n")
    line = '#{n},a@b.c,paid,2024-05-02 10:00:00 -0400,USD,10.00,2024-05-02 10:00:00 -0400,1,"Lamp, oak",10.00,A1\n'
    reads: list[int] = []
    real = sniff.read_text
    monkeypatch.setattr(sniff, "read_text", lambda text, *a, **k: reads.append(len(text)) or real(text, *a, **k))
    big = tmp_path / "orders.csv"
    big.write_text(header + "".join(line.format(n=n) for n in range(sniff.HEAD_LINES + 500)), encoding="utf-8")
    got = registry.convert(big)
    size = len(big.read_text(encoding="utf-8"))
    assert got.format.name == "shopify-orders" and got.rows_written == sniff.HEAD_LINES + 500
    assert reads.count(size) == 1 and all(n < size for n in reads if n != size)
    reads.clear()
    small = tmp_path / "few.csv"
    small.write_text(header + line.format(n=1), encoding="utf-8")
    assert registry.convert(small).rows_written == 1
    # its head, read unquoted, is the whole file, but a Shopify export is read with quotes honoured: once more
    assert len(reads) == 2


def test_a_gzipped_report_is_read_as_the_file_it_compresses(tmp_path, monkeypatch):
    """Reports fetched through Amazon's SP-API come gzip-compressed (`…txt.gz`): read in memory as the file they hold;
    one whose name does not say it holds a text export, one that is not gzip, or one too large is refused."""
    import gzip

    from helpers import FIXTURES
    from pipelines.adapters import registry

    source = FIXTURES / "exports" / "amazon_settlement_v2.txt"
    packed = tmp_path / "11223344556.txt.gz"
    packed.write_bytes(gzip.compress(source.read_bytes()))
    got, plain = registry.convert(packed), registry.convert(source)
    assert got.format.name == "amazon-settlement-v2"
    assert (got.rows_written, got.rows_rejected, got.rows_left_out) == (plain.rows_written, plain.rows_rejected,
                                                                         plain.rows_left_out)
    assert got.ledgers == plain.ledgers
    assert "11223344556.txt.gz: read 11223344556.txt, the export in the archive" in got.notices
    bare = tmp_path / "report.gz"
    bare.write_bytes(gzip.compress(b"a,b\n1,2\n"))
    with pytest.raises(FileError, match="report.gz: is a compressed file whose name does not say"):
        sniff.read_export(bare)
    broken = tmp_path / "broken.csv.gz"
    broken.write_bytes(b"not gzip at all")
    with pytest.raises(FileError, match="broken.csv.gz: cannot be read as a .gz file"):
        sniff.read_export(broken)
    monkeypatch.setattr(sniff, "MAX_UNZIPPED_BYTES", 100)
    with pytest.raises(FileError, match="holds more than 100 bytes decompressed"):
        sniff.read_export(packed)
