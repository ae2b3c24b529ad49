"""The result tables of a notebook, and how two runs of it are compared.

Every table the engine prints carries `class="loralab-table"` in its HTML.
A notebook's committed outputs are the record of what it found; CI executes
it again and compares every result table, cell by cell, with that record:

* text must be equal;
* integers (counts, parameters, steps, ranks) must be equal;
* decimals must agree within TOLERANCE_ABSOLUTE + TOLERANCE_RELATIVE·|committed|.

The tolerance allows for BLAS kernels that sum in a different order
(training amplifies the last bits a little over a few hundred steps). The
notebooks' trainings come from their run caches, so their tables are the
same on any machine; loralab names one kernel family per set of processor
features, so that machines alike compute the same bits (docs/design.md
"Across processors"). A change to the numerics or to a
notebook's experiment moves results far more and is caught. Numbers inside a
text cell (`1.23 ± 0.04`, `8.5%`) are compared one by one, the rest of the
text exactly.
"""
from html.parser import HTMLParser
import re

TOLERANCE_ABSOLUTE = 0.005
TOLERANCE_RELATIVE = 0.02

NUMBER = re.compile(r"[-+−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?")


class _TableParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables, self._table, self._row, self._cell = [], None, None, None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and "loralab-table" in (dict(attrs).get("class") or ""):
            self._table = []
        elif self._table is not None and tag == "tr":
            self._row = []
        elif self._row is not None and tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self._table.append(self._row)
            self._row = None
        elif tag == "table" and self._table is not None:
            self.tables.append(self._table)
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def tables_in_html(html: str) -> list:
    parser = _TableParser()
    parser.feed(html)
    return parser.tables


def result_tables(notebook) -> list:
    """(cell index, table) for every result table, in order."""
    found = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            html = output.get("data", {}).get("text/html") if output.get("output_type") in ("execute_result", "display_data") else None
            if html:
                html = "".join(html) if isinstance(html, list) else html
                found += [(index, table) for table in tables_in_html(html)]
    return found


def _numbers_and_text(cell: str):
    numbers = [m.group(0) for m in NUMBER.finditer(cell)]
    return numbers, NUMBER.sub("#", cell)


def _value(number: str) -> float:
    return float(number.replace(",", "").replace("−", "-"))


def compare_cells(committed: str, fresh: str):
    """None when the cells agree, else why not."""
    committed_numbers, committed_text = _numbers_and_text(committed)
    fresh_numbers, fresh_text = _numbers_and_text(fresh)
    if committed_text != fresh_text or len(committed_numbers) != len(fresh_numbers):
        return f"{committed!r} became {fresh!r}"
    for old, new in zip(committed_numbers, fresh_numbers):
        is_integer = not re.search(r"[.eE]", old)
        if is_integer:
            if _value(old) != _value(new):
                return f"{committed!r} became {fresh!r} (integers must be equal)"
        elif abs(_value(new) - _value(old)) > TOLERANCE_ABSOLUTE + TOLERANCE_RELATIVE * abs(_value(old)):
            return f"{committed!r} became {fresh!r} (beyond ±({TOLERANCE_ABSOLUTE} + {TOLERANCE_RELATIVE:.0%})"
    return None


def compare_tables(committed: list, fresh: list) -> list:
    """Every difference between two lists of (cell, table), as readable lines."""
    problems = []
    if len(committed) != len(fresh):
        problems.append(f"{len(committed)} result tables were committed, the run printed {len(fresh)}")
    for (cell, old), (fresh_cell, new) in zip(committed, fresh):
        where = f"cell {cell}"
        if cell != fresh_cell:
            problems.append(f"{where}: the table moved to cell {fresh_cell}")
            continue
        if len(old) != len(new):
            problems.append(f"{where}: {len(old)} rows became {len(new)}")
            continue
        for row_number, (old_row, new_row) in enumerate(zip(old, new)):
            if len(old_row) != len(new_row):
                problems.append(f"{where}, row {row_number}: {len(old_row)} cells became {len(new_row)}")
                continue
            for old_cell, new_cell in zip(old_row, new_row):
                problem = compare_cells(old_cell, new_cell)
                if problem:
                    problems.append(f"{where}, row {row_number}: {problem}")
    return problems
