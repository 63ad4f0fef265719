"""Pure helpers shared by several layers (no ORM or storage imports here)."""

__all__: list[str] = []
