"""The ``provgraph`` command line: a thin layer that parses, calls the library, reports."""
