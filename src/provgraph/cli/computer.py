"""``provgraph computer``: set up, configure and inspect the computers calculations run on.

The commands and options are verdi's (``verdi computer setup|configure|test|list|show|relabel|
enable|disable|delete``). provgraph records computers and their per-user connection settings
(AuthInfo) so that a database shared with AiiDA stays complete, but it opens no connection:
``computer test`` checks what can be checked without a transport and says so.

    provgraph computer setup -L cluster -H login.example.org -T core.ssh -S core.slurm -n
    provgraph computer configure core.ssh cluster --username ada --port 22 -n
    provgraph computer test cluster
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import click

from provgraph.cli.context import ProvgraphContext, ProvgraphGroup, pass_provgraph
from provgraph.cli.listing import OutputStyle, emit_rows, format_option, note, plural, print_mapping
from provgraph.cli.prompts import confirm_or_force, is_interactive, required_value

if TYPE_CHECKING:
    from provgraph.orm.computers import Computer
    from provgraph.orm.users import User
    from provgraph.storage.abstract import StorageBackend

__all__ = ["KNOWN_SCHEDULERS", "TRANSPORTS", "AuthParam", "computer"]

#: aiida-core's scheduler plugins (provgraph records the name; it submits nothing).
KNOWN_SCHEDULERS = ("core.direct", "core.lsf", "core.pbspro", "core.sge", "core.slurm", "core.torque")


@click.group(cls=ProvgraphGroup)
def computer() -> None:
    """Set up and inspect computers: where calculations run and how to reach them.

    Example: provgraph computer setup -L cluster -H login.example.org -T core.ssh -n
    """


def _load(storage: StorageBackend, identifier: str) -> Computer:
    from provgraph.orm.computers import load_computer

    return load_computer(identifier, backend=storage)


def _user(storage: StorageBackend, email: str | None) -> User:
    """The user with ``email``, or the profile's default user."""
    from provgraph.exceptions import NotExistent
    from provgraph.orm.users import User

    users = User.collection(storage)
    if email is None:
        return users.get_default()
    try:
        return users.get(email=User.normalize_email(email))
    except NotExistent:
        raise NotExistent(
            f"No user with email {email!r}; create one with `provgraph user configure --email {email}`"
        ) from None


# -- setup --------------------------------------------------------------------------------------


@computer.command("setup")
@click.option("-L", "--label", help="Unique name of the computer, used to refer to it later.")
@click.option("-H", "--hostname", help="Host name or address to connect to (e.g. localhost).")
@click.option("-D", "--description", default="", help="A sentence describing the computer.")
@click.option(
    "-T", "--transport", default="core.local", show_default=True, help="Transport type used to connect."
)
@click.option("-S", "--scheduler", default="core.direct", show_default=True, help="Scheduler type for jobs.")
@click.option(
    "-w",
    "--work-dir",
    "--workdir",
    "workdir",
    help="Absolute path where calculations run; '{username}' is replaced by the remote user name.",
)
@click.option("--shebang", help="First line of job scripts (default: #!/bin/bash).")
@click.option(
    "-m",
    "--mpirun-command",
    help="MPI launcher command line (default: 'mpirun -np {tot_num_mpiprocs}').",
)
@click.option(
    "--mpiprocs-per-machine",
    type=click.IntRange(min=1),
    help="Default number of MPI processes per machine.",
)
@click.option(
    "--default-memory-per-machine",
    type=click.IntRange(min=1),
    help="Default memory per machine in kB that a job may use.",
)
@click.option(
    "--use-double-quotes/--not-use-double-quotes",
    default=None,
    help="Quote the paths in job scripts with double quotes (so that $VARIABLES expand).",
)
@click.option("--prepend-text", help="Bash lines put at the start of every job script.")
@click.option("--append-text", help="Bash lines put at the end of every job script.")
@click.option(
    "-n", "--non-interactive", is_flag=True, help="Never prompt; fail if a required value is missing."
)
@pass_provgraph
def setup(
    ctx: ProvgraphContext,
    *,
    label: str | None,
    hostname: str | None,
    description: str,
    transport: str,
    scheduler: str,
    workdir: str | None,
    shebang: str | None,
    mpirun_command: str | None,
    mpiprocs_per_machine: int | None,
    default_memory_per_machine: int | None,
    use_double_quotes: bool | None,
    prepend_text: str | None,
    append_text: str | None,
    non_interactive: bool,
) -> None:
    """Create a new computer in the profile's storage.

    Example: provgraph computer setup -L cluster -H login.example.org -T core.ssh -S core.slurm -n
    """
    from provgraph.orm.computers import Computer

    label = required_value(label, "--label", "Computer label", non_interactive)
    hostname = required_value(hostname, "--hostname", "Hostname", non_interactive)
    new = Computer(
        label,
        hostname,
        description,
        transport_type=transport,
        scheduler_type=scheduler,
        workdir=workdir,
        backend=ctx.get_storage(),
    )
    if shebang is not None:
        new.set_shebang(shebang)
    if mpirun_command is not None:
        new.set_mpirun_command(shlex.split(mpirun_command))
    if mpiprocs_per_machine is not None:
        new.set_default_mpiprocs_per_machine(mpiprocs_per_machine)
    if default_memory_per_machine is not None:
        new.set_default_memory_per_machine(default_memory_per_machine)
    if use_double_quotes is not None:
        new.set_property("use_double_quotes", use_double_quotes)
    if prepend_text is not None:
        new.set_prepend_text(prepend_text)
    if append_text is not None:
        new.set_append_text(append_text)
    new.store()
    click.echo(f"Created computer {new.label!r} (pk {new.pk}).")
    if transport in TRANSPORTS:
        click.echo(f"Configure it with `provgraph computer configure {transport} {new.label}`.")


# -- list and show ------------------------------------------------------------------------------


@computer.command("list")
@click.option(
    "-a", "--all", "all_entries", is_flag=True, help="Also list computers not configured or disabled for you."
)
@click.option("-r", "--raw", is_flag=True, help="Print only the labels, one per line.")
@format_option
@pass_provgraph
def list_computers(ctx: ProvgraphContext, all_entries: bool, raw: bool, style: OutputStyle) -> None:
    """List the computers configured and enabled for the default user (all of them with -a).

    Example: provgraph computer list -a --format tsv
    """
    from provgraph.orm.computers import Computer

    storage = ctx.get_storage()
    user = _user(storage, None)
    found = Computer.collection(storage).find(order_by=["label"])
    rows = []
    for item in found:
        state = _state_for(item, user)
        if all_entries or state == "enabled":
            rows.append((item.pk, item.label, item.hostname, item.transport_type, item.scheduler_type, state))
    if raw:
        for row in rows:
            click.echo(row[1])
        return
    if not found:
        note("No computers yet. Create one with `provgraph computer setup`.", style)
        if style.structured:
            emit_rows(_LIST_COLUMNS, [], style)
        return
    emit_rows(_LIST_COLUMNS, rows, style)
    hidden = len(found) - len(rows)
    if hidden:
        note(
            f"{plural(hidden, 'computer')} not configured or disabled for {user.email} "
            f"{'is' if hidden == 1 else 'are'} hidden; show {'it' if hidden == 1 else 'them'} with --all.",
            style,
        )


_LIST_COLUMNS = ("pk", "label", "hostname", "transport", "scheduler", "state")


def _state_for(item: Computer, user: User) -> str:
    """``enabled``, ``disabled`` or ``not configured``: what the computer is for ``user``."""
    from provgraph.exceptions import NotExistent

    try:
        return "enabled" if item.get_authinfo(user).enabled else "disabled"
    except NotExistent:
        return "not configured"


@computer.command("show")
@click.argument("identifier", metavar="COMPUTER")
@format_option
@pass_provgraph
def show(ctx: ProvgraphContext, identifier: str, style: OutputStyle) -> None:
    """Show a computer's settings and its state for the default user.

    COMPUTER is a pk, a uuid (or unique uuid prefix) or a label.
    Example: provgraph computer show cluster --json
    """
    storage = ctx.get_storage()
    chosen = _load(storage, identifier)
    user = _user(storage, None)
    record: dict[str, Any] = {
        "label": chosen.label,
        "pk": chosen.pk,
        "uuid": chosen.uuid,
        "description": chosen.description,
        "hostname": chosen.hostname,
        "transport_type": chosen.transport_type,
        "scheduler_type": chosen.scheduler_type,
        "workdir": chosen.get_workdir(),
        "shebang": chosen.get_shebang(),
        "mpirun_command": " ".join(chosen.get_mpirun_command()),
        "default_mpiprocs_per_machine": chosen.get_default_mpiprocs_per_machine(),
        "default_memory_per_machine": chosen.get_default_memory_per_machine(),
        "use_double_quotes": bool(chosen.get_property("use_double_quotes", False)),
        "prepend_text": chosen.get_prepend_text(),
        "append_text": chosen.get_append_text(),
        "user": user.email,
        "state": _state_for(chosen, user),
    }
    print_mapping(record, style)


@computer.command("relabel")
@click.argument("identifier", metavar="COMPUTER")
@click.argument("label", metavar="LABEL")
@pass_provgraph
def relabel(ctx: ProvgraphContext, identifier: str, label: str) -> None:
    """Give COMPUTER the new label LABEL (free among computers).

    COMPUTER is a pk, a uuid (or unique uuid prefix) or a label.
    Example: provgraph computer relabel cluster cluster-old
    """
    from provgraph.exceptions import InputValidationError

    chosen = _load(ctx.get_storage(), identifier)
    old = chosen.label
    if old == label:
        raise InputValidationError(f"Computer {old!r} has that label already; give a different one")
    chosen.label = label
    click.echo(f"Relabelled computer {old!r} to {label!r}.")


# -- enable, disable, delete --------------------------------------------------------------------


def _set_enabled(ctx: ProvgraphContext, identifier: str, email: str | None, enabled: bool) -> None:
    from provgraph.exceptions import NotExistent

    storage = ctx.get_storage()
    chosen = _load(storage, identifier)
    user = _user(storage, email)
    try:
        authinfo = chosen.get_authinfo(user)
    except NotExistent:
        raise NotExistent(
            f"Computer {chosen.label!r} is not configured for user {user.email!r} yet; configure it with "
            f"`provgraph computer configure {chosen.transport_type} {chosen.label}`"
        ) from None
    word = "enabled" if enabled else "disabled"
    if authinfo.enabled == enabled:
        click.echo(f"Computer {chosen.label!r} was already {word} for user {user.email}.")
        return
    authinfo.enabled = enabled
    click.echo(f"Computer {chosen.label!r} {word} for user {user.email}.")


@computer.command("enable")
@click.argument("identifier", metavar="COMPUTER")
@click.argument("email", metavar="[USER]", required=False)
@pass_provgraph
def enable(ctx: ProvgraphContext, identifier: str, email: str | None) -> None:
    """Enable COMPUTER for USER (an email; default: the profile's default user).

    Example: provgraph computer enable cluster ada@example.org
    """
    _set_enabled(ctx, identifier, email, True)


@computer.command("disable")
@click.argument("identifier", metavar="COMPUTER")
@click.argument("email", metavar="[USER]", required=False)
@pass_provgraph
def disable(ctx: ProvgraphContext, identifier: str, email: str | None) -> None:
    """Disable COMPUTER for USER (an email; default: the profile's default user), e.g. during maintenance.

    Example: provgraph computer disable cluster
    """
    _set_enabled(ctx, identifier, email, False)


@computer.command("delete")
@click.argument("identifier", metavar="COMPUTER")
@click.option("-n", "--dry-run", is_flag=True, help="Only say whether the computer can be deleted.")
@click.option("-f", "--force", is_flag=True, help="Do not ask for confirmation.")
@pass_provgraph
def delete(ctx: ProvgraphContext, identifier: str, dry_run: bool, force: bool) -> None:
    """Delete COMPUTER and its per-user settings; refused while nodes (calculations, codes) use it.

    COMPUTER is a pk, a uuid (or unique uuid prefix) or a label.
    Example: provgraph computer delete old-cluster --force
    """
    from provgraph.exceptions import InvalidOperation
    from provgraph.orm.computers import Computer
    from provgraph.storage.abstract import EntityTypes

    storage = ctx.get_storage()
    chosen = _load(storage, identifier)
    used = storage.count_rows(EntityTypes.NODE, {"dbcomputer_id": chosen.pk})
    if used:
        raise InvalidOperation(
            f"Computer {chosen.label!r} is used by {plural(used, 'node')}; delete "
            f"{'it' if used == 1 else 'them'} first (`provgraph node delete`), then the computer"
        )
    if dry_run:
        click.echo(
            f"Computer {chosen.label!r} is used by no node and can be deleted (dry run: nothing deleted)."
        )
        return
    confirm_or_force(force, "Deleting a computer", f"Delete computer {chosen.label!r}?")
    assert chosen.pk is not None  # loaded from the storage
    Computer.collection(storage).delete(chosen.pk)
    click.echo(f"Deleted computer {chosen.label!r}.")


# -- configure: the per-user connection settings ------------------------------------------------


@dataclass(frozen=True)
class AuthParam:
    """One connection setting of a transport, as verdi's ``computer configure`` offers it.

    ``default`` is the value stored when the option is not given (a callable receives the computer).
    """

    name: str
    help: str
    type: Any = str
    default: Any = None
    switch: bool = False
    short: str | None = None

    def default_for(self, chosen: Computer) -> Any:
        return self.default(chosen) if callable(self.default) else self.default

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


def _non_negative(value: float) -> float:
    if value < 0:
        raise click.BadParameter(f"{value} is not a positive number or 0")
    return value


def _absolute_file_or_empty(value: str) -> str:
    import os

    if value and not (os.path.isabs(value) and os.path.isfile(value)):
        raise click.BadParameter(f"{value!r} is not an absolute path of an existing file (or empty)")
    return value


def _login_name(_: Computer) -> str:
    """The local login name, aiida's default remote user name ('' where the system has none)."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no USER variable and no passwd entry (some containers)
        return ""


_COMMON = (
    AuthParam(
        "use_login_shell",
        "Run commands in a login shell (sources .profile; turn off if it prints spurious text).",
        bool,
        True,
        switch=True,
    ),
)


def _safe_interval(default: float) -> AuthParam:
    return AuthParam(
        "safe_interval",
        "Minimum time in seconds between opening new connections.",
        click.FloatRange(min=0),
        default,
    )


#: The transports provgraph knows (aiida-core's) and their connection settings, in verdi's order.
TRANSPORTS: dict[str, tuple[AuthParam, ...]] = {
    "core.local": (*_COMMON, _safe_interval(0.0)),
    "core.ssh": (
        AuthParam("username", "Login user name on the remote machine.", str, _login_name),
        AuthParam("port", "Port number.", click.IntRange(1, 65535), 22, short="-P"),
        AuthParam("look_for_keys", "Look for private keys in ~/.ssh automatically.", bool, True, switch=True),
        AuthParam(
            "key_filename",
            "Absolute path of your private SSH key; empty to use the SSH config's.",
            str,
            "",
        ),
        AuthParam(
            "timeout", "Seconds to wait for the connection before giving up.", click.IntRange(min=0), 60
        ),
        AuthParam("allow_agent", "Allow using an SSH agent.", bool, True, switch=True),
        AuthParam("proxy_jump", "Hosts to jump through, comma-separated [user@]host[:port].", str, ""),
        AuthParam("proxy_command", "Proxy command for tunnelling; empty to use the SSH config's.", str, ""),
        AuthParam("compress", "Compress file transfers.", bool, True, switch=True),
        AuthParam("gss_auth", "Authenticate with a GSS (Kerberos) token.", bool, False, switch=True),
        AuthParam("gss_kex", "GSS key exchange for Kerberos.", bool, False, switch=True),
        AuthParam("gss_deleg_creds", "Delegate GSS credentials for Kerberos.", bool, False, switch=True),
        AuthParam(
            "gss_host", "GSS host for Kerberos (default: the computer's hostname).", str, lambda c: c.hostname
        ),
        AuthParam("load_system_host_keys", "Load the system's known host keys.", bool, True, switch=True),
        AuthParam(
            "key_policy",
            "What to do when the host key is unknown.",
            click.Choice(["RejectPolicy", "WarningPolicy", "AutoAddPolicy"]),
            "RejectPolicy",
        ),
        *_COMMON,
        _safe_interval(15.0),
    ),
    "core.ssh_async": (
        AuthParam(
            "host",
            "Host as in 'ssh HOST' (a password-less entry of ~/.ssh/config; default: the hostname).",
            str,
            lambda c: c.hostname,
        ),
        AuthParam("max_io_allowed", "Maximum number of concurrent I/O operations.", click.IntRange(min=1), 8),
        AuthParam(
            "authentication_script",
            "Local script to run before connecting (e.g. for 2FA); 'None' for none.",
            str,
            "None",
        ),
        AuthParam("backend", "How to connect.", click.Choice(["asyncssh", "openssh"]), "asyncssh"),
        *_COMMON,
        _safe_interval(15.0),
    ),
}

_CHECKS: dict[str, Callable[[Any], Any]] = {"key_filename": _absolute_file_or_empty}


class _ConfigureGroup(ProvgraphGroup):
    """``computer configure TRANSPORT``: one subcommand per transport, made when asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *TRANSPORTS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in TRANSPORTS:
            command = _configure_command(cmd_name)
            self.add_command(command)
        return command


@computer.group("configure", cls=_ConfigureGroup)
def configure() -> None:
    """Configure how the default user (or -u USER) connects to a computer: the AuthInfo settings.

    Example: provgraph computer configure core.ssh cluster --username ada -n
    """


def _configure_command(transport: str) -> click.Command:
    params = TRANSPORTS[transport]

    def run(
        ctx: ProvgraphContext, /, identifier: str, email: str | None, non_interactive: bool, **given: Any
    ) -> None:
        _configure(
            ctx, transport, identifier=identifier, email=email, non_interactive=non_interactive, given=given
        )

    command: Any = pass_provgraph(run)
    command = click.argument("identifier", metavar="COMPUTER")(command)
    for param in reversed(params):
        names = [f"{param.flag}/--no-{param.flag[2:]}"] if param.switch else [param.flag]
        if param.short:
            names.insert(0, param.short)
        command = click.option(
            *names,
            param.name,
            type=None if param.switch else param.type,
            default=None,
            help=param.help,
        )(command)
    command = click.option(
        "-n", "--non-interactive", is_flag=True, help="Never prompt: use the current or default values."
    )(command)
    command = click.option(
        "-u", "--user", "email", metavar="EMAIL", help="Configure for this user (default: the default user)."
    )(command)
    return click.command(
        transport,
        help=(
            f"Configure COMPUTER (a {transport} computer) for the default user or -u USER.\n\n"
            "Options not given keep their current value, else get the default; on a terminal, "
            "without -n, each is asked for.\n\n"
            f"Example: provgraph computer configure {transport} COMPUTER -n"
        ),
    )(command)


def _configure(
    ctx: ProvgraphContext,
    transport: str,
    *,
    identifier: str,
    email: str | None,
    non_interactive: bool,
    given: dict[str, Any],
) -> None:
    from provgraph.exceptions import InputValidationError

    storage = ctx.get_storage()
    chosen = _load(storage, identifier)
    if chosen.transport_type != transport:
        raise InputValidationError(
            f"Computer {chosen.label!r} uses transport {chosen.transport_type!r}, not {transport!r}; "
            f"run `provgraph computer configure {chosen.transport_type} {chosen.label}`"
        )
    user = _user(storage, email)
    current = chosen.get_configuration(user)
    prompt = is_interactive(non_interactive)
    values: dict[str, Any] = {}
    for param in TRANSPORTS[transport]:
        value = given.get(param.name)
        if value is None:
            value = current.get(param.name, param.default_for(chosen))
            if prompt:
                value = click.prompt(
                    param.name.replace("_", " ").capitalize(),
                    default=value,
                    type=bool if param.switch else param.type,
                )
        check = _CHECKS.get(param.name)
        if check is not None:
            try:
                value = check(value)
            except click.BadParameter as error:
                error.param_hint = param.flag
                raise
        values[param.name] = value
    chosen.configure(user, **values)
    click.echo(f"Configured computer {chosen.label!r} for user {user.email}.")


@configure.command("show")
@click.argument("identifier", metavar="COMPUTER")
@click.option(
    "-u", "--user", "email", metavar="EMAIL", help="Show this user's settings (default: the default user)."
)
@click.option("--defaults", is_flag=True, help="Show the default settings instead of the stored ones.")
@click.option(
    "--as-option-string",
    is_flag=True,
    help="Print the settings as options for `computer configure` (to copy them to another computer).",
)
@format_option
@pass_provgraph
def configure_show(
    ctx: ProvgraphContext,
    identifier: str,
    email: str | None,
    *,
    defaults: bool,
    as_option_string: bool,
    style: OutputStyle,
) -> None:
    """Show how COMPUTER is configured for the default user (or -u USER); '-' marks unset settings.

    Example: provgraph computer configure show cluster
    """
    storage = ctx.get_storage()
    chosen = _load(storage, identifier)
    params: Sequence[AuthParam] = TRANSPORTS.get(chosen.transport_type, ())
    if defaults:
        stored = {param.name: param.default_for(chosen) for param in params}
    else:
        stored = chosen.get_configuration(_user(storage, email))
    if as_option_string:
        click.echo(" ".join(_as_options(params, stored)))
        return
    names = [param.name for param in params] + sorted(set(stored) - {param.name for param in params})
    if style.structured:
        print_mapping({name: stored.get(name) for name in names}, style)
    else:
        print_mapping({name: stored.get(name, "-") for name in names}, style)


def _as_options(params: Sequence[AuthParam], stored: dict[str, Any]) -> list[str]:
    """``--port=22 --no-compress ...``: the stored settings as `computer configure` options, shell-quoted."""
    words = []
    for param in params:
        if param.name not in stored:
            continue
        value = stored[param.name]
        if param.switch:
            words.append(param.flag if value else f"--no-{param.flag[2:]}")
        else:
            words.append(f"{param.flag}={shlex.quote(str(value))}")
    return words


# -- test ---------------------------------------------------------------------------------------


@computer.command("test")
@click.argument("identifier", metavar="COMPUTER")
@click.option(
    "-u", "--user", "email", metavar="EMAIL", help="Test for this user (default: the default user)."
)
@pass_provgraph
def test(ctx: ProvgraphContext, identifier: str, email: str | None) -> None:
    """Check COMPUTER's settings as far as possible without connecting to it.

    It checks that the computer is configured and enabled for the user, that its work directory
    template gives an absolute path and that provgraph knows its transport and scheduler. The
    connection tests of verdi (open a connection, list jobs, write a file) need a transport, which
    provgraph does not run: the command then ends with exit code 1 and says so.

    Example: provgraph computer test cluster
    """
    import os

    from provgraph.exceptions import FeatureNotAvailable, InputValidationError, NotExistent

    storage = ctx.get_storage()
    chosen = _load(storage, identifier)
    user = _user(storage, email)
    click.echo(f"Testing computer {chosen.label!r} for user {user.email} (without connecting).")

    def passed(what: str) -> None:
        click.echo(f"* {what}: OK")

    passed(f"Computer exists (pk {chosen.pk})")
    try:
        authinfo = chosen.get_authinfo(user)
    except NotExistent:
        raise NotExistent(
            f"Computer {chosen.label!r} is not configured for user {user.email}; configure it with "
            f"`provgraph computer configure {chosen.transport_type} {chosen.label}`"
        ) from None
    passed("Configured for the user")
    if not authinfo.enabled:
        raise InputValidationError(
            f"Computer {chosen.label!r} is disabled for user {user.email}; enable it with "
            f"`provgraph computer enable {chosen.label}`"
        )
    passed("Enabled for the user")
    template = authinfo.get_workdir()
    params = authinfo.get_auth_params()
    remote_user = str(params.get("username") or _login_name(chosen))
    try:
        workdir = template.format(username=remote_user)
    except (KeyError, IndexError, ValueError) as error:
        raise InputValidationError(
            f"Work directory {template!r} does not format: only '{{username}}' may be used ({error})"
        ) from None
    if not os.path.isabs(workdir):
        raise InputValidationError(f"Work directory {template!r} gives {workdir!r}, which is not absolute")
    passed(f"Work directory formats: {workdir}")
    known = TRANSPORTS.get(chosen.transport_type)
    if known is None:
        raise InputValidationError(
            f"Unknown transport {chosen.transport_type!r}; provgraph knows {', '.join(sorted(TRANSPORTS))}"
        )
    passed(f"Transport {chosen.transport_type} is known")
    unknown = sorted(set(params) - {param.name for param in known})
    if unknown:
        raise InputValidationError(
            f"Settings {', '.join(unknown)} are not {chosen.transport_type} settings; "
            f"reconfigure with `provgraph computer configure {chosen.transport_type} {chosen.label}`"
        )
    passed("Connection settings are the transport's")
    if chosen.scheduler_type not in KNOWN_SCHEDULERS:
        raise InputValidationError(
            f"Unknown scheduler {chosen.scheduler_type!r}; known: {', '.join(KNOWN_SCHEDULERS)}"
        )
    passed(f"Scheduler {chosen.scheduler_type} is known")
    raise FeatureNotAvailable(
        "The connection tests (open a connection, list jobs, write a file) need a transport, and "
        "provgraph runs no transports; the checks above passed"
    )
