"""``provgraph user``: the users of a profile's storage (verdi's ``user list|configure|set-default``).

    provgraph user configure --email ada@example.org --first-name Ada --last-name Lovelace \\
        --institution "Analytical Engines" --set-default
    provgraph user list --format tsv
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from provgraph.cli.context import ProvgraphContext, ProvgraphGroup, pass_provgraph
from provgraph.cli.listing import OutputStyle, emit_rows, format_option, note
from provgraph.cli.prompts import is_interactive, required_value

if TYPE_CHECKING:
    from provgraph.orm.users import User
    from provgraph.storage.abstract import StorageBackend

__all__ = ["user"]


@click.group(cls=ProvgraphGroup)
def user() -> None:
    """Inspect and manage the users who own the nodes, groups and comments of a profile.

    Example: provgraph user configure --email ada@example.org --first-name Ada --set-default
    """


@user.command("list")
@format_option
@pass_provgraph
def list_users(ctx: ProvgraphContext, style: OutputStyle) -> None:
    """List the users by email; the profile's default user is marked with `*`.

    Example: provgraph user list --json
    """
    from provgraph.orm.users import User

    storage = ctx.get_storage()
    default_email = storage.profile.default_user_email
    columns = ("default", "email", "first_name", "last_name", "institution")
    rows = (
        (
            (item.email == default_email)
            if style.structured
            else ("*" if item.email == default_email else ""),
            item.email,
            item.first_name,
            item.last_name,
            item.institution,
        )
        for item in User.collection(storage).find(order_by=["email"])
    )
    emit_rows(columns, rows, style)
    note(f"The default user of profile {storage.profile.name!r} is marked with *.", style)


@user.command("configure")
@click.option("--email", help="Email address: the user's name, also how data they create is credited.")
@click.option("--first-name", help="First name of the user.")
@click.option("--last-name", help="Last name of the user.")
@click.option("--institution", help="Institution of the user.")
@click.option(
    "--set-default/--no-set-default",
    default=None,
    help="Make the user the profile's default user (asked on a terminal when not given).",
)
@click.option("-n", "--non-interactive", is_flag=True, help="Never prompt; fail if the email is missing.")
@pass_provgraph
def configure(
    ctx: ProvgraphContext,
    *,
    email: str | None,
    first_name: str | None,
    last_name: str | None,
    institution: str | None,
    set_default: bool | None,
    non_interactive: bool,
) -> None:
    """Create a user or change an existing one; the email identifies the user.

    Names not given keep their current value (empty for a new user); on a terminal, without -n,
    they are asked for.

    Example: provgraph user configure --email ada@example.org --first-name Ada --last-name Lovelace
    """
    from provgraph.orm.users import User

    storage = ctx.get_storage()
    email = required_value(email, "--email", "User email", non_interactive)
    created, chosen = User.collection(storage).get_or_create(email)
    prompt = is_interactive(non_interactive)
    for field, given, label in (
        ("first_name", first_name, "First name"),
        ("last_name", last_name, "Last name"),
        ("institution", institution, "Institution"),
    ):
        value = given
        if value is None and prompt:
            value = click.prompt(label, default=getattr(chosen, field) or None, type=str)
        if value is not None:
            _check_non_empty(value, "--" + field.replace("_", "-"))
            setattr(chosen, field, value.strip())
    if created:
        chosen.store()
    click.echo(f"{'Created' if created else 'Updated'} user {chosen.email}.")
    if set_default is None and prompt and not chosen.is_default:
        set_default = click.confirm("Make it the default user?", default=False)
    if set_default:
        _set_default(storage, chosen)


def _check_non_empty(value: str, option: str) -> None:
    if not value.strip():
        raise click.BadParameter("give a non-empty value", param_hint=f"'{option}'")


@user.command("set-default")
@click.argument("email", metavar="USER")
@pass_provgraph
def set_default(ctx: ProvgraphContext, email: str) -> None:
    """Make USER (an email) the default user of the profile: new nodes and groups belong to it.

    Example: provgraph user set-default ada@example.org
    """
    from provgraph.exceptions import NotExistent
    from provgraph.orm.users import User

    storage = ctx.get_storage()
    try:
        chosen = User.collection(storage).get(email=User.normalize_email(email))
    except NotExistent:
        raise NotExistent(
            f"No user with email {email!r}; create one with `provgraph user configure --email {email}`"
        ) from None
    _set_default(storage, chosen)


def _set_default(storage: StorageBackend, chosen: User) -> None:
    """Write the profile's ``default_user_email`` to config.json (under its lock)."""
    from provgraph.config import Config, Profile
    from provgraph.orm.users import User

    name = storage.profile.name
    with Config.modify() as config:
        stored = config.get_profile(name)
        config.update_profile(Profile(name, {**stored.to_dict(), "default_user_email": chosen.email}))
    User.collection(storage).reset_default()
    click.echo(f"{chosen.email} is now the default user of profile {name!r}.")
