"""The README's own commands say what a newcomer needs: what the browser tier needs beside the test command, and
own-model commands that end with a map (tests/test_map_job.py runs `explorer.zoo precompute`)."""

from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def paragraph_after(text: str, line: str) -> str:
    rest = text[text.index(line) + len(line):].lstrip("\n")
    return rest.split("\n\n", 1)[0]


def test_the_test_command_is_followed_by_what_the_browser_tier_needs_and_that_it_skips_without_it():
    text = README.read_text(encoding="utf-8")
    said = paragraph_after(text, "pip install -r requirements-test.txt && python -m pytest")
    assert "chromium" in said and "nginx" in said and "skipped, not failed" in said, said


def test_the_own_model_commands_store_the_map_before_the_app_opens_the_zoo():
    text = README.read_text(encoding="utf-8")
    train, precompute, run = (text.index(c) for c in ("python -m explorer.train --data", "python -m explorer.zoo precompute",
                                                       "streamlit run app.py -- --zoo"))
    assert train < precompute < run
    assert "map" in text[precompute : text.index("\n", precompute)]
