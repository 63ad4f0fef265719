"""The MUST rules of the Provenance Run Crate 0.5 profile and the profiles it extends, as a checker.

roc-validator cannot check a crate here: it parses ``ro-crate-metadata.json`` through the
RO-Crate 1.1 JSON-LD context, which it downloads (its profiles ship in the package, the
context does not), and tests may not use the network; offline, with an empty cache, it reports
"Unable to retrieve the JSON-LD context" and checks nothing else (``docs/ro-crate.md``). So
:func:`profile_violations` checks the MUST rules of its SHACL shapes (read from the shapes
roc-validator 0.13 ships: ``profiles/{ro-crate/1.1,process-run-crate,workflow-ro-crate,
workflow-run-crate,provenance-run-crate}/must``) on the compacted JSON our exporter writes.
The tests below make each rule fail once on a broken crate, so the checker cannot pass blindly.

Imported by the RO-Crate tool and CLI tests as ``tests.tools.prov.test_rocrate_rules``.
"""

from __future__ import annotations

import copy
import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

RO_CRATE_CONTEXT = "https://w3id.org/ro/crate/1.1/context"
TOOL_TYPES = frozenset({"SoftwareApplication", "SoftwareSourceCode", "ComputationalWorkflow"})
RUN_ACTIONS = frozenset({"CreateAction", "ActivateAction", "UpdateAction"})
# Every term the exporter may write, each checked to be in the RO-Crate 1.1 context (or added by
# the crate's own context: sha256). A key outside this set fails the compaction rule.
_TERMS = """@id @type name description identifier startTime endTime actionStatus instrument object result
agent error subjectOf about hasPart additionalType value disambiguatingDescription contentSize sha256
encodingFormat programmingLanguage step workExample position email affiliation version license
datePublished conformsTo mainEntity input output connection resourceUsage propertyID exampleOfWork"""
KNOWN_TERMS = frozenset(_TERMS.split())
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([zZ]|[+-]\d{2}:?\d{2})?)?$")


class Crate:
    """A crate's metadata graph by @id, and a way to ask whether a payload path exists."""

    def __init__(self, metadata: dict[str, Any], exists: Callable[[str], bool]) -> None:
        self.context = metadata["@context"]
        self.entities: dict[str, dict[str, Any]] = {entity["@id"]: entity for entity in metadata["@graph"]}
        self.exists = exists

    @classmethod
    def load(cls, path: Path) -> Crate:
        """A crate folder or zip file."""
        if path.is_dir():
            metadata = json.loads((path / "ro-crate-metadata.json").read_text(encoding="utf-8"))
            return cls(metadata, lambda relative: (path / relative).exists())
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            metadata = json.loads(archive.read("ro-crate-metadata.json"))
        return cls(metadata, lambda relative: relative in names or any(n.startswith(relative) for n in names))

    def types(self, identifier: str) -> set[str]:
        entity = self.entities.get(identifier, {})
        value = entity.get("@type", [])
        return {value} if isinstance(value, str) else set(value)

    def refs(self, entity: dict[str, Any], key: str) -> list[str]:
        value = entity.get(key, [])
        values = value if isinstance(value, list) else [value]
        return [item["@id"] for item in values if isinstance(item, dict) and "@id" in item]

    def of_type(self, *names: str) -> list[dict[str, Any]]:
        return [entity for identifier, entity in self.entities.items() if self.types(identifier) & set(names)]

    @property
    def root(self) -> dict[str, Any]:
        return self.entities[self.refs(self.entities["ro-crate-metadata.json"], "about")[0]]


def profile_violations(crate: Crate) -> list[str]:
    """Every broken MUST rule of RO-Crate 1.1, Workflow RO-Crate 1.0 and the Run Crate profiles 0.5."""
    found = _ro_crate_violations(crate)
    conforms = crate.refs(crate.root, "conformsTo")
    if any(uri.startswith("https://w3id.org/ro/wfrun/") for uri in conforms):
        found += _run_crate_violations(crate, conforms)
    return found


def _ro_crate_violations(crate: Crate) -> list[str]:
    found = _context_violations(crate)
    descriptor = crate.entities.get("ro-crate-metadata.json")
    if descriptor is None or "CreativeWork" not in crate.types("ro-crate-metadata.json"):
        return [*found, "no metadata descriptor typed CreativeWork"]
    if "https://w3id.org/ro/crate/1.1" not in crate.refs(descriptor, "conformsTo"):
        found.append("descriptor must conform to RO-Crate 1.1")
    root = crate.root
    if "Dataset" not in crate.types(root["@id"]) or not root["@id"].endswith("/"):
        found.append("root must be a Dataset whose @id ends with /")
    for key in ("name", "description", "license", "datePublished"):
        if not root.get(key):
            found.append(f"root lacks {key}")
    if root.get("datePublished") and not _ISO_DATE.match(str(root["datePublished"])):
        found.append("root datePublished is not ISO 8601")
    return found + _data_entity_violations(crate)


def _context_violations(crate: Crate) -> list[str]:
    """The RO-Crate 1.1 context first, and every key a term of it (or of the crate's own additions)."""
    found = []
    context = crate.context if isinstance(crate.context, list) else [crate.context]
    if context[0] != RO_CRATE_CONTEXT:
        found.append(f"@context must reference {RO_CRATE_CONTEXT}")
    extra_terms = {key for item in context if isinstance(item, dict) for key in item}
    for entity in crate.entities.values():
        unknown = set(entity) - KNOWN_TERMS - extra_terms
        if unknown:
            found.append(f"{entity['@id']}: keys not in the context: {sorted(unknown)}")
    return found


def _data_entity_violations(crate: Crate) -> list[str]:
    """Files and folders: reached from the root by hasPart, and in the payload unless web or local (#)."""
    found = []
    root = crate.root
    reachable = _has_part_closure(crate, root["@id"])
    for entity in crate.of_type("File", "Dataset"):
        identifier = entity["@id"]
        if identifier in (root["@id"],):
            continue
        if identifier not in reachable:
            found.append(f"data entity {identifier} is not reached from the root by hasPart")
        local = not identifier.startswith("#") and "://" not in identifier
        if local and not crate.exists(identifier):
            found.append(f"data entity {identifier} is not in the payload")
    return found


def _has_part_closure(crate: Crate, start: str) -> set[str]:
    seen: set[str] = set()
    pending = [start]
    while pending:
        for part in crate.refs(crate.entities.get(pending.pop(), {}), "hasPart"):
            if part not in seen:
                seen.add(part)
                pending.append(part)
    return seen


def _run_crate_violations(crate: Crate, conforms: list[str]) -> list[str]:
    found = []
    for prefix in ("process", "workflow", "provenance"):
        matching = [uri for uri in conforms if uri.startswith(f"https://w3id.org/ro/wfrun/{prefix}/")]
        if not matching or "CreativeWork" not in crate.types(matching[0]):
            found.append(f"root must conform to a {prefix} run crate profile entity typed CreativeWork")
    found += _workflow_crate_violations(crate)
    for action in crate.of_type(*RUN_ACTIONS):
        if not any(crate.types(tool) & TOOL_TYPES for tool in crate.refs(action, "instrument")):
            found.append(f"action {action['@id']} has no tool as instrument")
        for usage in crate.refs(action, "resourceUsage"):
            if "PropertyValue" not in crate.types(usage) or "propertyID" not in crate.entities[usage]:
                found.append(f"resourceUsage {usage} must be a PropertyValue with propertyID")
    found += _tool_violations(crate)
    found += _parameter_violations(crate)
    found += _step_violations(crate)
    found += _control_violations(crate)
    return found


def _workflow_crate_violations(crate: Crate) -> list[str]:
    mains = crate.refs(crate.root, "mainEntity")
    if not mains:
        return ["root lacks mainEntity"]
    main = mains[0]
    found = []
    if not {"File", "SoftwareSourceCode", "ComputationalWorkflow"} <= crate.types(main):
        found.append("main workflow must be File, SoftwareSourceCode and ComputationalWorkflow")
    languages = crate.refs(crate.entities.get(main, {}), "programmingLanguage")
    if not any("ComputerLanguage" in crate.types(language) for language in languages):
        found.append("main workflow lacks a programmingLanguage typed ComputerLanguage")
    if not any(main in crate.refs(action, "instrument") for action in crate.of_type(*RUN_ACTIONS)):
        found.append("no action has the main workflow as instrument")
    return found


def _tool_violations(crate: Crate) -> list[str]:
    found = []
    instruments = {
        tool for action in crate.of_type(*RUN_ACTIONS) for tool in crate.refs(action, "instrument")
    }
    parts: set[str] = set()
    for workflow in crate.of_type("ComputationalWorkflow"):
        tools = [part for part in crate.refs(workflow, "hasPart") if crate.types(part) & TOOL_TYPES]
        if not tools:
            found.append(f"workflow {workflow['@id']} has no tool in hasPart")
        parts.update(tools)
        has_steps = any("HowToStep" in crate.types(step) for step in crate.refs(workflow, "step"))
        if has_steps and "HowTo" not in crate.types(workflow["@id"]):
            found.append(f"workflow {workflow['@id']} has steps but is not a HowTo")
    for tool in parts:
        entity = crate.entities.get(tool, {})
        for key in ("input", "output"):
            if any("FormalParameter" not in crate.types(p) for p in crate.refs(entity, key)):
                found.append(f"tool {tool} {key} must be FormalParameter entities")
        if tool not in instruments:
            found.append(f"tool {tool} is no action's instrument")
    return found


def _parameter_violations(crate: Crate) -> list[str]:
    found = []
    for parameter in crate.of_type("FormalParameter"):
        if not parameter.get("additionalType"):
            found.append(f"parameter {parameter['@id']} lacks additionalType")
        examples = crate.refs(parameter, "workExample")
        if any(not crate.types(e) & {"File", "Dataset", "Collection", "PropertyValue"} for e in examples):
            found.append(f"parameter {parameter['@id']} workExample must be data or a PropertyValue")
    for workflow in crate.of_type("ComputationalWorkflow"):
        for key in ("input", "output"):
            if any("FormalParameter" not in crate.types(p) for p in crate.refs(workflow, key)):
                found.append(f"workflow {workflow['@id']} {key} must be FormalParameter entities")
    return found


def _step_violations(crate: Crate) -> list[str]:
    found = []
    steps_of_workflows = {
        step for workflow in crate.of_type("ComputationalWorkflow") for step in crate.refs(workflow, "step")
    }
    for step in crate.of_type("HowToStep"):
        if step["@id"] not in steps_of_workflows:
            found.append(f"step {step['@id']} is no workflow's step")
        if not any(crate.types(tool) & TOOL_TYPES for tool in crate.refs(step, "workExample")):
            found.append(f"step {step['@id']} has no tool as workExample")
        if "position" in step and not re.fullmatch(r"\d+", str(step["position"])):
            found.append(f"step {step['@id']} position is not an integer")
    return found


def _control_violations(crate: Crate) -> list[str]:
    found = []
    for control in crate.of_type("ControlAction"):
        if not any("HowToStep" in crate.types(step) for step in crate.refs(control, "instrument")):
            found.append(f"control action {control['@id']} has no HowToStep instrument")
        if not any(crate.types(run) & RUN_ACTIONS for run in crate.refs(control, "object")):
            found.append(f"control action {control['@id']} has no run action as object")
    for organize in crate.of_type("OrganizeAction"):
        if not any(crate.types(tool) & TOOL_TYPES for tool in crate.refs(organize, "instrument")):
            found.append(f"organize action {organize['@id']} has no engine instrument")
        if not any(crate.types(run) & RUN_ACTIONS for run in crate.refs(organize, "result")):
            found.append(f"organize action {organize['@id']} has no run action as result")
        if not any("ControlAction" in crate.types(c) for c in crate.refs(organize, "object")):
            found.append(f"organize action {organize['@id']} has no ControlAction object")
    return found


# A small crate that keeps every rule, written by hand; each test below breaks one rule.
def _valid_metadata() -> dict[str, Any]:
    def ref(identifier: str) -> dict[str, str]:
        return {"@id": identifier}

    graph = [
        {"@id": "ro-crate-metadata.json", "@type": "CreativeWork", "about": ref("./"),
         "conformsTo": ref("https://w3id.org/ro/crate/1.1")},
        {"@id": "./", "@type": "Dataset", "name": "n", "description": "d", "license": "l",
         "datePublished": "2026-01-02T03:04:05+00:00", "mainEntity": ref("wf.json"),
         "hasPart": [ref("wf.json"), ref("data.txt")],
         "conformsTo": [ref("https://w3id.org/ro/wfrun/process/0.5"), ref("https://w3id.org/ro/wfrun/workflow/0.5"),
                        ref("https://w3id.org/ro/wfrun/provenance/0.5")]},
        {"@id": "https://w3id.org/ro/wfrun/process/0.5", "@type": "CreativeWork"},
        {"@id": "https://w3id.org/ro/wfrun/workflow/0.5", "@type": "CreativeWork"},
        {"@id": "https://w3id.org/ro/wfrun/provenance/0.5", "@type": "CreativeWork"},
        {"@id": "wf.json", "@type": ["File", "SoftwareSourceCode", "ComputationalWorkflow", "HowTo"],
         "programmingLanguage": ref("#lang"), "hasPart": ref("#tool"), "step": ref("#step")},
        {"@id": "#lang", "@type": "ComputerLanguage"},
        {"@id": "data.txt", "@type": "File"},
        {"@id": "#tool", "@type": "SoftwareApplication", "input": ref("#tool/x")},
        {"@id": "#tool/x", "@type": "FormalParameter", "additionalType": "File", "name": "x"},
        {"@id": "#step", "@type": "HowToStep", "workExample": ref("#tool"), "position": "0"},
        {"@id": "#engine", "@type": "SoftwareApplication"},
        {"@id": "#run", "@type": "CreateAction", "instrument": ref("wf.json")},
        {"@id": "#tool-run", "@type": "CreateAction", "instrument": ref("#tool"), "object": ref("data.txt")},
        {"@id": "#control", "@type": "ControlAction", "instrument": ref("#step"), "object": ref("#tool-run")},
        {"@id": "#organize", "@type": "OrganizeAction", "instrument": ref("#engine"), "result": ref("#run"),
         "object": ref("#control")},
    ]  # fmt: skip
    return {"@context": RO_CRATE_CONTEXT, "@graph": graph}


def _crate(metadata: dict[str, Any]) -> Crate:
    return Crate(metadata, lambda path: path in {"wf.json", "data.txt"})


def test_the_hand_written_crate_keeps_every_rule() -> None:
    assert profile_violations(_crate(_valid_metadata())) == []


def _edit(identifier: str, key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(metadata: dict[str, Any]) -> None:
        entity = next(entity for entity in metadata["@graph"] if entity["@id"] == identifier)
        if value is None:
            del entity[key]
        else:
            entity[key] = value

    return edit


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (_edit("./", "license", None), "root lacks license"),
        (_edit("./", "datePublished", "yesterday"), "not ISO 8601"),
        (_edit("./", "hasPart", [{"@id": "wf.json"}]), "data entity data.txt is not reached"),
        (
            _edit("./", "conformsTo", [{"@id": "https://w3id.org/ro/wfrun/process/0.5"}]),
            "provenance run crate",
        ),
        (_edit("./", "mainEntity", None), "root lacks mainEntity"),
        (
            _edit("ro-crate-metadata.json", "conformsTo", {"@id": "https://w3id.org/ro/crate/1.2"}),
            "RO-Crate 1.1",
        ),
        (_edit("wf.json", "@type", ["File", "ComputationalWorkflow", "HowTo"]), "main workflow must be"),
        (_edit("wf.json", "@type", ["File", "SoftwareSourceCode", "ComputationalWorkflow"]), "not a HowTo"),
        (_edit("wf.json", "programmingLanguage", None), "programmingLanguage"),
        (_edit("wf.json", "hasPart", None), "has no tool in hasPart"),
        (_edit("#run", "instrument", {"@id": "#lang"}), "no tool as instrument"),
        (_edit("#tool-run", "instrument", {"@id": "#engine"}), "tool #tool is no action's instrument"),
        (_edit("#tool", "input", {"@id": "data.txt"}), "FormalParameter"),
        (_edit("#step", "workExample", None), "no tool as workExample"),
        (_edit("#step", "position", "first"), "position is not an integer"),
        (_edit("#control", "instrument", {"@id": "#tool"}), "no HowToStep instrument"),
        (_edit("#control", "object", {"@id": "#control"}), "no run action as object"),
        (_edit("#organize", "instrument", {"@id": "#step"}), "no engine instrument"),
        (_edit("#organize", "result", {"@id": "data.txt"}), "no run action as result"),
        (_edit("#organize", "object", {"@id": "#run"}), "no ControlAction object"),
        (_edit("data.txt", "sha512", "00"), "keys not in the context"),
        (_edit("#tool/x", "additionalType", None), "lacks additionalType"),
        (_edit("#tool/x", "workExample", {"@id": "#run"}), "workExample must be data"),
        (_edit("wf.json", "input", {"@id": "data.txt"}), "workflow wf.json input must be FormalParameter"),
    ],
)
def test_each_rule_catches_its_violation(edit: Callable[[dict[str, Any]], None], message: str) -> None:
    metadata = copy.deepcopy(_valid_metadata())
    edit(metadata)
    violations = profile_violations(_crate(metadata))
    assert any(message in violation for violation in violations), violations


def test_a_missing_payload_file_and_a_foreign_context_are_caught() -> None:
    metadata = _valid_metadata()
    metadata["@context"] = "https://w3id.org/ro/crate/1.3/context"
    violations = profile_violations(Crate(metadata, lambda path: path == "wf.json"))
    assert any("must reference" in violation for violation in violations)
    assert any("data.txt is not in the payload" in violation for violation in violations)
