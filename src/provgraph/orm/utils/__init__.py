"""Helpers of the ORM at aiida-core's ``aiida.orm.utils`` module paths."""
