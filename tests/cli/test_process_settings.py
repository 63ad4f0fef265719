"""What the console script does to its own process: a lazier collector, the library frozen after open.

Both only where the ``provgraph`` program owns the process (cli/entry.py); commands run by another
program (``CliRunner``, tests, an embedding application) leave its collector as it is.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from provgraph.cli.entry import main
from provgraph.cli.main import cli
from provgraph.config.profile import Profile
from provgraph.orm import Int


@pytest.fixture
def freezes(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Records gc.freeze calls instead of freezing this test process; restores the thresholds."""
    calls: list[int] = []
    monkeypatch.setattr(gc, "freeze", lambda: calls.append(1))
    thresholds = gc.get_threshold()
    yield calls
    gc.set_threshold(*thresholds)


def test_the_console_script_freezes_the_library_after_opening_the_storage(
    registered_profile: Profile,
    freezes: list[int],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    Int(5).store()
    monkeypatch.setattr(sys, "argv", ["provgraph", "node", "list", "--format", "tsv", "-P", "pk"])
    with pytest.raises(SystemExit) as done:
        main()
    assert done.value.code == 0
    assert len(capsys.readouterr().out.splitlines()) == 2  # the header and the one node
    assert freezes == [1]
    assert gc.get_threshold()[0] == 50_000


def test_commands_run_by_another_program_leave_its_collector_alone(
    registered_profile: Profile, freezes: list[int]
) -> None:
    Int(5).store()
    before = gc.get_threshold()
    result = CliRunner().invoke(cli, ["node", "list", "--format", "tsv", "-P", "pk"])
    assert result.exit_code == 0, result.output
    assert freezes == []
    assert gc.get_threshold() == before


def test_help_opens_nothing_and_freezes_nothing(freezes: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["provgraph", "--help"])
    with pytest.raises(SystemExit) as done:
        main()
    assert done.value.code == 0
    assert freezes == []
