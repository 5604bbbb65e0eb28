"""The pip-audit wrapper of .ci/run: a pass only when every locked dependency was looked up."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("ci_pip_audit", ROOT / ".ci" / "pip_audit.py")
pip_audit = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pip_audit)


def dep(name, vulns=(), skip=None):
    row = {"name": name}
    if skip:
        row["skip_reason"] = skip
    else:
        row.update(version="1.0", vulns=list(vulns))
    return row


def test_every_dependency_looked_up_and_clean_is_a_pass():
    status, lines = pip_audit.classify({"dependencies": [dep("django"), dep("nh3")]})
    assert status == pip_audit.PASSED
    assert "2 locked dependencies audited" in lines[0]


def test_a_known_vulnerability_fails_and_is_named():
    vuln = {"id": "PYSEC-2099-1", "fix_versions": ["1.1"]}
    status, lines = pip_audit.classify({"dependencies": [dep("django", [vuln]), dep("nh3")]})
    assert status == pip_audit.FAILED
    assert any("PYSEC-2099-1" in line and "1.1" in line for line in lines)


def test_unreachable_data_is_not_a_pass():
    """What this machine gets from PyPI: every package "not found", which pip-audit calls clean."""
    skipped = "Dependency not found on PyPI and could not be audited: django (5.2.19)"
    status, lines = pip_audit.classify({"dependencies": [dep("django", skip=skipped), dep("nh3")]})
    assert status == pip_audit.NOT_AUDITED
    assert lines[0].startswith("NOT AUDITED: 1 of 2")
    assert pip_audit.classify({"dependencies": []})[0] == pip_audit.NOT_AUDITED


def test_an_ignore_needs_a_reason():
    ids, errors = pip_audit.read_ignores(
        "# comment\nGHSA-aaaa-bbbb-cccc  only the CLI is affected; we import the library\nPYSEC-2099-2\n"
    )
    assert ids == ["GHSA-aaaa-bbbb-cccc"]
    assert errors == ["line 3: PYSEC-2099-2 is ignored without a reason (write why after the id)"]


def test_the_committed_ignore_file_is_valid_and_ci_runs_the_wrapper():
    _ids, errors = pip_audit.read_ignores(pip_audit.IGNORE_FILE.read_text())
    assert errors == []
    run = (ROOT / ".ci" / "run").read_text()
    assert ".ci/pip_audit.py" in run
    assert "bandit -q -ll" in run
