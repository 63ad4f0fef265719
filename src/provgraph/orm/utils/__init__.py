"""aiida-core's ``aiida.orm.utils`` module paths."""
