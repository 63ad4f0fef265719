"""Log entries of nodes: storing, reading back in order, creating from records, deleting."""

from __future__ import annotations

import logging
import sys
from datetime import datetime, timedelta, timezone

import pytest

from provgraph.exceptions import InputValidationError, NotExistent, StoredEntityError
from provgraph.orm.logs import ASCENDING, DESCENDING, Log, OrderSpecifier
from provgraph.orm.nodes.data.data import Data
from provgraph.orm.nodes.node import Node
from provgraph.orm.nodes.process.calculation import CalcFunctionNode
from provgraph.storage.abstract import StorageBackend

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def node(backend: StorageBackend) -> Node:
    return CalcFunctionNode().store()


def entry(node: Node, minutes: int, message: str, level: str = "REPORT") -> Log:
    assert node.pk is not None
    return Log(T0 + timedelta(minutes=minutes), "provgraph.test", level, node.pk, message)


def test_store_and_load(node: Node) -> None:
    assert node.pk is not None
    log = Log(T0, "provgraph.engine", "WARNING", node.pk, "careful", metadata={"attempt": 2}).store()
    loaded = Log.collection.get(pk=log.pk)
    assert loaded == log
    assert (loaded.time, loaded.loggername, loaded.levelname) == (T0, "provgraph.engine", "WARNING")
    assert (loaded.dbnode_id, loaded.message, loaded.metadata) == (node.pk, "careful", {"attempt": 2})
    assert loaded.uuid == log.uuid
    assert str(loaded) == "[2024-05-01 12:00:00 | WARNING] careful"


def test_get_logs_for_orders_by_time(node: Node) -> None:
    other = CalcFunctionNode().store()
    entry(node, 2, "late").store()
    entry(node, 1, "early").store()
    entry(other, 0, "elsewhere").store()
    assert [log.message for log in Log.collection.get_logs_for(node)] == ["early", "late"]
    newest_first = Log.collection.get_logs_for(node, order_by=[{"time": "desc"}])
    assert [log.message for log in newest_first] == ["late", "early"]
    assert [log.message for log in Log.collection.get_logs_for(node, order_by=["-id"])] == ["early", "late"]
    with pytest.raises(InputValidationError, match="'asc' or 'desc'"):
        Log.collection.get_logs_for(node, order_by=[{"time": "sideways"}])


def test_get_logs_for_an_unstored_node(backend: StorageBackend) -> None:
    with pytest.raises(StoredEntityError, match="not stored"):
        Log.collection.get_logs_for(Data())


def test_any_stored_node_is_accepted(backend: StorageBackend) -> None:
    data = Data().store()
    assert data.pk is not None
    Log(T0, "x", "INFO", data.pk).store()
    assert len(Log.collection.get_logs_for(data)) == 1


def test_entry_for_a_missing_node_is_refused_at_store(backend: StorageBackend) -> None:
    with pytest.raises(NotExistent, match="no node with pk 4242: a log entry must belong to a stored node"):
        Log(T0, "x", "INFO", 4242).store()


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (("", "INFO", 1), {}, "needs a logger name and a level name"),
        (("x", "", 1), {}, "needs a logger name and a level name"),
        (("x", "INFO", 1), {"metadata": ["not", "a", "dict"]}, "metadata must be a dict"),
        (("x", "INFO", "1"), {}, "dbnode_id must be the pk"),
    ],
)
def test_invalid_entries(
    backend: StorageBackend, args: tuple[object, ...], kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(InputValidationError, match=message):
        Log(T0, *args, **kwargs)  # type: ignore[arg-type]


def test_create_entry_from_record(node: Node) -> None:
    logger = logging.getLogger("provgraph.test.records")
    record = logger.makeRecord(
        logger.name,
        logging.WARNING,
        __file__,
        1,
        "value %s too large",
        (7,),
        None,
        extra={"dbnode_id": node.pk},
    )
    log = Log.collection.create_entry_from_record(record)
    assert log is not None
    assert log.is_stored  # entries are stored when created, as in aiida-core
    assert (log.loggername, log.levelname, log.message) == (
        "provgraph.test.records",
        "WARNING",
        "value 7 too large",
    )
    assert log.dbnode_id == node.pk
    assert log.metadata["lineno"] == 1
    assert "dbnode_id" not in log.metadata
    assert abs(log.time.timestamp() - record.created) < 1e-3


def test_create_entry_keeps_the_traceback(node: Node) -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        exc_info = sys.exc_info()
    record = logging.getLogger("t").makeRecord(
        "t", logging.ERROR, __file__, 1, "failed", (), exc_info, extra={"dbnode_id": node.pk}
    )
    log = Log.collection.create_entry_from_record(record)
    assert log is not None
    assert "ValueError: boom" in log.store().metadata["exc_info"]


def test_record_without_node_gives_no_entry(backend: StorageBackend) -> None:
    record = logging.getLogger("t").makeRecord("t", logging.INFO, __file__, 1, "free", (), None)
    assert Log.collection.create_entry_from_record(record) is None


def test_delete_one_many_all(node: Node) -> None:
    other = CalcFunctionNode().store()
    first = entry(node, 0, "a").store()
    entry(node, 1, "b").store()
    entry(other, 2, "c").store()
    assert first.pk is not None
    Log.collection.delete(first.pk)
    with pytest.raises(NotExistent, match=f"no Log with pk {first.pk}"):
        Log.collection.delete(first.pk)
    assert len(Log.collection.delete_many({"dbnode_id": node.pk})) == 1
    assert [log.message for log in Log.collection.all()] == ["c"]
    with pytest.raises(InputValidationError, match="delete_many needs filters"):
        Log.collection.delete_many({})
    Log.collection.delete_all()
    assert Log.collection.count() == 0


def test_logs_go_with_their_node(backend: StorageBackend, node: Node) -> None:
    entry(node, 0, "x").store()
    assert node.pk is not None
    with backend.transaction():
        backend.delete_nodes_and_connections([node.pk])
    assert Log.collection.count() == 0


def test_entries_are_stored_when_created(node: Node) -> None:
    """As in aiida-core: ``Log(...)`` writes the entry at once."""
    log = entry(node, 0, "now")
    assert log.is_stored
    assert Log.collection.get(pk=log.pk).message == "now"


def test_metadata_of_the_wrong_type_is_a_type_error(node: Node) -> None:
    assert node.pk is not None
    with pytest.raises(TypeError, match="metadata must be a dict"):
        Log(T0, "x", "INFO", node.pk, metadata="{'a': 1}")  # type: ignore[arg-type]
    assert Log.collection.count() == 0


def test_find_orders_by_order_specifiers(node: Node) -> None:
    other = CalcFunctionNode().store()
    entry(node, 0, "a")
    entry(other, 1, "b")
    ascending = Log.collection.find(order_by=[OrderSpecifier("dbnode_id", ASCENDING)])
    descending = Log.collection.find(order_by=[OrderSpecifier("dbnode_id", DESCENDING)])
    assert [log.message for log in ascending] == ["a", "b"]
    assert [log.message for log in descending] == ["b", "a"]
    assert len(Log.collection.find(limit=1)) == 1


def test_delete_many_takes_querybuilder_filters(node: Node) -> None:
    kept = entry(node, 0, "kept")
    doomed = [entry(node, minute, "doomed").pk for minute in (1, 2)]
    assert sorted(Log.collection.delete_many({"id": {"in": doomed}})) == sorted(doomed)
    assert [log.pk for log in Log.collection.all()] == [kept.pk]


def test_node_logger_writes_stored_nodes_records_at_report_and_above(backend: StorageBackend) -> None:
    node = CalcFunctionNode()
    node.logger.critical("unstored: not written")
    assert Log.collection.count() == 0
    node.store()
    node.logger.report("progress %d", 3)
    node.logger.info("below REPORT: not written")
    try:
        raise ValueError("boom")
    except ValueError:
        node.logger.exception("it failed with %s", object())  # an argument JSON cannot hold
    logs = Log.collection.get_logs_for(node)
    assert next((log.levelname, log.message) for log in logs) == ("REPORT", "progress 3")
    assert logs[1].levelname == "ERROR"
    assert logs[1].message.startswith("it failed with <object")
    assert "ValueError: boom" in logs[1].metadata["exc_info"]
    assert logs[0].loggername == "aiida.orm.nodes.process.calculation.calcfunction.CalcFunctionNode"


def test_node_logger_records_still_reach_python_logging(node: Node, caplog: pytest.LogCaptureFixture) -> None:
    assert isinstance(node, CalcFunctionNode)
    with caplog.at_level(logging.WARNING):
        node.logger.warning("seen by both")
    assert [record.getMessage() for record in caplog.records] == ["seen by both"]
    assert caplog.records[0].name == node.logger_name()
    assert Log.collection.count() == 1
