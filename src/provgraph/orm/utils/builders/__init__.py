"""aiida-core's ``aiida.orm.utils.builders`` path: builders of entities from a flat specification."""
