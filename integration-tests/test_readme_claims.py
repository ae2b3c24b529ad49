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
