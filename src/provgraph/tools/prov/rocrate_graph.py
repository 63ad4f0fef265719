"""The provenance graph as RO-Crate entities: the Workflow Run / Provenance Run Crate mapping.

:class:`CrateGraph` receives node rows, links and users (streamed by :mod:`.rocrate`) and adds
one entity per node to an ``rocrate.ROCrate``; :meth:`CrateGraph.finish` then adds what needs
the whole graph: the tools (one per process type), the workflow steps, the ``ControlAction`` /
``OrganizeAction`` of every call, the main workflow and its run. The reasons for each choice
are in ``docs/ro-crate.md``.

Identifiers: a process is ``#<uuid>`` (a ``CreateAction``), a data node without files is
``#<uuid>`` (a ``PropertyValue``), a node with repository files is the folder
``nodes/<uuid>/`` (a ``Dataset``) holding its files; every node entity has its UUID as
``identifier``. Tools are ``#tool/<process type>``, steps ``#step/<caller type>/<callee type>``,
the ports (link labels) of a tool ``#param/<process type>/{input,output}/<label>``.

>>> process_status({"process_state": "finished", "exit_status": 1})
'http://schema.org/FailedActionStatus'
>>> tool_id("module.add")
'#tool/module.add'
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from rocrate.model.contextentity import ContextEntity
from rocrate.model.dataset import Dataset
from rocrate.model.file import File
from rocrate.model.softwareapplication import SoftwareApplication
from rocrate.rocrate import ROCrate

from provgraph.common.links import LinkType
from provgraph.common.version import installed_version

__all__ = [
    "ENGINE_ID",
    "MAIN_WORKFLOW_PATH",
    "PROFILES",
    "RUN_ID",
    "CrateGraph",
    "NodeRow",
    "process_status",
    "tool_id",
]

#: The profiles a crate with processes conforms to (the versions roc-validator 0.13 checks).
PROFILES: dict[str, str] = {
    "https://w3id.org/ro/wfrun/process/0.5": "Process Run Crate 0.5",
    "https://w3id.org/ro/wfrun/workflow/0.5": "Workflow Run Crate 0.5",
    "https://w3id.org/ro/wfrun/provenance/0.5": "Provenance Run Crate 0.5",
    "https://w3id.org/workflowhub/workflow-ro-crate/1.0": "Workflow RO-Crate 1.0",
}
#: The file that describes the exported process types and which called which (the main workflow).
MAIN_WORKFLOW_PATH = "provenance-workflow.json"
#: The action standing for the whole exported run (instrument: the main workflow).
RUN_ID = "#run"
#: provgraph, the engine that orchestrated the workflows (instrument of every OrganizeAction).
ENGINE_ID = "#provgraph"
_LANGUAGE_ID = "#provgraph-process-graph"
_SCHEMA = "http://schema.org/"
_TERMINATED = frozenset({"finished", "excepted", "killed"})
_INPUTS = frozenset({LinkType.INPUT_CALC.value, LinkType.INPUT_WORK.value})
_CALLS = frozenset({LinkType.CALL_CALC.value, LinkType.CALL_WORK.value})


@dataclass(frozen=True, slots=True)
class NodeRow:
    """The columns of a node the crate describes."""

    pk: int
    uuid: str
    node_type: str
    process_type: str | None
    label: str
    description: str
    ctime: datetime
    mtime: datetime
    attributes: dict[str, Any]
    user_id: int | None

    @property
    def is_process(self) -> bool:
        return self.node_type.startswith("process.")

    @property
    def type_name(self) -> str:
        """The class name in ``node_type`` (``data.core.int.Int.`` -> ``Int``)."""
        return self.node_type.rstrip(".").rsplit(".", 1)[-1] or self.node_type


def process_status(attributes: dict[str, Any]) -> str:
    """The schema.org ``ActionStatusType`` of a process: finished with exit status 0 is completed,
    any other end failed, running or waiting active, created (not started) potential."""
    state = attributes.get("process_state")
    if state == "finished":
        status = "Completed" if attributes.get("exit_status") in (0, None) else "Failed"
    elif state in ("excepted", "killed"):
        status = "Failed"
    elif state in ("running", "waiting"):
        status = "Active"
    else:
        status = "Potential"
    return f"{_SCHEMA}{status}ActionStatus"


def tool_id(process_type: str) -> str:
    """The identifier of the tool (process type) ``process_type``."""
    return f"#tool/{quote(process_type, safe=':./_-')}"


def _step_id(caller: str | None, callee: str) -> str:
    prefix = "main" if caller is None else quote(caller, safe=":./_-")
    return f"#step/{prefix}/{quote(callee, safe=':./_-')}"


def _ref(identifier: str) -> dict[str, str]:
    return {"@id": identifier}


def _refs(identifiers: Iterable[str]) -> list[dict[str, str]]:
    return [_ref(identifier) for identifier in identifiers]


@dataclass
class _Process:
    """What :meth:`CrateGraph.finish` needs of a process after its row has gone."""

    action: Any  # the rocrate entity (ContextEntity), filled in as links arrive
    tool: str  # process type
    is_workflow: bool
    start: datetime
    end: datetime | None
    status: str
    inputs: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    calls: list[int] = field(default_factory=list)
    called: bool = False


@dataclass
class _Tool:
    name: str
    is_workflow: bool
    calls: dict[str, None] = field(default_factory=dict)  # callee tools, ordered, distinct
    parameters: dict[str, None] = field(default_factory=dict)  # FormalParameter ids, inputs then outputs


class CrateGraph:
    """The entities of one crate, added node by node, then finished with the graph-wide ones.

    Memory: the crate's metadata graph (one entity per node, file and call) is held by the
    ``rocrate`` package until it is written, as that package requires; besides it, a few ids
    per process and node.
    """

    def __init__(self, crate: ROCrate, persons: dict[int, str]) -> None:
        self._crate = crate
        self._persons = persons  # user pk -> Person id
        self._processes: dict[int, _Process] = {}
        self._node_ids: dict[int, str] = {}  # pk -> entity id, for links
        self._tools: dict[str, _Tool] = {}
        self._entities: dict[int, Any] = {}  # data node pk -> its entity (in the crate already)
        self._parameters: dict[str, tuple[str, str, str]] = {}  # id -> (direction, name, kind)
        self._examples: set[tuple[int, str]] = set()  # (data node pk, FormalParameter id) noted

    @property
    def process_count(self) -> int:
        return len(self._processes)

    def add_process(self, row: NodeRow, folder: str | None) -> None:
        """A ``CreateAction`` for process ``row``; ``folder``: its files' Dataset, if it has files."""
        process_type = row.process_type or row.node_type
        name = str(
            row.attributes.get("process_label") or row.attributes.get("function_name") or row.type_name
        )
        is_workflow = row.node_type.startswith("process.workflow.")
        self._tools.setdefault(process_type, _Tool(name, is_workflow))
        state = row.attributes.get("process_state")
        properties: dict[str, Any] = {
            "@type": "CreateAction",
            "name": f"{row.label or name} ({row.type_name} {row.uuid})",
            "identifier": row.uuid,
            "startTime": row.ctime.isoformat(),
            "actionStatus": _ref(process_status(row.attributes)),
            "instrument": _ref(tool_id(process_type)),
        }
        if state in _TERMINATED:
            properties["endTime"] = row.mtime.isoformat()
        if row.description:
            properties["description"] = row.description
        if properties["actionStatus"]["@id"].endswith("FailedActionStatus"):
            properties["error"] = str(
                row.attributes.get("exit_message") or row.attributes.get("exception") or f"process {state}"
            )
        if row.user_id in self._persons:
            properties["agent"] = _ref(self._persons[row.user_id])
        if folder is not None:
            properties["subjectOf"] = _ref(folder)
        action = self._crate.add(ContextEntity(self._crate, f"#{row.uuid}", properties))
        self._node_ids[row.pk] = action.id
        self._processes[row.pk] = _Process(
            action,
            process_type,
            is_workflow,
            row.ctime,
            row.mtime if state in _TERMINATED else None,
            properties["actionStatus"]["@id"],
        )

    def add_value(self, row: NodeRow) -> None:
        """A ``PropertyValue`` for a data node without files: its value, or its attributes as JSON."""
        attributes = row.attributes
        value: Any
        if set(attributes) == {"value"} and isinstance(attributes["value"], (bool, int, float, str)):
            value = attributes["value"]
        else:
            value = json.dumps(attributes, sort_keys=True, ensure_ascii=False)
        properties: dict[str, Any] = {
            "@type": "PropertyValue",
            "name": row.label or row.type_name,
            "identifier": row.uuid,
            "additionalType": row.node_type,
            "value": value,
        }
        if row.description:
            properties["description"] = row.description
        entity = self._crate.add(ContextEntity(self._crate, f"#{row.uuid}", properties))
        self._node_ids[row.pk] = entity.id
        self._entities[row.pk] = entity

    def add_folder(self, row: NodeRow, folder: str, files: list[Any]) -> None:
        """A ``Dataset`` (the folder ``nodes/<uuid>/``) for a data node with repository files."""
        properties: dict[str, Any] = {
            "name": row.label or row.type_name,
            "identifier": row.uuid,
            "additionalType": row.node_type,
            "hasPart": [{"@id": file.id} for file in files],
        }
        if row.description:
            properties["description"] = row.description
        if row.attributes:
            properties["disambiguatingDescription"] = json.dumps(
                row.attributes, sort_keys=True, ensure_ascii=False
            )
        entity = self._crate.add(Dataset(self._crate, None, folder, properties=properties))
        self._node_ids[row.pk] = entity.id
        self._entities[row.pk] = entity

    def add_process_folder(self, row: NodeRow, folder: str, files: list[Any]) -> None:
        """A ``Dataset`` for the files of a process (its ``source_file``), about the process."""
        properties = {
            "name": f"files of {row.label or row.type_name} {row.uuid}",
            "about": _ref(f"#{row.uuid}"),
            "hasPart": [{"@id": file.id} for file in files],
        }
        self._crate.add(Dataset(self._crate, None, folder, properties=properties))

    def add_link(self, source: int, target: int, link_type: str, label: str) -> None:
        """A link between two exported nodes: inputs, outputs and calls of the processes.

        The link label (the port) becomes a ``FormalParameter`` of the process's tool, which the
        data entity names as ``exampleOfWork``.
        """
        if link_type in _INPUTS and target in self._processes and source in self._entities:
            self._processes[target].inputs.append(self._node_ids[source])
            self._note_parameter(self._processes[target].tool, "input", label, source)
        elif link_type in _CALLS and source in self._processes and target in self._processes:
            self._processes[source].calls.append(target)
            self._processes[target].called = True
        elif source in self._processes and target in self._entities:
            process = self._processes[source]
            # a workflow's results are what it returned; a calculation's what it created
            if (link_type == LinkType.RETURN.value) == process.is_workflow:
                process.outputs.append(self._node_ids[target])
                self._note_parameter(process.tool, "output", label, target)

    def _note_parameter(self, tool: str, direction: str, label: str, node: int) -> None:
        identifier = f"#param/{quote(tool, safe=':._-')}/{direction}/{quote(label, safe='_')}"
        if identifier not in self._parameters:
            entity = self._entities[node]
            kind = "Dataset" if entity.id.startswith("nodes/") else "PropertyValue"
            self._parameters[identifier] = (direction, label, kind)
            self._tools[tool].parameters[identifier] = None
        if (node, identifier) not in self._examples:
            self._examples.add((node, identifier))
            self._entities[node].append_to("exampleOfWork", {"@id": identifier})

    def finish(self) -> None:
        """Add what needs the whole graph: inputs, outputs, tools, steps, control/organize actions, run."""
        if not self._processes:
            return
        for process in self._processes.values():
            if process.inputs:
                process.action["object"] = _refs(dict.fromkeys(process.inputs))
            if process.outputs:
                process.action["result"] = _refs(dict.fromkeys(process.outputs))
            for callee in process.calls:
                self._tools[process.tool].calls[self._processes[callee].tool] = None
        top = [pk for pk, process in self._processes.items() if not process.called]
        self._add_engine()
        self._add_tools()
        self._add_main_workflow(top)
        self._add_controls(top)

    def _add_engine(self) -> None:
        properties = {"name": "provgraph", "version": installed_version()}
        self._crate.add(SoftwareApplication(self._crate, ENGINE_ID, properties))

    def _add_tools(self) -> None:
        """One tool per process type: a workflow that called steps is a ComputationalWorkflow (and
        HowTo, with one HowToStep per callee type), anything else a SoftwareApplication; a tool's
        inputs and outputs are the ports (link labels) its runs used, as FormalParameters."""
        for process_type, tool in self._tools.items():
            properties: dict[str, Any] = {"name": tool.name, "identifier": process_type}
            if tool.calls:
                properties["@type"] = ["SoftwareSourceCode", "ComputationalWorkflow", "HowTo"]
                properties["hasPart"] = _refs(tool_id(callee) for callee in tool.calls)
                properties["step"] = _refs(_step_id(process_type, callee) for callee in tool.calls)
                self._add_steps(process_type, tool.calls)
            else:
                properties["@type"] = "SoftwareApplication"
            for direction in ("input", "output"):
                parameters = [p for p in tool.parameters if self._parameters[p][0] == direction]
                if parameters:
                    properties[direction] = _refs(parameters)
            self._crate.add(ContextEntity(self._crate, tool_id(process_type), properties))
        for identifier, (_direction, name, kind) in self._parameters.items():
            properties = {"@type": "FormalParameter", "name": name, "additionalType": kind}
            self._crate.add(ContextEntity(self._crate, identifier, properties))

    def _add_steps(self, caller: str | None, callees: Iterable[str]) -> None:
        for position, callee in enumerate(callees):
            properties = {
                "@type": "HowToStep",
                "name": f"call {self._tools[callee].name}",
                "position": str(position),
                "workExample": _ref(tool_id(callee)),
            }
            self._crate.add(ContextEntity(self._crate, _step_id(caller, callee), properties))

    def _add_main_workflow(self, top: list[int]) -> None:
        """The main workflow (a file describing the process types) and its run over the top-level ones."""
        top_tools = list(dict.fromkeys(self._processes[pk].tool for pk in top))
        main_properties = {
            "@type": ["File", "SoftwareSourceCode", "ComputationalWorkflow", "HowTo"],
            "name": "Process types of the exported provenance graph",
            "encodingFormat": "application/json",
            "programmingLanguage": _ref(_LANGUAGE_ID),
            "hasPart": _refs(tool_id(tool) for tool in top_tools),
            "step": _refs(_step_id(None, tool) for tool in top_tools),
        }
        main = self._crate.add(File(self._crate, None, MAIN_WORKFLOW_PATH, properties=main_properties))
        self._crate.root_dataset["mainEntity"] = _ref(main.id)
        self._add_steps(None, top_tools)
        language = {
            "@type": "ComputerLanguage",
            "name": "provgraph process-type graph (JSON)",
            "description": f"{MAIN_WORKFLOW_PATH}: each process type and the process types it called",
        }
        self._crate.add(ContextEntity(self._crate, _LANGUAGE_ID, language))
        processes = [self._processes[pk] for pk in top]
        run: dict[str, Any] = {
            "@type": "CreateAction",
            "name": "Run of the exported provenance graph",
            "instrument": _ref(main.id),
            "startTime": min(process.start for process in processes).isoformat(),
            "actionStatus": _ref(_overall_status(process.status for process in processes)),
            "object": _refs(dict.fromkeys(node for process in processes for node in process.inputs)),
            "result": _refs(dict.fromkeys(node for process in processes for node in process.outputs)),
            "agent": _refs(dict.fromkeys(self._persons.values())),
        }
        ends = [process.end for process in processes]
        if all(end is not None for end in ends):
            run["endTime"] = max(end for end in ends if end is not None).isoformat()
        self._crate.add(ContextEntity(self._crate, RUN_ID, {k: v for k, v in run.items() if v}))

    def _add_controls(self, top: list[int]) -> None:
        """A ControlAction per process (its step's run), an OrganizeAction per workflow run that called
        steps, and one for the main run over the top-level processes."""

        def control(pk: int, caller: str | None) -> str:
            process = self._processes[pk]
            identifier = f"#control/{process.action.id[1:]}"
            properties = {
                "@type": "ControlAction",
                "name": f"orchestrate {process.action['name']}",
                "instrument": _ref(_step_id(caller, process.tool)),
                "object": _ref(process.action.id),
            }
            self._crate.add(ContextEntity(self._crate, identifier, properties))
            return identifier

        def organize(identifier: str, result: str, controls: list[str]) -> None:
            properties = {
                "@type": "OrganizeAction",
                "name": f"provgraph orchestrating {result}",
                "instrument": _ref(ENGINE_ID),
                "result": _ref(result),
                "object": _refs(controls),
            }
            self._crate.add(ContextEntity(self._crate, identifier, properties))

        organize("#organize/run", RUN_ID, [control(pk, None) for pk in top])
        for process in self._processes.values():
            if process.calls:
                controls = [control(callee, process.tool) for callee in dict.fromkeys(process.calls)]
                organize(f"#organize/{process.action.id[1:]}", process.action.id, controls)

    def workflow_description(self) -> dict[str, Any]:
        """The content of :data:`MAIN_WORKFLOW_PATH`: the process types and the types each called."""
        return {
            "description": "Process types of a provgraph RO-Crate export and the process types each called",
            "process_types": {
                process_type: {"name": tool.name, "workflow": tool.is_workflow, "calls": list(tool.calls)}
                for process_type, tool in self._tools.items()
            },
            "top_level": list(
                dict.fromkeys(process.tool for process in self._processes.values() if not process.called)
            ),
        }


def _overall_status(statuses: Iterable[str]) -> str:
    """Failed if any failed, else active if any is still going, completed if all completed."""
    seen = set(statuses)
    for status in ("Failed", "Active", "Potential"):
        if f"{_SCHEMA}{status}ActionStatus" in seen:
            return f"{_SCHEMA}{status}ActionStatus"
    return f"{_SCHEMA}CompletedActionStatus"
