"""``provgraph code``: record, list and inspect codes, the executables calculations run.

verdi's ``code create|list|show|relabel|hide|reveal|delete`` with its option names. A code is a
node: an InstalledCode names an executable on a computer, a PortableCode carries its files, a
ContainerizedCode runs an executable inside a container image.

    provgraph code create core.code.installed -L pw -Y cluster -X /opt/qe/bin/pw.x -n
    provgraph code list -P full_label pk default_calc_job_plugin
    provgraph code show pw@cluster
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import click

from provgraph.cli.context import ProvgraphContext, ProvgraphGroup, pass_provgraph
from provgraph.cli.listing import OutputStyle, emit_rows, format_option, note, plural, print_mapping
from provgraph.cli.options import MultipleValueOption
from provgraph.cli.prompts import required_value

if TYPE_CHECKING:
    from provgraph.orm.computers import Computer
    from provgraph.orm.nodes.data.core.code import AbstractCode
    from provgraph.storage.abstract import StorageBackend

__all__ = ["PROJECTIONS", "code"]

#: What ``code list -P`` may show (verdi's names).
PROJECTIONS = (
    "full_label",
    "entry_point",
    "pk",
    "uuid",
    "label",
    "default_calc_job_plugin",
    "computer",
    "user",
)
_DEFAULT_PROJECTION = ("full_label", "pk", "entry_point")
_CODE_TYPES = ("core.code.containerized", "core.code.installed", "core.code.portable")


@click.group(cls=ProvgraphGroup)
def code() -> None:
    """Record and inspect codes: the executables that calculations run.

    Example: provgraph code create core.code.installed -L pw -Y cluster -X /opt/qe/bin/pw.x -n
    """


def _load_code(storage: StorageBackend, identifier: str) -> AbstractCode:
    """The code named by pk, uuid (or prefix), label or ``label@computer``."""
    from provgraph.orm.utils.loaders import load_code

    del storage  # load_code reads the loaded profile's storage, which ctx.get_storage() opened
    found: AbstractCode = load_code(identifier)
    return found


def _entry_point(node_type: str) -> str:
    """``data.core.code.installed.InstalledCode.`` -> ``core.code.installed``."""
    name = node_type.removeprefix("data.").rstrip(".")
    return name.rsplit(".", 1)[0]


# -- create -------------------------------------------------------------------------------------


class _CreateGroup(ProvgraphGroup):
    """``code create TYPE``: one subcommand per kind of code, made when asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *_CODE_TYPES})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in _CODE_TYPES:
            command = _create_command(cmd_name)
            self.add_command(command)
        return command


@code.group("create", cls=_CreateGroup)
def create() -> None:
    """Create a code of the given type (core.code.installed, core.code.portable, core.code.containerized).

    Example: provgraph code create core.code.portable -L script -X run.sh -F ./code_dir -n
    """


_TYPE_HELP = {
    "core.code.installed": "an executable already installed on a computer",
    "core.code.portable": "an executable stored with its files, runnable on any computer",
    "core.code.containerized": "an executable inside a container image, run on a computer",
}


def _create_command(code_type: str) -> click.Command:
    def run(ctx: ProvgraphContext, /, non_interactive: bool, **values: Any) -> None:
        _create(ctx, code_type, non_interactive, values)

    command: Any = pass_provgraph(run)
    options: list[Callable[[Any], Any]] = [
        click.option("-L", "--label", help="A label to name the code by (unique per computer)."),
        click.option("-D", "--description", default="", help="What the code is, e.g. its version and build."),
        click.option(
            "-P",
            "--default-calc-job-plugin",
            metavar="ENTRY_POINT",
            help="Entry point name of the CalcJob plugin the code is for (e.g. quantumespresso.pw).",
        ),
        click.option(
            "--use-double-quotes/--no-use-double-quotes",
            default=False,
            show_default=True,
            help="Quote the executable and its arguments with double quotes in job scripts.",
        ),
        click.option(
            "--with-mpi/--no-with-mpi",
            default=None,
            help="Whether the code runs under MPI (default: left to the calculation).",
        ),
        click.option("--prepend-text", default="", help="Bash lines put before the run line in job scripts."),
        click.option("--append-text", default="", help="Bash lines put after the run line in job scripts."),
    ]
    if code_type != "core.code.portable":
        options.append(
            click.option(
                "-Y", "--computer", metavar="COMPUTER", help="The computer (pk, uuid or label) it runs on."
            )
        )
    executable_help = (
        "Path of the executable relative to the code's files."
        if code_type == "core.code.portable"
        else "Path of the executable on the computer"
        + (" (inside the image)." if code_type == "core.code.containerized" else ".")
    )
    options.append(click.option("-X", "--filepath-executable", help=executable_help))
    if code_type == "core.code.portable":
        options.append(
            click.option(
                "-F",
                "--filepath-files",
                type=click.Path(exists=True, file_okay=False),
                help="Local directory whose files are stored with the code.",
            )
        )
    if code_type == "core.code.containerized":
        options += [
            click.option(
                "-E",
                "--engine-command",
                help="Command that runs the container, with {image_name}: e.g. 'docker run {image_name}'.",
            ),
            click.option("-I", "--image-name", help="Name of the container image."),
            click.option(
                "--wrap-cmdline-params/--no-wrap-cmdline-params",
                default=False,
                show_default=True,
                help="Pass the command line parameters to the engine command as one quoted argument.",
            ),
        ]
    options.append(
        click.option(
            "-n", "--non-interactive", is_flag=True, help="Never prompt; fail if a required value is missing."
        )
    )
    for option in reversed(options):
        command = option(command)
    return click.command(
        code_type,
        help=(
            f"Create {_TYPE_HELP[code_type]} ({code_type}).\n\n"
            "Missing required values are asked for on a terminal; "
            "without one (or with -n) they must be given.\n\n"
            f"Example: provgraph code create {code_type} {_EXAMPLES[code_type]} -n"
        ),
    )(command)


_EXAMPLES = {
    "core.code.installed": "-L pw -Y cluster -X /opt/qe/bin/pw.x",
    "core.code.portable": "-L script -X run.sh -F ./code_dir",
    "core.code.containerized": "-L pw -Y cluster -X pw.x -I qe:7.2 -E 'docker run -i {image_name}'",
}


def _create(ctx: ProvgraphContext, code_type: str, non_interactive: bool, values: dict[str, Any]) -> None:
    from provgraph.exceptions import InputValidationError, LabelTakenError
    from provgraph.orm.computers import load_computer
    from provgraph.orm.nodes.data.core.code import ContainerizedCode, InstalledCode, PortableCode

    storage = ctx.get_storage()

    def need(name: str, prompt: str) -> str:
        return required_value(values.pop(name), "--" + name.replace("_", "-"), prompt, non_interactive)

    label = need("label", "Label")
    chosen: Computer | None = None
    if "computer" in values:
        chosen = load_computer(need("computer", "Computer"), backend=storage)
    executable = need("filepath_executable", "Executable path")
    common = {
        "label": label,
        "description": values.pop("description"),
        "default_calc_job_plugin": values.pop("default_calc_job_plugin"),
        "use_double_quotes": values.pop("use_double_quotes"),
        "with_mpi": values.pop("with_mpi"),
        "prepend_text": values.pop("prepend_text"),
        "append_text": values.pop("append_text"),
        "backend": storage,
    }
    if _label_taken(storage, label, chosen):
        where = f" on computer {chosen.label!r}" if chosen is not None else " among codes without a computer"
        raise LabelTakenError(f"A code labelled {label!r} exists already{where}; choose another label")
    new: AbstractCode
    try:
        if code_type == "core.code.installed":
            assert chosen is not None
            new = InstalledCode(chosen, executable, **common)
        elif code_type == "core.code.portable":
            files = need("filepath_files", "Directory of the code's files")
            new = PortableCode(executable, files, **common)
        else:
            assert chosen is not None
            new = ContainerizedCode(
                chosen,
                executable,
                image_name=need("image_name", "Image name"),
                engine_command=need("engine_command", "Engine command"),
                wrap_cmdline_params=values.pop("wrap_cmdline_params"),
                **common,
            )
    except (TypeError, ValueError) as error:
        raise InputValidationError(f"Cannot create the code: {error}") from None
    new.store()
    click.echo(f"Created {type(new).__name__} {new.full_label!r} (pk {new.pk}).")


def _label_taken(storage: StorageBackend, label: str, chosen: Computer | None) -> bool:
    """Whether a code with ``label`` exists on ``chosen`` (or, for None, without a computer)."""
    from provgraph.orm import QueryBuilder
    from provgraph.orm.nodes.data.core.code import AbstractCode

    query = QueryBuilder(backend=storage)
    query.append(AbstractCode, filters={"label": label, "dbcomputer_id": chosen.pk if chosen else None})
    return query.count() > 0


# -- list and show ------------------------------------------------------------------------------


@code.command("list")
@click.option("-Y", "--computer", metavar="COMPUTER", help="Only codes on this computer (pk, uuid or label).")
@click.option(
    "-d",
    "--default-calc-job-plugin",
    metavar="ENTRY_POINT",
    help="Only codes for this CalcJob plugin (entry point name).",
)
@click.option("-a", "--all", "all_entries", is_flag=True, help="Include hidden codes.")
@click.option(
    "-A", "--all-users", is_flag=True, help="Include codes of all users, not only the default user's."
)
@click.option(
    "-P",
    "--project",
    cls=MultipleValueOption,
    type=click.Choice(PROJECTIONS),
    help=f"Columns to show (default: {' '.join(_DEFAULT_PROJECTION)}).",
)
@click.option(
    "-r", "--raw", is_flag=True, help="Print the values only: no header, no summary (tab-separated)."
)
@format_option
@pass_provgraph
def list_codes(
    ctx: ProvgraphContext,
    *,
    computer: str | None,
    default_calc_job_plugin: str | None,
    all_entries: bool,
    all_users: bool,
    project: tuple[str, ...],
    raw: bool,
    style: OutputStyle,
) -> None:
    """List the default user's visible codes, sorted by full label (label@computer).

    Example: provgraph code list -A -P full_label user -F tsv
    """
    from provgraph.orm import QueryBuilder
    from provgraph.orm.computers import Computer, load_computer
    from provgraph.orm.nodes.data.core.code import AbstractCode
    from provgraph.orm.users import User

    storage = ctx.get_storage()
    columns = project or _DEFAULT_PROJECTION
    filters: dict[str, Any] = {}
    if not all_entries:
        filters["extras.hidden"] = {"!==": True}
    if not all_users:
        filters["user_id"] = User.collection(storage).get_default().pk
    if computer is not None:
        filters["dbcomputer_id"] = load_computer(computer, backend=storage).pk
    if default_calc_job_plugin is not None:
        filters["attributes.input_plugin"] = default_calc_job_plugin
    computers = {item.pk: item.label for item in Computer.collection(storage).find()}
    users = {item.pk: item.email for item in User.collection(storage).find()} if "user" in columns else {}
    query = QueryBuilder(backend=storage)
    fields = ["id", "uuid", "label", "node_type", "dbcomputer_id", "user_id", "attributes.input_plugin"]
    query.append(AbstractCode, filters=filters, project=fields)

    def values(row: list[Any]) -> dict[str, Any]:
        pk, uuid, label, node_type, computer_pk, user_pk, plugin = row
        computer_label = computers.get(computer_pk)
        return {
            "full_label": f"{label}@{computer_label}" if computer_label is not None else label,
            "entry_point": _entry_point(node_type),
            "pk": pk,
            "uuid": uuid,
            "label": label,
            "default_calc_job_plugin": plugin,
            "computer": computer_label,
            "user": users.get(user_pk),
        }

    records = sorted(
        (values(row) for row in query.iterall()), key=lambda item: (item["full_label"], item["pk"])
    )
    rows: Iterator[tuple[Any, ...]] = (tuple(record[name] for name in columns) for record in records)
    if raw:
        for row in rows:
            click.echo("\t".join("" if value is None else str(value) for value in row))
        return
    emit_rows(columns, rows, style)
    if not records:
        note("No codes found matching the criteria.", style)
    else:
        note(f"{plural(len(records), 'code')}. Show one with `provgraph code show IDENTIFIER`.", style)


@code.command("show")
@click.argument("identifier", metavar="CODE")
@format_option
@pass_provgraph
def show(ctx: ProvgraphContext, identifier: str, style: OutputStyle) -> None:
    """Show a code's settings.

    CODE is a pk, a uuid (or unique uuid prefix), a label or label@computer.
    Example: provgraph code show pw@cluster
    """
    from provgraph.orm.nodes.data.core.code import ContainerizedCode, PortableCode

    chosen = _load_code(ctx.get_storage(), identifier)
    where = chosen.computer
    record: dict[str, Any] = {
        "pk": chosen.pk,
        "uuid": chosen.uuid,
        "type": _entry_point(chosen.node_type),
        "label": chosen.label,
        "full_label": chosen.full_label,
        "description": chosen.description,
        "computer": None if where is None else f"{where.label} ({where.hostname}), pk {where.pk}",
        "filepath_executable": str(chosen.filepath_executable),
        "default_calc_job_plugin": chosen.default_calc_job_plugin,
        "use_double_quotes": chosen.use_double_quotes,
        "with_mpi": chosen.with_mpi,
        "prepend_text": chosen.prepend_text,
        "append_text": chosen.append_text,
    }
    if isinstance(chosen, ContainerizedCode):
        record.update(
            image_name=chosen.image_name,
            engine_command=chosen.engine_command,
            wrap_cmdline_params=chosen.wrap_cmdline_params,
        )
    if isinstance(chosen, PortableCode):
        record["files"] = sorted(str(path) for path in chosen.base.repository.glob())
    record["hidden"] = chosen.is_hidden
    record["user"] = chosen.user.email
    record["ctime"] = chosen.ctime
    print_mapping(record, style)


# -- relabel, hide, reveal, delete --------------------------------------------------------------


@code.command("relabel")
@click.argument("identifier", metavar="CODE")
@click.argument("label", metavar="LABEL")
@pass_provgraph
def relabel(ctx: ProvgraphContext, identifier: str, label: str) -> None:
    """Give CODE the label LABEL (free among the codes of its computer).

    Example: provgraph code relabel pw@cluster pw-7.2
    """
    from provgraph.exceptions import InputValidationError, LabelTakenError

    storage = ctx.get_storage()
    chosen = _load_code(storage, identifier)
    old = chosen.full_label
    if label == chosen.label:
        raise InputValidationError(f"Code {old!r} has that label already; give a different one")
    if _label_taken(storage, label, chosen.computer):
        raise LabelTakenError(
            f"A code labelled {label!r} exists already beside {old!r}; choose another label"
        )
    try:
        chosen.label = label
    except (TypeError, ValueError) as error:
        raise InputValidationError(f"Invalid code label: {error}") from None
    click.echo(f"Relabelled code {old!r} to {chosen.full_label!r}.")


def _set_hidden(ctx: ProvgraphContext, identifiers: tuple[str, ...], hidden: bool) -> None:
    storage = ctx.get_storage()
    for chosen in [_load_code(storage, identifier) for identifier in identifiers]:
        chosen.is_hidden = hidden
        click.echo(f"Code {chosen.full_label!r} (pk {chosen.pk}) {'hidden' if hidden else 'revealed'}.")


@code.command("hide")
@click.argument("identifiers", metavar="CODES...", nargs=-1, required=True)
@pass_provgraph
def hide(ctx: ProvgraphContext, identifiers: tuple[str, ...]) -> None:
    """Hide codes from `code list` (shown again with -a, or after `code reveal`).

    Example: provgraph code hide pw-old@cluster
    """
    _set_hidden(ctx, identifiers, True)


@code.command("reveal")
@click.argument("identifiers", metavar="CODES...", nargs=-1, required=True)
@pass_provgraph
def reveal(ctx: ProvgraphContext, identifiers: tuple[str, ...]) -> None:
    """Show hidden codes in `code list` again.

    Example: provgraph code reveal pw-old@cluster
    """
    _set_hidden(ctx, identifiers, False)


@code.command("delete")
@click.argument("identifiers", metavar="CODES...", nargs=-1, required=True)
@click.option("-n", "--dry-run", is_flag=True, help="List what would be deleted; delete nothing.")
@click.option("-f", "--force", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def delete(click_ctx: click.Context, identifiers: tuple[str, ...], dry_run: bool, force: bool) -> None:
    """Delete codes and, as `node delete` does, the calculations that used them and what those created.

    CODES are pks, uuids, labels or label@computer.
    Example: provgraph code delete pw-old@cluster --dry-run
    """
    from provgraph.cli.delete import node_delete

    ctx = click_ctx.ensure_object(ProvgraphContext)
    storage = ctx.get_storage()
    pks = tuple(str(_load_code(storage, identifier).pk) for identifier in identifiers)
    try:
        click_ctx.invoke(node_delete, identifiers=pks, dry_run=dry_run, force=force)
    except click.UsageError as error:  # name this command in the usage line, not `node delete`
        raise click.UsageError(error.message, ctx=click_ctx) from None
