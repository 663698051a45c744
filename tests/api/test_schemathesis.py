"""schemathesis fuzzes the real server from its own /openapi.json: no 5xx, and every status,
content type, header and body matches the schema. Writes run with the token; DELETE is left
out so the fuzzer cannot remove the dataset it explores."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.serving import TOKEN, start_server

ST = Path(sys.executable).with_name("st")
CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_schema_conformance,response_headers_conformance"
)


def test_schemathesis_finds_no_errors(tmp_path):
    server = start_server(tmp_path / "home")
    try:
        server.wait_dataset("yibin")
        run = subprocess.run(
            [
                str(ST),
                "run",
                f"{server.base}/openapi.json",
                "--header",
                f"Authorization: Bearer {TOKEN}",
                "--exclude-method",
                "DELETE",
                "--checks",
                CHECKS,
                "--max-examples",
                "25",
                "--seed",
                "7",
                "--no-color",
            ],
            capture_output=True,
            text=True,
            cwd=tmp_path,  # its example cache stays out of the repository
            timeout=600,
            check=False,
        )
        summary = run.stdout[run.stdout.find("SUMMARY") :]
        assert run.returncode == 0, run.stdout[-6000:]
        assert "passed" in summary
        assert "failed" not in summary
        assert '" 500' not in server.log_text()
    finally:
        server.stop()
