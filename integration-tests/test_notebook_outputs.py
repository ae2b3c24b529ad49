"""The notebook table comparison itself: what it accepts and what it catches."""
import nbformat

from notebook_outputs import compare_cells, compare_tables, result_tables, tables_in_html

TABLE = ('<table class="loralab-table">\n<thead><tr><th style="text-align:left">targets</th><th>loss</th></tr></thead>\n'
         '<tbody>\n<tr><td>q,v</td><td>1.2345 ± 0.0400</td></tr>\n<tr><td>all-linear</td><td>12,288</td></tr>\n</tbody></table>\n<p>footer</p>')


def test_tables_are_read_from_engine_html_only():
    assert tables_in_html(TABLE) == [[["targets", "loss"], ["q,v", "1.2345 ± 0.0400"], ["all-linear", "12,288"]]]
    assert tables_in_html("<table><tr><td>1</td></tr></table>") == []


def test_result_tables_come_from_results_and_displays_with_their_cell():
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("text"),
        nbformat.v4.new_code_cell("eval", outputs=[
            nbformat.v4.new_output("execute_result", data={"text/plain": "x", "text/html": TABLE}, execution_count=1),
            nbformat.v4.new_output("stream", name="stdout", text=TABLE)])])
    assert [cell for cell, _ in result_tables(notebook)] == [1]


def test_decimals_within_the_tolerance_agree():
    assert compare_cells("1.2345", "1.2400") is None
    assert compare_cells("1.2345 ± 0.0400", "1.2301 ± 0.0410") is None
    assert compare_cells("85.1%", "85.9%") is None


def test_decimals_beyond_the_tolerance_differ():
    assert compare_cells("1.2345", "1.3000") is not None
    assert compare_cells("0.0100", "0.0200") is not None


def test_integers_and_text_must_be_equal():
    assert compare_cells("12,288", "12,289") is not None
    assert compare_cells("q,v", "q,k") is not None
    assert compare_cells("r=8", "r=9") is not None
    assert compare_cells("yes", "yes") is None


def test_table_shape_changes_are_reported():
    old = [(3, [["a", "b"], ["1", "2.00"]])]
    assert compare_tables(old, old) == []
    assert compare_tables(old, [(3, [["a", "b"]])]) != []
    assert compare_tables(old, [(4, [["a", "b"], ["1", "2.00"]])]) != []
    assert compare_tables(old, []) != []
