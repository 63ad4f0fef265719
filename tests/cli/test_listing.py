"""The shared output style (provgraph.cli.listing): formats, streaming, wrapping, never a cut value."""

from __future__ import annotations

import doctest
import json
import os
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from provgraph.cli import listing
from provgraph.cli.listing import OutputStyle, emit_rows, format_state, format_time, plural, print_mapping

WHEN = datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=timezone.utc)
LONG = "group/" + "very-long-label-" * 8 + "end"


class Captured:
    """Standard output as captured so far (pytest swaps sys.stdout between phases, so read it late)."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self._capsys = capsys
        self._text = ""

    def getvalue(self) -> str:
        self._text += self._capsys.readouterr().out
        return self._text

    def clear(self) -> None:
        self.getvalue()
        self._text = ""


@pytest.fixture
def stdout(capsys: pytest.CaptureFixture[str]) -> Captured:
    return Captured(capsys)


def terminal(monkeypatch: pytest.MonkeyPatch, width: int) -> None:
    monkeypatch.setattr(listing, "stdout_is_terminal", lambda: True)
    size = os.terminal_size((width, 24))
    monkeypatch.setattr(listing.shutil, "get_terminal_size", lambda fallback=size: size)


def test_piped_table_keeps_every_value_whole(stdout: Captured) -> None:
    count = emit_rows(["pk", "label", "ctime"], [(1, "short", WHEN), (2, LONG, None)], OutputStyle())
    lines = stdout.getvalue().splitlines()
    assert count == 2
    assert lines[0].split() == ["pk", "label", "ctime"]
    assert LONG in lines[2]
    assert format_time(WHEN) in lines[1]


def test_narrow_terminal_wraps_instead_of_cutting(stdout: Captured, monkeypatch: pytest.MonkeyPatch) -> None:
    terminal(monkeypatch, 60)
    uuid = "0123456789abcdef0123456789abcdef0123"
    emit_rows(["uuid", "label"], [(uuid, LONG)], OutputStyle())
    lines = [listing.click.unstyle(line) for line in stdout.getvalue().splitlines()]
    assert all(len(line) <= 60 for line in lines), lines
    assert uuid in lines[1]  # identifiers are never wrapped
    assert "".join(line[len(uuid) + 2 :] for line in lines[1:]) == LONG  # the label, wrapped, is all there


def test_tsv_escapes_separators_and_has_one_header(stdout: Captured) -> None:
    emit_rows(["pk", "description"], [(1, "tab\there\nand a newline")], OutputStyle("tsv"))
    assert stdout.getvalue() == "pk\tdescription\n1\ttab\\there\\nand a newline\n"


def test_json_and_yaml_stream_a_list_with_iso_times(stdout: Captured) -> None:
    emit_rows(["pk", "ctime"], [(1, WHEN), (2, None)], OutputStyle("json"))
    assert json.loads(stdout.getvalue()) == [{"pk": 1, "ctime": WHEN.isoformat()}, {"pk": 2, "ctime": None}]
    stdout.clear()
    emit_rows(["pk", "ctime"], [(1, WHEN)], OutputStyle("yaml"))
    assert yaml.safe_load(stdout.getvalue()) == [{"pk": 1, "ctime": WHEN.isoformat()}]
    for style in (OutputStyle("json"), OutputStyle("yaml")):
        stdout.clear()
        assert emit_rows(["pk"], [], style) == 0
        assert (json.loads if style.format == "json" else yaml.safe_load)(stdout.getvalue()) == []


def test_rows_are_written_before_the_source_is_exhausted(stdout: Captured) -> None:
    seen_when_asked: list[int] = []

    def rows() -> Iterator[tuple[int]]:
        for pk in range(5000):
            seen_when_asked.append(len(stdout.getvalue().splitlines()))
            yield (pk,)

    emit_rows(["pk"], rows(), OutputStyle("tsv"))
    assert seen_when_asked[101] == 1 + 100  # the header and a first page of 100, at once
    assert seen_when_asked[-1] > 4000  # most rows were already out while the last one was fetched


def test_times_states_and_plurals() -> None:
    assert format_time(WHEN, raw=True) == "2026-03-04T05:06:07.891011+00:00"
    local = WHEN.astimezone()
    assert format_time(WHEN) == local.strftime("%Y-%m-%d %H:%M:%S")
    assert format_time(WHEN - timedelta(microseconds=891011)).endswith(":07")
    assert format_state("finished", 0) == "Finished [0]"
    assert format_state("running", None, paused=True) == "Running (paused)"
    assert [plural(n, "node") for n in (0, 1, 2)] == ["0 nodes", "1 node", "2 nodes"]


def test_print_mapping_in_every_format(capsys: pytest.CaptureFixture[str]) -> None:
    record = {"pk": 3, "ctime": WHEN, "attributes": {"value": 5, "nested": {"a": [1]}}}
    print_mapping(record, OutputStyle("json"))
    assert json.loads(capsys.readouterr().out)["attributes"]["nested"] == {"a": [1]}
    print_mapping(record, OutputStyle("yaml"))
    assert yaml.safe_load(capsys.readouterr().out)["ctime"] == WHEN.isoformat()
    print_mapping(record, OutputStyle("tsv"))
    assert "attributes.nested.a\t[1]" in capsys.readouterr().out.splitlines()
    print_mapping(record, OutputStyle())
    text = capsys.readouterr().out
    assert format_time(WHEN) in text
    assert "  value: 5" in text


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata", "Europe/Berlin", "America/Santiago"])
def test_listing_times_are_local_in_any_zone(zone: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast path (a fixed offset where the zone has no DST) agrees with the C library's local time."""
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    try:
        cell = listing.cell_formatter()
        start = WHEN.replace(microsecond=999_000)
        steps = [timedelta(microseconds=step) for step in (0, 500, 1_000, 1_500, 999_999, 2_000_000)]
        seconds_apart = [start + step for step in steps]  # the reuse of a second's text, and its edges
        for moment in (WHEN, WHEN.replace(month=7), WHEN.replace(month=11, day=1, hour=1), *seconds_apart):
            assert cell(moment) == moment.astimezone().strftime("%Y-%m-%d %H:%M:%S") == format_time(moment)
    finally:
        monkeypatch.undo()
        time.tzset()


_CELLS = st.one_of(
    st.integers(),
    st.text(alphabet=st.sampled_from(["a", "é", " ", "\t", "\n", "\r", "\\", "x", "\x00", "\u2028"])),
    st.none(),
    st.booleans(),
    st.floats(allow_nan=False),
    st.datetimes(timezones=st.just(timezone.utc)),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=1, max_value=4).flatmap(
        lambda width: st.lists(st.lists(_CELLS, min_size=width, max_size=width), min_size=1, max_size=30)
    )
)
def test_a_page_converted_by_column_is_the_page_converted_by_cell(page: list[list[object]]) -> None:
    """TsvPageFormatter's column-wise shortcuts give exactly the text of the value-by-value way."""
    cell = listing.cell_formatter(False, for_tsv=True)
    expected = "".join("\t".join(cell(value) for value in row) + "\n" for row in page)
    assert listing.TsvPageFormatter(raw_times=False).lines(page) == expected


def test_the_module_examples_run() -> None:
    result = doctest.testmod(listing, optionflags=doctest.ELLIPSIS, report=False)
    assert result.failed == 0
    assert result.attempted >= 8
