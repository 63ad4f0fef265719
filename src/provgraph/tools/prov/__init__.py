"""Exports of the provenance graph to community formats: W3C PROV and RO-Crate."""

__all__: list[str] = []
