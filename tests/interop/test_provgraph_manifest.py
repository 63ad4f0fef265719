"""``manifest_of_profile`` on a profile built with provgraph's ORM (no aiida-core, no archive)."""

from __future__ import annotations

import hashlib

from tests.interop import canonical
from tests.interop.provgraph_manifest import manifest_of_profile

from provgraph import orm
from provgraph.config.profile import Profile


def test_manifest_of_the_quickstart_graph(registered_profile: Profile) -> None:
    from provgraph.provenance.example import record_example_workflow

    workflow = record_example_workflow()
    value = orm.Int(7).store()
    value.base.comments.add("a comment")
    value.base.extras.set("tag", "x")
    group = orm.Group(label="interop", description="members").store()
    group.add_nodes([value])

    manifest = manifest_of_profile(ancestors_of=value.uuid)

    assert manifest["totals"] == {
        "nodes": orm.QueryBuilder().append(orm.Node).count(),
        "links": 13,  # 2 inputs, 2 calls with 3 inputs, 3 created, 3 returned
        "groups": 1,
        "comments": 1,
        "logs": 0,
        "users": 1,
        "computers": 0,
    }
    assert manifest["link_types"] == {
        "call_calc": 2,
        "create": 3,
        "input_calc": 3,
        "input_work": 2,
        "return": 3,
    }
    assert manifest["process_types"]["provgraph.provenance.example.analyse"] == 1
    assert manifest["users"] == [registered_profile.default_user_email]
    assert manifest["comments"] == [[value.uuid, registered_profile.default_user_email, "a comment"]]
    assert manifest["groups"]["interop"]["members"] == [value.uuid]
    assert manifest["chain_end"] == canonical.ancestors_record(value.uuid, [])
    assert manifest["links_sha256"] == canonical.links_sha256(manifest["links"])

    record = manifest["nodes"][workflow.uuid]
    assert record["node_type"] == "process.workflow.workfunction.WorkFunctionNode."
    assert record["attributes"]["process_state"] == "finished"
    assert record["ctime"].endswith("+00:00")
    assert manifest["nodes"][value.uuid]["extras"]["tag"] == "x"
    files = {path for entry in manifest["nodes"].values() for path in entry["repository_files"]}
    assert {"source_file", "report.txt"} <= files
    for entry in manifest["nodes"].values():  # content hashes read back equal the stored keys
        assert entry["repository_files"] == dict(canonical.repository_paths(entry["repository_metadata"]))
    report = next(entry for entry in manifest["nodes"].values() if "report.txt" in entry["repository_files"])
    content = orm.load_node(uuid=report["uuid"]).base.repository.get_object_content("report.txt", mode="rb")
    assert report["repository_files"]["report.txt"] == hashlib.sha256(content).hexdigest()

    stripped = manifest_of_profile(private_extras=False)
    assert all(
        not key.startswith("_aiida_") for entry in stripped["nodes"].values() for key in entry["extras"]
    )
    assert any("_aiida_hash" in entry["extras"] for entry in manifest["nodes"].values())
