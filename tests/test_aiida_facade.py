"""aiida-core's public names exist under provgraph's same module paths.

The lists are aiida-core 2.9's ``__all__`` of each module. A name missing on purpose is listed in
``BY_DESIGN`` with the reason (docs/aiida-differences.md says more): the engine's runner, CalcJob
and WorkChain machinery, the daemon, brokers, transports and schedulers, and domain data plugins.
"""

from __future__ import annotations

import importlib

import pytest


def _names(text: str) -> list[str]:
    return text.split()


AIIDA_ALL: dict[str, tuple[str, ...]] = {
    "orm": _names(
        "ASCENDING DESCENDING AbstractCode AbstractNodeMeta ArrayData AttributeManager AuthInfo AutoGroup "
        "BandsData BaseType Bool CalcFunctionNode CalcJobNode CalcJobResultManager CalculationEntityLoader "
        "CalculationNode CifData Code CodeEntityLoader Collection Comment Computer ComputerEntityLoader "
        "ContainerizedCode Data Dict Entity EntityExtras EntityTypes EnumData Float FolderData Group "
        "GroupEntityLoader ImportGroup InstalledCode Int JsonableData Kind KpointsData LinkManager LinkPair "
        "LinkTriple List Log Node NodeAttributes NodeEntityLoader NodeLinksManager NodeRepository "
        "NumericType OrbitalData OrderSpecifier OrmEntityLoader OrmModel PortableCode ProcessNode "
        "ProjectionData QbField QbFieldFilters QbFields QueryBuilder RemoteData RemoteStashCompressedData "
        "RemoteStashCustomData RemoteStashData RemoteStashFolderData SinglefileData Site Str StructureData "
        "TrajectoryData UpfData UpfFamily User WorkChainNode WorkFunctionNode WorkflowNode XyData "
        "cif_from_ase find_bandgap get_loader get_query_type_from_type_string get_type_string_from_class "
        "has_pycifrw load_code load_computer load_entity load_group load_node load_node_class "
        "pycifrw_from_cif to_aiida_type validate_link"
    ),
    "engine": _names(
        "PORT_NAMESPACE_SEPARATOR AiiDAPersister Awaitable AwaitableAction AwaitableTarget "
        "BaseRestartWorkChain CalcJob CalcJobImporter CalcJobOutputPort CalcJobProcessSpec DaemonClient "
        "ExitCode ExitCodesNamespace FunctionProcess InputPort InterruptableFuture JobManager JobsList "
        "ObjectLoader OutputPort PastException PortNamespace Process ProcessBuilder ProcessBuilderNamespace "
        "ProcessFuture ProcessHandlerReport ProcessSpec ProcessState Runner ToContext WithNonDb "
        "WithSerialize WorkChain append_ assign_ await_processes calcfunction construct_awaitable "
        "get_daemon_client get_object_loader if_ interruptable_task is_process_function process_handler "
        "return_ run run_get_node run_get_pk submit while_ workfunction"
    ),
    "common": _names(
        "AIIDA_LOGGER TQDM_BAR_FORMAT AiidaException AttributeDict CalcInfo CalcJobState ClosedStorage "
        "CodeInfo CodeRunMode ConfigurationError ConfigurationVersionError ContentNotExistent CorruptStorage "
        "DbContentError DefaultFieldsAttributeDict EntryPointError FailedError FeatureDisabled "
        "FeatureNotAvailable FixedFieldsAttributeDict GraphTraversalRule GraphTraversalRules HashingError "
        "IncompatibleStorageSchema InputValidationError IntegrityError InternalError "
        "InvalidEntryPointTypeError InvalidOperation LicensingException LinkType LoadingEntryPointError "
        "LockedProfileError LockingProfileError MissingConfigurationError MissingEntryPointError "
        "ModificationNotAllowed MultipleEntryPointError MultipleObjectsError NotExistent "
        "NotExistentAttributeError NotExistentKeyError OutputParsingError ParsingError PluginInternalError "
        "ProfileConfigurationError ProgressReporterAbstract RemoteOperationError StashMode "
        "StorageBackupError StorageMigrationError StoringNotAllowed TestsNotAllowedError "
        "TransportTaskException UniquenessError UnstashTargetMode UnsupportedSchemaError "
        "UnsupportedSpeciesError ValidationError create_callback get_progress_reporter override_log_level "
        "set_progress_bar_tqdm set_progress_reporter url2pathname validate_link_label"
    ),
    "plugins": _names(
        "BaseFactory BrokerFactory CalcJobImporterFactory CalculationFactory DataFactory DbImporterFactory "
        "GroupFactory OrbitalFactory ParserFactory PluginVersionProvider SchedulerFactory StorageFactory "
        "TransportFactory WorkflowFactory get_entry_points load_entry_point load_entry_point_from_string "
        "parse_entry_point"
    ),
    "manage": _names(
        "CURRENT_CONFIG_VERSION MIGRATIONS OLDEST_COMPATIBLE_CONFIG_VERSION AiiDAConfigDir "
        "AiiDAConfigPathResolver Option Profile check_and_migrate_config config_needs_migrating "
        "disable_caching downgrade_config enable_caching get_current_version get_manager get_option "
        "get_option_names get_use_cache parse_option upgrade_config"
    ),
    "tools": _names(
        "ArchiveExportError ArchiveImportError CalculationTools ExportImportException ExportValidationError "
        "Graph GroupNotFoundError GroupNotUniqueError GroupPath ImportUniquenessError ImportValidationError "
        "InvalidPath NoGroupsInPathError Orbital RealhydrogenOrbital WorkflowTools create_archive "
        "default_link_styles default_node_styles default_node_sublabels delete_group_nodes delete_nodes "
        "get_explicit_kpoints_path get_kpoints_path import_archive pstate_node_styles "
        "spglib_tuple_to_structure structure_to_spglib_tuple"
    ),
}

_ENGINE_RUNTIME = _names(
    "FunctionProcess OutputPort AiiDAPersister Awaitable AwaitableAction AwaitableTarget "
    "BaseRestartWorkChain CalcJob CalcJobImporter "
    "CalcJobOutputPort CalcJobProcessSpec DaemonClient InterruptableFuture JobManager JobsList PastException "
    "ProcessBuilder ProcessBuilderNamespace ProcessFuture ProcessHandlerReport Runner ToContext WithNonDb "
    "WithSerialize WorkChain append_ assign_ await_processes construct_awaitable get_daemon_client if_ "
    "interruptable_task process_handler return_ submit while_"
)
_DOMAIN_PLUGINS = _names(
    "BandsData KpointsData OrbitalData ProjectionData TrajectoryData UpfData CalcJobResultManager Code "
    "cif_from_ase find_bandgap has_pycifrw pycifrw_from_cif"
)

#: module -> {name: why it is not there}
BY_DESIGN: dict[str, dict[str, str]] = {
    "orm": dict.fromkeys(_DOMAIN_PLUGINS, "a domain data plugin or CalcJob helper, not storage"),
    "engine": dict.fromkeys(_ENGINE_RUNTIME, "the engine's runner, CalcJob/WorkChain machinery or daemon"),
    "common": {
        **dict.fromkeys(
            _names("CalcInfo CodeInfo TransportTaskException RemoteOperationError url2pathname"),
            "CalcJob submission and transports",
        ),
        **dict.fromkeys(
            _names(
                "TQDM_BAR_FORMAT ProgressReporterAbstract create_callback get_progress_reporter "
                "set_progress_bar_tqdm set_progress_reporter"
            ),
            "aiida's tqdm progress reporters; provgraph's tools take a progress callback",
        ),
        **dict.fromkeys(_names("GraphTraversalRule GraphTraversalRules"), "in provgraph.tools.graph.rules"),
    },
    "plugins": dict.fromkeys(
        _names(
            "BrokerFactory CalcJobImporterFactory DbImporterFactory OrbitalFactory ParserFactory "
            "PluginVersionProvider SchedulerFactory TransportFactory"
        ),
        "brokers, calculation-job importers, parsers, schedulers, transports and domain plugins",
    ),
    "manage": dict.fromkeys(
        _names(
            "MIGRATIONS AiiDAConfigPathResolver Option check_and_migrate_config "
            "config_needs_migrating downgrade_config get_current_version get_option "
            "get_option_names parse_option upgrade_config"
        ),
        "aiida's config-file migration and option registry; provgraph reads AiiDA's v10 layout",
    ),
    "tools": dict.fromkeys(
        _names(
            "CalculationTools WorkflowTools Graph GroupNotFoundError GroupNotUniqueError GroupPath "
            "InvalidPath NoGroupsInPathError Orbital RealhydrogenOrbital default_link_styles "
            "default_node_styles default_node_sublabels get_explicit_kpoints_path get_kpoints_path "
            "pstate_node_styles spglib_tuple_to_structure structure_to_spglib_tuple"
        ),
        "visualisation and group paths (issues 15+) and domain tools",
    ),
}


@pytest.mark.parametrize("module", sorted(AIIDA_ALL))
def test_aiida_names_exist(module: str) -> None:
    facade = importlib.import_module(f"provgraph.{module}")
    missing = [
        name for name in AIIDA_ALL[module] if name not in BY_DESIGN[module] and not hasattr(facade, name)
    ]
    assert not missing, f"provgraph.{module} lacks aiida-core's {missing}"


@pytest.mark.parametrize("module", sorted(AIIDA_ALL))
def test_by_design_list_is_current(module: str) -> None:
    """A name listed as missing by design that now exists should leave the list."""
    facade = importlib.import_module(f"provgraph.{module}")
    present = [name for name in BY_DESIGN[module] if hasattr(facade, name)]
    assert not present, f"provgraph.{module} has {present}: remove them from BY_DESIGN"


DEEP_PATHS = [
    "provgraph.common.exceptions",
    "provgraph.common.links",
    "provgraph.common.lang",
    "provgraph.common.timezone",
    "provgraph.common.log",
    "provgraph.common.extendeddicts",
    "provgraph.orm.nodes.data.int",
    "provgraph.orm.utils.links",
    "provgraph.orm.utils.loaders",
    "provgraph.orm.utils.node",
    "provgraph.orm.utils.managers",
    "provgraph.orm.utils.serialize",
    "provgraph.manage.configuration",
    "provgraph.plugins.entry_point",
]


@pytest.mark.parametrize("path", DEEP_PATHS)
def test_deep_paths_import(path: str) -> None:
    importlib.import_module(path)
