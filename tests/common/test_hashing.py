"""``make_hash`` gives aiida-core 2.9.4's hashes, value for value.

The expected hex strings were computed by ``aiida.common.hashing.make_hash`` of aiida-core 2.9.4
on the same values; a change of any of them means nodes hashed by provgraph no longer match
AiiDA's (and vice versa).
"""

from __future__ import annotations

import hashlib
import io
import uuid
from collections import OrderedDict
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from provgraph.common.hashing import HashingError, LocalFolder, float_to_text, make_hash, sha256_of_stream
from provgraph.exceptions import InputValidationError

AIIDA_HASHES: dict[str, tuple[Any, str]] = {
    "str": ("hello", "b373485515415cad83d638d66553b6f7ef0af9b6eacfb33541997bb96e1132c7"),
    "str_empty": ("", "b35a8c62439a9235279053883104224c41e2edb0db80dfd99514b0731f41b984"),
    "str_unicode": ("Zürich ✓", "4d8e6fde341f31ebce0547caa04d45f83c3378b8440d580c6599b3f08660769b"),
    "bytes": (b"hello", "b373485515415cad83d638d66553b6f7ef0af9b6eacfb33541997bb96e1132c7"),
    "bytes_bin": (b"\x00\xff", "50bbc081b88e496130acdfe63b23d310f9316deba1ab17b2b3d03e6ab6439f7a"),
    "int0": (0, "52dc42aa1ff06d0f1fe76a8dbfca9ae3591d20e300fcb950da7fdf6e02d5745d"),
    "int": (42, "9468692328de958d7a8039e8a2eb05cd6888b7911bbc3794d0dfebd8df3482cd"),
    "int_neg": (-7, "13f5ec04af3298a1273a7d42355ff4dcdc4eea8f065df413d0e8960efd1de93e"),
    "int_big": (2**80, "c437acd521534390905f95c07eca5e243f0063e085215ef1199e1da45dc01ceb"),
    "bool_t": (True, "31ad5fa163a0c478d966c7f7568f3248f0c58d294372b2e8f7cb0560d8c8b12f"),
    "bool_f": (False, "deef768d52d994f0822c0779befe75f0ed5ac8b534d28f0bb20d46346734fa67"),
    "none": (None, "1729486cc7e56a6383542b1ec73125ccb26093651a5da05e04657ac416a74b8f"),
    "float": (1.5, "2007688b53e398453e1ce1b504b4cf10fbbad9a8d76422fc1acc89cccbc940ad"),
    "float_third": (1 / 3, "89434280552ffdb583a62e4851d6dd60c1e21ba07a76b56cf0e770860abbac05"),
    "float_sum": (0.1 + 0.2, "0848088e82889e9531a72f9423f705eae66187444d5d6ce362b318a6a6ad79e9"),
    "float_03": (0.3, "0848088e82889e9531a72f9423f705eae66187444d5d6ce362b318a6a6ad79e9"),
    "float_negzero": (-0.0, "20a995d105ee978f320718c436d64a725454f61a3684b4751b34756e04d58365"),
    "float_zero": (0.0, "20a995d105ee978f320718c436d64a725454f61a3684b4751b34756e04d58365"),
    "float_big": (1e16, "7b577777fcb7344eb9e203743c9cddaa9abd0e94ab0923b6b2ef6a3348b37a53"),
    "float_small": (1.234e-30, "e4fdf29dcc8bcd435344b47e5a4b8dfb13fd7e0ab3060a4413bed9bd38788c85"),
    "float_int": (2.0, "bec88588cece2cc6b58ef33c327ab5dbfab0f784b7f85864a6d62dd28c835595"),
    "float_inf": (float("inf"), "455c2759e351f300d90918bff7cd7ed38e5513aa03927c0ab98afef7082f9cc2"),
    "complex": (1 + 2j, "287c6bb18d4fb00fd5f3a6fb6931a85cd8ae4b1f43be4707a76964fbc322872e"),
    "decimal_frac": (Decimal("1.50"), "daf0038c51fec5b010f1c49cbfc41a6381a288721e2af976df11a641ebfb87aa"),
    "decimal_int": (Decimal("100"), "4fefeaef41bf9abbf641232bf23455910c739cd40a1507bdef88af5b66cb9b20"),
    "decimal_exp": (Decimal("1E+2"), "46490fdd17f3fd6efc147d39cfd251b9915932ca1747fe81e6cf8ec3d65fa2c9"),
    "decimal_nan": (Decimal("NaN"), "e6fd76e7564dbce485e8ba68627a19bfc4819be495c6a74ad6f2fff63c944ded"),
    "decimal_zero": (Decimal("0.00"), "20a995d105ee978f320718c436d64a725454f61a3684b4751b34756e04d58365"),
    "list": ([1, "a", None, 2.5], "4f6de36d3f5085de53683de87a7734ec389dd6e80b7092b9d861bbebb3f0ef32"),
    "tuple": ((1, "a", None, 2.5), "4f6de36d3f5085de53683de87a7734ec389dd6e80b7092b9d861bbebb3f0ef32"),
    "list_empty": ([], "f2ce9493ade032d30426dde7a1ece1a48adfb0e7babaf3b7cdca7a1402129d1a"),
    "nested": (
        {"a": [1, {"b": (2, 3)}], "c": {}},
        "3118bcbae7ca0ba3c63792e69b3329577556601da7e36a1871c49ff701d27660",
    ),
    "dict": ({"b": 1, "a": 2}, "016368a8223b04f533191286bf0a59262db10bcd53a1f80549feb63f9b7f5252"),
    "dict_rev": ({"a": 2, "b": 1}, "016368a8223b04f533191286bf0a59262db10bcd53a1f80549feb63f9b7f5252"),
    "dict_intkeys": (
        {1: "x", "a": "y", 2.5: None},
        "aac229ee834a26a8a24534aca554307d16195949821bdbea2e04248b5d92780c",
    ),
    "set": ({3, 1, 2}, "a11cff8e62b57e1aefb7de908bd50096816b66796eb7e11ad78edeaf2629f89c"),
    "frozenset": (frozenset({"x", "y"}), "3c5909baf51ffb2123bd994913e62600a127414f53aac0a675c6371612551706"),
    "set_empty": (set(), "833d79eb7e5b4674bc45616c3859547c24e16e857f47755b0737a25041b2347d"),
    "odict": (
        OrderedDict([("b", 1), ("a", 2)]),
        "c92879f299724eefb1eeb787a542a183340423d3ebb69b8c22a52b844f1ab9ec",
    ),
    "odict_nested": (
        OrderedDict([("b", OrderedDict([("y", 1), ("x", 2)])), ("a", 2)]),
        "e3355580ff6ebb60fea0aa38031e9d13b23675b5626e11e53869400b320f3a0a",
    ),
    "datetime_naive": (
        datetime(2024, 5, 6, 7, 8, 9, 123456),
        "818468eec0253bcfe42aa6966a41e8b94e7f4475b4fa963d7353bdb49613a901",
    ),
    "datetime_utc": (
        datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=timezone.utc),
        "818468eec0253bcfe42aa6966a41e8b94e7f4475b4fa963d7353bdb49613a901",
    ),
    "datetime_tz": (
        datetime(2024, 5, 6, 9, 8, 9, 123456, tzinfo=timezone(timedelta(hours=2))),
        "818468eec0253bcfe42aa6966a41e8b94e7f4475b4fa963d7353bdb49613a901",
    ),
    "date": (date(2024, 5, 6), "603e0e2ec7deb5302207669df06eca366ac0f60d84ef296e43ae6c91dbe12c5d"),
    "uuid": (
        uuid.UUID("3f73d913-75de-419d-a79c-41ad767f4b54"),
        "bff3a0f39194639e1cfc0faa0bc62c29c315bd7cc3903febb2c9ee3b3d2100e5",
    ),
    "bytearray": (bytearray(b"ab"), "a8b1bcd26feb03d38f9b51992d4e41632cb2217ea12070cdc5416abe0aac0f3d"),
    "range": (range(3), "a61c6fbdb04a3a056c67f74adbce7780d41c77d7a9bfd4f7151da2ab01f61e03"),
    "big_mixed": (
        {
            "values": [1, 2.5, "three", None, True],
            "level1": {"level2": {"x": [[], {}]}},
            "unicode": "Z\u00fcrich \u2713",
        },
        "aee1c80f470211288dcd9d44ea7957365e5cdde25d1b558deb01a6070e934f1e",
    ),
}

NUMPY_HASHES: dict[str, tuple[str, Any, str]] = {
    "np_float64": ("float64", 1.5, "2007688b53e398453e1ce1b504b4cf10fbbad9a8d76422fc1acc89cccbc940ad"),
    "np_float32": ("float32", 0.1, "edd512242e5618b42f9271100b24e0e8a524da5876800aa8b9b448edeb42342b"),
    "np_int64": ("int64", -3, "a891418a51b95bb5771f9bf9f19632f84bc1dd762721eb57f226716ce222739c"),
    "np_int8": ("int8", 5, "86f081f61575c30f846aae9b54d19de82052054ef5a5c4e60b12d3e6b96c7342"),
    "np_str": ("str_", "hi", "c1f748a9f59ddd079316a7ef195c741db94c282853e525ca53248e2e20e2c484"),
    "np_complex": ("complex128", 1 - 1j, "6f7176aeae66d521cbcfd72eb55dd0cd358575fc1cdcbca104f04adc1f442de7"),
}


@pytest.mark.parametrize("name", sorted(AIIDA_HASHES))
def test_hash_equals_aiida(name: str) -> None:
    value, expected = AIIDA_HASHES[name]
    assert make_hash(value) == expected


@pytest.mark.parametrize("name", sorted(NUMPY_HASHES))
def test_numpy_scalars_hash_as_aiida(name: str) -> None:
    numpy = pytest.importorskip("numpy")
    dtype, value, expected = NUMPY_HASHES[name]
    assert make_hash(getattr(numpy, dtype)(value)) == expected


def test_odict_as_unordered_hashes_nested_values_with_defaults() -> None:
    value = AIIDA_HASHES["odict_nested"][0]
    assert make_hash(value, odict_as_unordered=True) == (
        "91464dd9ade884baff945e204e3f3817b60f8609f6b626fcf146cf17aaefa43c"
    )


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The tree aiida hashed for the expected folder hashes (its own name does not matter)."""
    root = tmp_path / "any-name"
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "empty").mkdir()
    (root / "a.txt").write_bytes(b"hello")
    (root / "sub" / "b.bin").write_bytes(b"\x00\x01bin")
    (root / "sub" / "deeper" / "c.txt").write_bytes(b"deep")
    (root / "skip.me").write_bytes(b"skip")
    return root


def test_local_folder_hashes_as_aiida_folder(folder: Path) -> None:
    assert (
        make_hash(LocalFolder(folder)) == "ae3acd688532a1d9537977afcdd32c294de42cad9e88723d3562cbe26fe62648"
    )
    ignored = make_hash(LocalFolder(folder), ignored_folder_content=["skip.me", "c.txt"])
    assert ignored == "05bc787d5a7b80436dc007a8d831f575686406e0fee2eac0b3b345bcad4855a4"
    nested = make_hash({"f": LocalFolder(folder), "x": 1})
    assert nested == "81713ed1d8013a407f5b025b8fbcc6c3b94567972c67e1fee8ffe9894de073a6"


def test_local_folder_content_changes_the_hash(folder: Path) -> None:
    before = make_hash(LocalFolder(folder))
    (folder / "sub" / "b.bin").write_bytes(b"changed")
    assert make_hash(LocalFolder(folder)) != before


def test_missing_folder_is_a_hashing_error(tmp_path: Path) -> None:
    with pytest.raises(HashingError, match="cannot list folder"):
        make_hash(LocalFolder(tmp_path / "absent"))


@pytest.mark.parametrize(
    "value",
    [object(), Path("/tmp"), "\ud800", Decimal, pytest.param("numpy-array", id="numpy-array")],
)
def test_values_without_a_hash_raise(value: Any) -> None:
    if value == "numpy-array":
        value = pytest.importorskip("numpy").array([1, 2])
    with pytest.raises(HashingError) as info:
        make_hash({"nested": [value]})
    assert isinstance(info.value, InputValidationError)


def test_float_to_text() -> None:
    assert float_to_text(-0.0) == "0"
    assert float_to_text(0.1 + 0.2) == "0.3"
    assert float_to_text(1 / 3) == "0.33333333333333"
    assert float_to_text(1e16) == "1e+16"
    assert float_to_text(12.5, sig=2) == "12"


def test_sha256_of_stream_reads_in_chunks() -> None:
    content = bytes(range(256)) * 10_000  # more than one chunk
    assert sha256_of_stream(io.BytesIO(content)) == hashlib.sha256(content).hexdigest()


# -- properties ---------------------------------------------------------------------------------

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=20,
)


@given(st.dictionaries(st.text(max_size=8), json_values, max_size=6))
def test_dict_order_does_not_matter(value: dict[str, Any]) -> None:
    reordered = dict(reversed(list(value.items())))
    assert make_hash(value) == make_hash(reordered)


@given(st.lists(json_values, max_size=6))
def test_tuple_hashes_like_list(value: list[Any]) -> None:
    assert make_hash(value) == make_hash(tuple(value))


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=1e-300, max_value=1e300))
def test_floats_equal_to_14_digits_hash_alike(value: float) -> None:
    rounded = float(f"{value:.14g}")
    assert make_hash(value) == make_hash(rounded)


@given(st.integers(), st.text())
def test_types_are_part_of_the_hash(number: int, text: str) -> None:
    assert make_hash(number) != make_hash(float(number) + 0.5)
    assert make_hash(number) != make_hash(str(number))
    assert make_hash([text]) != make_hash({text: None})


def test_integral_float_and_int_differ() -> None:
    assert make_hash(1) != make_hash(1.0)
    assert make_hash(True) != make_hash(1)
    assert make_hash([1, 2]) != make_hash([2, 1])
    assert make_hash({1, 2}) == make_hash({2, 1})
