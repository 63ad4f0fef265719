"""Computers and codes for tests (aiida-core's ``aiida_computer*``, ``aiida_localhost``, ``aiida_code*``)."""

from __future__ import annotations

import os
import pathlib
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from provgraph import orm
from provgraph.exceptions import MultipleObjectsError, NotExistent
from provgraph.plugins import DataFactory

__all__ = [
    "aiida_code",
    "aiida_code_installed",
    "aiida_computer",
    "aiida_computer_local",
    "aiida_computer_ssh",
    "aiida_computer_ssh_async",
    "aiida_localhost",
    "ssh_key",
]


@pytest.fixture(scope="session")
def ssh_key(tmp_path_factory: pytest.TempPathFactory) -> Iterator[pathlib.Path]:
    """The path of a private key file for ``core.ssh`` computers (its content is a placeholder:
    provgraph has no transports, so nothing ever reads it)."""
    dirpath = tmp_path_factory.mktemp("keys")
    private = dirpath / uuid.uuid4().hex
    public = dirpath / f"{private.name}.pub"
    private.write_text("placeholder private key: provgraph opens no ssh connections\n")
    public.write_text("placeholder public key\n")
    try:
        yield private
    finally:
        private.unlink(missing_ok=True)
        public.unlink(missing_ok=True)


@pytest.fixture
def aiida_computer(tmp_path: pathlib.Path) -> Callable[..., orm.Computer]:
    """Factory: the stored ``Computer`` with these fields, made (and stored) if there is none."""

    def factory(  # noqa: PLR0917  (aiida-core's signature)
        label: str | None = None,
        hostname: str = "localhost",
        scheduler_type: str = "core.direct",
        transport_type: str = "core.local",
        minimum_job_poll_interval: int = 0,
        default_mpiprocs_per_machine: int = 1,
        configuration_kwargs: dict[str, Any] | None = None,
    ) -> orm.Computer:
        label = label or f"test-computer-{uuid.uuid4().hex}"
        try:
            computer = orm.Computer.collection.get(
                label=label, hostname=hostname, scheduler_type=scheduler_type, transport_type=transport_type
            )
        except NotExistent:
            computer = orm.Computer(
                label=label,
                hostname=hostname,
                workdir=str(tmp_path),
                transport_type=transport_type,
                scheduler_type=scheduler_type,
            ).store()
            computer.set_minimum_job_poll_interval(minimum_job_poll_interval)
            computer.set_default_mpiprocs_per_machine(default_mpiprocs_per_machine)
        if configuration_kwargs:
            computer.configure(**configuration_kwargs)
        return computer

    return factory


@pytest.fixture
def aiida_computer_local(aiida_computer: Callable[..., orm.Computer]) -> Callable[..., orm.Computer]:
    """Factory ``(label=None, configure=True)``: a ``core.local`` computer on localhost."""

    def factory(label: str | None = None, configure: bool = True) -> orm.Computer:
        computer = aiida_computer(label=label, hostname="localhost", transport_type="core.local")
        if configure:
            computer.configure()
        return computer

    return factory


@pytest.fixture
def aiida_computer_ssh(
    aiida_computer: Callable[..., orm.Computer], ssh_key: pathlib.Path
) -> Callable[..., orm.Computer]:
    """Factory ``(label=None, configure=True)``: a ``core.ssh`` computer on localhost (recorded only)."""

    def factory(label: str | None = None, configure: bool = True) -> orm.Computer:
        computer = aiida_computer(label=label, hostname="localhost", transport_type="core.ssh")
        if configure:
            computer.configure(key_filename=str(ssh_key), key_policy="AutoAddPolicy", safe_interval=1.0)
        return computer

    return factory


@pytest.fixture
def aiida_computer_ssh_async(aiida_computer: Callable[..., orm.Computer]) -> Callable[..., orm.Computer]:
    """Factory ``(label=None, configure=True, backend=None)``: a ``core.ssh_async`` computer (recorded only).

    ``backend`` (aiida's ``asyncssh`` or ``openssh``) is required when configuring, as in aiida-core.
    """

    def factory(label: str | None = None, configure: bool = True, backend: str | None = None) -> orm.Computer:
        if configure and backend is None:
            raise ValueError("configuring a core.ssh_async computer needs `backend` (asyncssh or openssh)")
        computer = aiida_computer(label=label, hostname="localhost", transport_type="core.ssh_async")
        if configure:
            computer.configure(backend=backend)
        return computer

    return factory


@pytest.fixture
def aiida_localhost(aiida_computer_local: Callable[..., orm.Computer]) -> orm.Computer:
    """The configured ``localhost-<xdist worker>`` computer."""
    return aiida_computer_local(label=f"localhost-{os.environ.get('PYTEST_XDIST_WORKER', 'master')}")


@pytest.fixture
def aiida_code() -> Callable[..., Any]:
    """Factory ``(entry_point, label=None, **kwargs)``: the stored code (made if missing)."""

    def factory(entry_point: str, label: str | None = None, **kwargs: Any) -> Any:
        cls = DataFactory(entry_point)
        label = label or f"test-code-{uuid.uuid4().hex}"
        try:
            return orm.QueryBuilder().append(cls, filters={"label": label}).one()[0]
        except (MultipleObjectsError, NotExistent):
            return cls(label=label, **kwargs).store()

    return factory


@pytest.fixture
def aiida_code_installed(aiida_code: Callable[..., Any], aiida_localhost: orm.Computer) -> Callable[..., Any]:
    """Factory ``(label=None, description=..., default_calc_job_plugin=None, computer=aiida_localhost,
    filepath_executable=None, use_double_quotes=False, with_mpi=None, prepend_text='', append_text='')``."""

    def factory(  # noqa: PLR0917  (aiida-core's signature)
        label: str | None = None,
        description: str = "Installed code",
        default_calc_job_plugin: str | None = None,
        computer: orm.Computer = aiida_localhost,
        filepath_executable: str | None = None,
        use_double_quotes: bool = False,
        with_mpi: bool | None = None,
        prepend_text: str = "",
        append_text: str = "",
    ) -> Any:
        return aiida_code(
            "core.code.installed",
            label=label,
            description=description,
            default_calc_job_plugin=default_calc_job_plugin,
            computer=computer,
            filepath_executable=filepath_executable or "/bin/true",
            use_double_quotes=use_double_quotes,
            with_mpi=with_mpi,
            prepend_text=prepend_text,
            append_text=append_text,
        )

    return factory
