"""README's "What the notebooks show" is the one tools/notebook_claims.py writes
from the committed notebooks (whose tables test_kernel_notebooks.py checks
against a fresh execution): no number in it is typed by hand."""
import importlib.util
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _claims_module():
    spec = importlib.util.spec_from_file_location("notebook_claims", ROOT / "tools" / "notebook_claims.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_states_what_the_notebooks_tables_say():
    claims = _claims_module()
    readme = (ROOT / "README.md").read_text()
    generated = claims.section()
    assert claims.readme_with(generated, readme) == readme, (
        "README.md's claims section differs from the notebooks' tables: run `make readme-claims`")


def test_every_claim_has_a_measured_answer_and_a_verdict():
    claims = _claims_module()
    rows = [line for line in claims.section().splitlines() if line.startswith("| ") and not line.startswith("| claim")]
    assert len(rows) == len(claims.CLAIMS)
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert len(cells) == 4 and all(cells), row
        assert "±" in cells[2], f"a measured answer without its uncertainty: {row}"


def test_the_verdict_rule_reads_the_uncertainty():
    claims = _claims_module()
    a, b = claims.Estimate(1.0, 0.1, 3, "1.0 ± 0.1"), claims.Estimate(1.2, 0.1, 3, "1.2 ± 0.1")
    assert claims.clearly_different(a, b)  # 0.2 > 2·sqrt(0.02/3) ≈ 0.163
    noisy = claims.Estimate(1.2, 0.3, 3, "1.2 ± 0.3")
    assert not claims.clearly_different(a, noisy)  # 0.2 < 2·sqrt(0.1/3) ≈ 0.365


def _planted(claims, rows):
    """An Evidence of a compare table with mean ± sd over 3 runs per strategy."""
    table = [["targets", "eval finetune"]] + [[name, value] for name, value in rows]
    return claims.Evidence(table, "… (mean ± sd over 3 runs) …")


def test_the_wider_ranking_counts_kept_blurred_and_reversed_orders():
    claims = _claims_module()
    tiny = _planted(claims, [("a", "0.10 ± 0.01"), ("b", "0.50 ± 0.01"), ("c", "0.90 ± 0.01")])
    same = _planted(claims, [("a", "0.20 ± 0.01"), ("b", "0.40 ± 0.01"), ("c", "0.60 ± 0.01")])
    measured, verdict = claims.ranking_holds_wider(same, tiny)
    assert "3 pairs" in measured and "3 keep their order clearly, 0 are within noise, 0 reverse" in measured
    assert verdict.startswith("holds")
    # b drops below a (a<b reverses), c comes within noise of a (a<c blurs), b<c stays clear.
    flipped = _planted(claims, [("a", "0.50 ± 0.01"), ("b", "0.10 ± 0.01"), ("c", "0.51 ± 0.05")])
    measured, verdict = claims.ranking_holds_wider(flipped, tiny)
    assert "1 keep their order clearly, 1 are within noise, 1 reverse clearly (b < a)" in measured, measured
    assert verdict.startswith("does not hold") and "lowest loss: a on tiny, b at dim 256" in measured


def test_the_ranking_names_the_base_it_was_re_read_on():
    claims = _claims_module()
    tiny = _planted(claims, [("a", "0.10 ± 0.01"), ("b", "0.50 ± 0.01")])
    other = _planted(claims, [("a", "0.60 ± 0.01"), ("b", "0.20 ± 0.01")])
    measured, verdict = claims.ranking_holds_with_mha(other, tiny)
    assert "with kv_heads=4 0 keep their order clearly, 0 are within noise, 1 reverse clearly (b < a)" in measured, measured
    assert "lowest loss: a on tiny, b with kv_heads=4" in measured and verdict.startswith("does not hold")
