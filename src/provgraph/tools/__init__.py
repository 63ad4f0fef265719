"""Tools that work on a whole profile: archives (and, to come, traversal rules, deletion, export).

The tools layer sits between the CLI and the provenance layer: it may use the ORM and the storage
interface, and the CLI commands are thin wrappers around its functions.
"""
