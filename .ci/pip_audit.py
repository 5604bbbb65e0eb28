#!/usr/bin/env python3
"""pip-audit of requirements.lock that says honestly what it could check.

pip-audit prints "No known vulnerabilities found" and exits 0 even when the vulnerability service
answered nothing for every package (each one "skipped"). This wrapper reads pip-audit's JSON and
ends with one of:

  exit 0  PASSED       every locked dependency was looked up, no known vulnerability (bar the
                       documented ignores of .ci/pip-audit-ignore.txt)
  exit 1  FAILED       a known vulnerability, or an ignore without a reason
  exit 3  NOT AUDITED  the vulnerability data could not be reached for some or all packages;
                       with --require (or PIP_AUDIT_REQUIRED=1) this is a failure (exit 1)

It tries the PyPI JSON API first, then OSV. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IGNORE_FILE = ROOT / ".ci" / "pip-audit-ignore.txt"
SERVICES = ("pypi", "osv")
PASSED, FAILED, NOT_AUDITED = 0, 1, 3


def read_ignores(text: str) -> tuple[list[str], list[str]]:
    """``ID  reason`` per line (``#`` comments). Returns (ids, errors): an ignore needs a reason."""
    ids, errors = [], []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        vuln_id, _, reason = line.partition(" ")
        if len(reason.strip()) < 10:
            errors.append(f"line {number}: {vuln_id} is ignored without a reason (write why after the id)")
            continue
        ids.append(vuln_id)
    return ids, errors


def classify(report: dict) -> tuple[int, list[str]]:
    """The verdict on pip-audit's JSON report, and the lines that explain it."""
    deps = report.get("dependencies", [])
    vulnerable = [d for d in deps if d.get("vulns")]
    skipped = [d for d in deps if d.get("skip_reason")]
    audited = len(deps) - len(skipped)
    lines = []
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
            lines.append(f"  {dep['name']} {dep.get('version', '?')}: {vuln['id']} (fixed in {fixes})")
    if vulnerable:
        return FAILED, [f"FAILED: {len(vulnerable)} locked dependencies have known vulnerabilities", *lines]
    if not deps:
        return NOT_AUDITED, ["NOT AUDITED: pip-audit reported no dependency at all"]
    if skipped:
        reasons = sorted({d["skip_reason"].split(":")[0] for d in skipped})
        return NOT_AUDITED, [
            f"NOT AUDITED: {len(skipped)} of {len(deps)} locked dependencies could not be looked up "
            f"({'; '.join(reasons)}); {audited} were, with no known vulnerability",
            *(f"  {d['name']}: {d['skip_reason']}" for d in skipped[:5]),
        ]
    return PASSED, [f"PASSED: {len(deps)} locked dependencies audited, no known vulnerability"]


def audit(service: str, ignores: list[str], pip_audit: str) -> tuple[int, list[str]]:
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "report.json"
        command = [
            pip_audit, "-r", str(ROOT / "requirements.lock"), "--no-deps", "--disable-pip",
            "--vulnerability-service", service, "--progress-spinner", "off", "-f", "json", "-o", str(output),
            *[arg for vuln_id in ignores for arg in ("--ignore-vuln", vuln_id)],
        ]  # fmt: skip
        result = subprocess.run(command, capture_output=True, text=True, timeout=900)  # noqa: S603
        if not output.exists() or not output.read_text().strip():
            last = (result.stderr.strip().splitlines() or ["no output"])[-1]
            return NOT_AUDITED, [f"NOT AUDITED: pip-audit could not query {service}: {last[:300]}"]
        return classify(json.loads(output.read_text()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--require", action="store_true", help="an audit that cannot run is a failure")
    parser.add_argument("--pip-audit", default=str(ROOT / ".venv" / "bin" / "pip-audit"))
    args = parser.parse_args(argv)
    require = args.require or os.environ.get("PIP_AUDIT_REQUIRED", "") in ("1", "true", "yes")
    ignores, errors = read_ignores(IGNORE_FILE.read_text() if IGNORE_FILE.exists() else "")
    if errors:
        print("pip-audit: FAILED: bad " + IGNORE_FILE.name, *errors, sep="\n")
        return FAILED
    verdicts = []
    for service in SERVICES:
        status, lines = audit(service, ignores, args.pip_audit)
        verdicts.append((service, status, lines))
        if status != NOT_AUDITED:
            break
    for service, _status, lines in verdicts:
        print(f"pip-audit ({service}): " + "\n".join(lines))
    status = verdicts[-1][1]
    if ignores and status == PASSED:
        print(f"pip-audit: {len(ignores)} vulnerabilities ignored with a reason in {IGNORE_FILE.name}")
    if status == NOT_AUDITED:
        print("pip-audit: the locked dependencies were NOT checked for known vulnerabilities (not a pass)")
        return FAILED if require else NOT_AUDITED
    return status


if __name__ == "__main__":
    sys.exit(main())
