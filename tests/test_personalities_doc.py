"""docs/personalities.md is generated from the personality files and committed up to date."""

from __future__ import annotations

from pathlib import Path

import pytest

from pepa.personalities.doc import main, render
from pepa.personalities.loader import PROTOTYPES, load
from pepa.reward_features import FEATURES

DOC = Path(__file__).resolve().parents[1] / "docs" / "personalities.md"


def test_committed_personalities_doc_is_up_to_date() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), (
        "docs/personalities.md is stale: run "
        "`python -m pepa.personalities.doc --output docs/personalities.md`"
    )


def test_doc_shows_every_prototypes_weights_bounds_and_policy() -> None:
    text = render()
    for name in PROTOTYPES:
        p = load(name)
        row = next(line for line in text.splitlines() if line.startswith(f"| **{p.name}** | 0."))
        assert (
            row
            == f"| **{p.name}** | " + " | ".join(f"{v:.2f}" for v in p.big_five.vector()) + " |"
        )
        for feature in FEATURES:
            spec = p.reward.spec(feature)
            assert f"{spec.weight:.2f} [{spec.min:.2f}, {spec.max:.2f}]" in text
        assert f"| **{p.name}** | `{p.requests.policy.value}` |" in text
        assert f"### {p.name}\n" in text


def test_doc_quotes_the_loaders_own_validation_errors() -> None:
    text = render()
    assert "personalities/Sunny.yaml: big_five.neuroticism: missing trait" in text
    assert "personalities/Sunny.yaml: preferred_skills: unknown skill(s) 'fly'" in text
    assert "does not match the file name 'Sunny'" in text


def test_check_flags_a_stale_file(tmp_path: Path) -> None:
    stale = tmp_path / "personalities.md"
    stale.write_text("# old\n", encoding="utf-8")
    assert main(["--output", str(stale), "--check"]) == 1
    assert main(["--output", str(stale)]) == 0
    assert main(["--output", str(stale), "--check"]) == 0


def test_check_without_output_is_refused() -> None:
    with pytest.raises(SystemExit):
        main(["--check"])
