"""scripts/converse.py and the protocol it needs: `chat --jsonl` answers each line before the next one comes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_chat_jsonl_answers_line_by_line():
    """A front-end reads the reply to one line before it writes the next (stdin stays open)."""
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "chat", "--jsonl", "--memory"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdin and proc.stdout
        assert json.loads(proc.stdout.readline())["question"] == "triage"  # the greeting and menu
        proc.stdin.write(json.dumps({"text": "my icloud storage is full"}) + "\n")
        proc.stdin.flush()
        reply = json.loads(proc.stdout.readline())  # would hang if the bot waited for the end of stdin
        assert reply["question"] == "slot:ios" and reply["diagnosis"]["intent"] == "icloud_full"
    finally:
        proc.kill()
        proc.wait()


def test_converse_reaches_the_fix_and_prints_the_summary_last(tmp_path):
    """One scenario whose numbers settle the cause: the simulated person reaches the fix; the summary line
    comes last."""
    scenario = {
        "id": "t1",
        "opening": "the laptop has 15 GB free and the phone uses 120 GB, itunes keeps failing",
        "truth": "computer_disk_full",
        "profile": {"route": "computer", "computer": "win_itunes", "ios": "ios17_plus"},
        "said": ["route"],
        "tried": [],
        "followups": [],
    }
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(scenario) + "\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "scripts/converse.py", "--set", str(path)], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("converse one.jsonl: 1 scenarios, reached-fix 100.0% (1/1)")
    assert "redundant questions 0, wrong menu paths 0" in last
