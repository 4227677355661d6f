#!/usr/bin/python3
"""Opens a workbook with openpyxl (Debian's python3-openpyxl), as a clerk's
spreadsheet program would, and prints every cell that holds a value as
SHEET<TAB>ROW<TAB>COLUMN<TAB>VALUE (1-based; numbers with repr, so a rate
reads back exactly), sheets in the workbook's order, after a line
SHEETS<TAB>name<TAB>name... Exits 1 when the file does not open."""
import sys

import openpyxl


def main():
    try:
        book = openpyxl.load_workbook(sys.argv[1], read_only=True)
    except Exception as e:  # noqa: BLE001 - any failure to open is the answer
        print(f"cannot open {sys.argv[1]}: {e}", file=sys.stderr)
        return 1
    print("\t".join(["SHEETS"] + book.sheetnames))
    for ws in book.worksheets:
        for r, row in enumerate(ws.iter_rows(values_only=True), start=1):
            for c, v in enumerate(row, start=1):
                if v is None:
                    continue
                text = repr(v) if isinstance(v, float) else str(v)
                print(f"{ws.title}\t{r}\t{c}\t{text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
