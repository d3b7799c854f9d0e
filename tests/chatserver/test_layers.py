"""The layers contract in pyproject.toml ([tool.importlinter]) holds: dependencies point one way."""

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def test_layers_contract_is_kept():
    assert LINT_IMPORTS.exists(), f"{LINT_IMPORTS} missing: install the dev extra (import-linter)"
    result = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, f"an import breaks the layers:\n{result.stdout}{result.stderr}"
