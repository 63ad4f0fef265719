"""``provgraph user``: the users of a profile's storage."""

from __future__ import annotations

import click

from provgraph.cli.context import ProvgraphContext, ProvgraphGroup, pass_provgraph

__all__ = ["user"]


@click.group(cls=ProvgraphGroup)
def user() -> None:
    """Inspect the users who own the nodes, groups and comments of a profile."""


@user.command("list")
@pass_provgraph
def list_users(ctx: ProvgraphContext) -> None:
    """List the users; the profile's default user is marked with `*`."""
    from provgraph.cli.output import make_table, print_rich
    from provgraph.orm.users import User

    storage = ctx.get_storage()
    default_email = storage.profile.default_user_email
    table = make_table("", "email", "first name", "last name", "institution")
    for item in User.collection(storage).find(order_by=["email"]):
        marker = "*" if item.email == default_email else ""
        table.add_row(marker, item.email, item.first_name, item.last_name, item.institution)
    print_rich(table)
