"""aiida-core's ``aiida.orm.utils`` package: helpers about nodes, links and loading, by its module paths."""
