"""Every ``provgraph`` command of the README's shell blocks works, and shows what the README says.

The commands are read from the README itself, in order, and run on a fresh profile made by
``provgraph quickstart`` (the README's first command), as a new user would type them. Blocks
that carry a marker (``<!-- readme-...: tests/FILE.py runs these lines -->``) are run by that
file, with its own setting (an archive at hand, a health check); here it is only checked that
the file exists and runs them. Every other command line must have an entry in ``CLAIMS``: what
its README comment promises, checked on its output, so the README cannot promise a result that
the command does not give (the issue-14 case: a query that found nothing after quickstart).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.readme_blocks import ReadmeCommand, readme_shell_blocks

from provgraph.cli.main import cli
from provgraph.config import Config
from provgraph.manager import get_manager

ROOT = Path(__file__).parents[1]


def _contains(*texts: str) -> Callable[[str], str | None]:
    def check(output: str) -> str | None:
        missing = [text for text in texts if text not in output]
        return f"the output lacks {missing}" if missing else None

    return check


def _finds_nodes(output: str) -> str | None:
    found = re.search(r"Total results: (\d+)", output)
    if found is None or int(found[1]) == 0:
        return "the query finds no node on the quickstart profile"
    return None


def _profile_created(name: str) -> Callable[[str], str | None]:
    def check(output: str) -> str | None:
        return None if name in Config.load().profile_names else f"no profile {name!r} was created"

    return check


#: README command (its words after ``provgraph``, up to the first that varies) -> the check of
#: what its comment claims. A README line matching no key fails the test: add its claim here.
CLAIMS: dict[str, Callable[[str], str | None]] = {
    "quickstart": _contains("Recorded an example workflow", "analyse<", "normalise<", "summarise<"),
    "process list --all": _contains("analyse", "normalise", "summarise", "Finished [0]"),
    "process status": _contains("analyse<", "normalise<", "summarise<"),
    "node show": _contains("Incoming links", "measurements", "scale", "Outgoing links", "mean", "report"),
    "node list --type": _finds_nodes,
    "storage info --detailed": _contains("Nodes:", "count: 8", "node_types:"),
    "profile setup core.psql_dos --profile team": _profile_created("team"),
    "node list --all --format tsv": _contains(
        "pk\tuuid\tnode_type\tctime", "data.core.float.Float.", "Total results: 8"
    ),
    "node list --type process. --where": _contains("analyse", "normalise", "summarise", "Total results: 3"),
    "process list --all -P": _contains('"process_label": "analyse"', '"state": "Finished [0]"'),
    "status": _contains("profile:", "storage:", "(8 nodes)", "schema:"),
    "node graph": _contains("Wrote workflow.svg (8 nodes"),
    "completion bash": _contains("_PROVGRAPH_COMPLETE=bash_complete"),
    "node list --type Float --where attributes.value>2 --explain": _contains("Plan:", "Indexes used:"),
    "storage index add attributes.value --type float": _contains(
        "Success: index ix_pg_attri_value_float_", "attributes.value (float) built and declared."
    ),
    "storage index list": _contains("attributes.value", "float", "1 declared index."),
    "sync push team --dry-run": _contains("Dry run (", " -> team): ", "new node(s)", "nothing written"),
    "sync push team": _contains("Success: synced ", " -> team in "),
    "sync pull team": _contains("(team -> ", "has everything already"),
    "export ro-crate --all": _contains("processes                 3", "files copied", "provenance-crate.zip"),
    "export prov --all": _contains("Success: wrote provenance.provn (provn)", "activities", "wasGeneratedBy"),
    "--help": _contains("archive", "group", "node", "process", "profile", "quickstart", "storage"),
}


def _claim(command: ReadmeCommand) -> Callable[[str], str | None]:
    text = " ".join(command.args)
    keys = [key for key in CLAIMS if text == key or text.startswith(key + " ")]
    assert keys, f"README line {command.line!r}: say in CLAIMS what it shows ({command.comment!r})"
    return CLAIMS[max(keys, key=len)]


def test_marked_blocks_are_run_by_the_file_they_name() -> None:
    marked = [block for block in readme_shell_blocks() if block.marker and block.commands]
    assert len(marked) >= 2
    for block in marked:
        assert block.marker is not None
        name, _, rest = block.marker.partition(":")
        runner = ROOT / rest.split()[0]
        assert runner.is_file(), block.marker
        assert name.strip() in runner.read_text(), f"{runner.name} does not run the block {name!r}"


def test_readme_commands_work_after_quickstart(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # files the commands write (a picture) land here
    commands = [command for block in readme_shell_blocks() if not block.marker for command in block.commands]
    assert commands[0].args == ["quickstart"], "the README starts with provgraph quickstart"
    checks = [_claim(command) for command in commands]  # every line has its claim, before running
    workflow_pk = ""
    for command, check in zip(commands, checks, strict=True):
        args = [_substitute(word, workflow_pk, request) for word in command.args]
        get_manager().reset()  # each README line is a process of its own
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, f"{command.line}\n{result.output}"
        problem = check(result.output)
        assert problem is None, f"{command.line}: {problem}\n{result.output}"
        if args == ["quickstart"]:
            found = re.search(r"provgraph process status (\d+)", result.output)
            assert found is not None, result.output
            workflow_pk = found[1]


def _substitute(word: str, workflow_pk: str, request: pytest.FixtureRequest) -> str:
    """A README placeholder made real: PK the example workflow's, a database URL this test's server."""
    if word == "PK":
        assert workflow_pk, "PK used before quickstart ran"
        return workflow_pk
    if word.startswith("postgresql://"):
        server = request.getfixturevalue("postgres_server")
        return str(server.url_for(server.new_database_name()))  # created by the setup, dropped at exit
    return word


def test_readme_pictures_exist_and_are_made_by_a_script() -> None:
    """Every picture the README shows is in the repository, and scripts/readme-pictures makes it."""
    text = (ROOT / "README.md").read_text()
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert pictures
    maker = (ROOT / "scripts" / "readme-pictures").read_text()
    for picture in pictures:
        assert (ROOT / picture).is_file(), picture
        assert Path(picture).name in maker, f"{picture} is not made by scripts/readme-pictures"
