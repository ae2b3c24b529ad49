"""Every number a notebook's markdown states comes from the notebook itself.

A conclusion typed beside a table drifts when the table changes: the cache is
recomputed, a notebook gains a seed, and the prose still quotes the old run.
So each number in a markdown cell must occur, digit for digit, in the
notebook's own code or outputs, or in those of a notebook the same cell names
("notebook 03", `03-is-ffn-low-rank`). The outputs themselves are checked
against a fresh execution by test_kernel_notebooks.py, so a stated number is
tied to a run anyone can repeat.

Not numbers of a result, and skipped: notebook numbers, years of citations,
and a paper's sections, tables and figures. What a notebook states from
elsewhere is listed in STATED_ELSEWHERE with where it comes from; a
computed one carries its value, which the test recomputes. A listed number
the notebook no longer states fails too, so that the list stays the list of
what is actually typed by hand.
"""
import functools
import html
import math
import pathlib
import re

import nbformat
import pytest

NOTEBOOKS = pathlib.Path(__file__).resolve().parent.parent / "notebooks"

#: A number as prose and tables write it: 1,536 · 0.0689 · −0.12 · 3e-2 · 9.5%.
NUMBER = re.compile(r"(?<![\w.§])[-−]?\d+(?:,\d{3})*(?:\.\d+)?(?:e[-−]?\d+)?%?(?!\w|\.\d)")
#: Text right before a number that makes it a reference, not a result.
REFERENCE_BEFORE = re.compile(r"(?:[Nn]otebooks? |§|Tables? |Figures? |Section |Eq\. )$")
CITATION_BEFORE = re.compile(r"(?:et al\.,? |\(|[A-Z][a-z]+ )$")
NOTEBOOK_NAMED = re.compile(r"\b(0\d)(?=\W|$)")

#: notebook → {number as written: (where it comes from, value or None)}. A
#: value is the computation the number rounds, checked to its written digits.
STATED_ELSEWHERE = {
    "01-tour": {
        "5.56": ("a uniform guess over the byte tokenizer's 259 tokens, ln 259", math.log(259)),
        "1%": ("the base's stopping rule, in tools/make-base.py", None),
        "90%": ("a threshold the text defines for reading the energy column", None),
    },
    "02-which-matrices": {
        "5.56": ("a uniform guess over the byte tokenizer's 259 tokens, ln 259", math.log(259)),
        "1.1154": ("the Haswell family's re-execution: make family-verdicts CACHES=runs/02", None),
        "0.0865": ("the Haswell family's re-execution: make family-verdicts CACHES=runs/02", None),
        "1.5161": ("the Haswell family's re-execution: make family-verdicts CACHES=runs/02", None),
        "0.0975": ("the Haswell family's re-execution: make family-verdicts CACHES=runs/02", None),
    },
    "07-recall-or-generalisation": {
        "9.5%": ("all-linear rank-8 LoRA's parameters over tiny's 820,736: 4 layers × 8 × (2·(128+128) + 2·(128+64) "
                 "+ 3·(128+384))", 100 * 4 * 8 * (2 * 256 + 2 * 192 + 3 * 512) / 820_736),
        "67": ("times each trained question is seen: 1,500 steps × batch 8 over 60 facts × 3 phrasings", 1500 * 8 / 180),
    },
}


def notebook_names():
    return sorted(path.stem for path in NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))


def read(name):
    return nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)


@functools.cache
def produced_by(name) -> frozenset:
    """produced_numbers of a notebook by name, read once however many cells name it."""
    return frozenset(produced_numbers(read(name)))


def normalised(number: str) -> str:
    return number.replace("−", "-")


def produced_numbers(notebook) -> set:
    """Every number in the notebook's code and in the text of its outputs (charts aside)."""
    texts = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        texts.append(cell.source)
        for output in cell.get("outputs", []):
            texts.append(output.get("text", ""))
            for kind in ("text/plain", "text/html", "text/markdown"):
                value = output.get("data", {}).get(kind, "")
                texts.append(html.unescape("".join(value) if isinstance(value, list) else value))
    return {normalised(number) for number in NUMBER.findall("\n".join(texts))}


def stated_numbers(markdown: str):
    """(number, context) for every number the markdown states as a result."""
    for match in NUMBER.finditer(markdown):
        number, before = match.group(), markdown[:match.start()]
        if REFERENCE_BEFORE.search(before) or re.fullmatch(r"0\d", number):
            continue
        if re.fullmatch(r"(?:19|20)\d\d", number) and CITATION_BEFORE.search(before):
            continue
        yield normalised(number), markdown[max(0, match.start() - 60):match.end() + 20].replace("\n", " ")


def named_notebooks(markdown: str, names) -> list:
    numbers = set(NOTEBOOK_NAMED.findall(markdown))
    return [name for name in names if name[:2] in numbers]


@pytest.mark.parametrize("name", notebook_names())
def test_every_stated_number_is_produced_by_the_notebook(name):
    names = notebook_names()
    notebook = read(name)
    own = produced_by(name)
    elsewhere = STATED_ELSEWHERE.get(name, {})
    unproduced, used = [], set()
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "markdown":
            continue
        available = own.union(*(produced_by(other) for other in named_notebooks(cell.source, names)))
        for number, context in stated_numbers(cell.source):
            if number in available:
                continue
            if number in elsewhere:
                used.add(number)
                continue
            unproduced.append(f"cell {index}: {number!r} in …{context}…")
    assert not unproduced, f"{name}: numbers no output or code of the notebook produces:\n" + "\n".join(unproduced)
    assert used == set(elsewhere), f"{name}: listed in STATED_ELSEWHERE but no longer stated: {sorted(set(elsewhere) - used)}"


@pytest.mark.parametrize("name,number", [(name, number) for name, listed in STATED_ELSEWHERE.items()
                                         for number, (_, value) in listed.items() if value is not None])
def test_computed_numbers_stated_elsewhere_round_their_value(name, number):
    reason, value = STATED_ELSEWHERE[name][number]
    figure, percent = number.removesuffix("%"), "%" if number.endswith("%") else ""
    digits = len(figure.split(".")[1]) if "." in figure else 0
    assert f"{value:.{digits}f}{percent}" == number, f"{name}: {number} is {reason} = {value}"


def test_the_scan_reads_numbers_as_prose_writes_them():
    stated = [number for number, _ in stated_numbers(
        "Notebook 03 (Hu et al. 2021, §7.2, Table 7): 1,536 params, loss 0.0689 ± −0.12, lr 3e-2, 9.5%, "
        "ranks 1,2,4, in 2021 runs.")]
    assert stated == ["1,536", "0.0689", "-0.12", "3e-2", "9.5%", "1", "2", "4", "2021"]
    assert named_notebooks("as in notebook 03 and `05-intruders-and-forgetting`", ["03-a", "05-b", "06-c"]) == ["03-a", "05-b"]
