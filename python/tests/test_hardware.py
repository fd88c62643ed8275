# ===- test_hardware.py - tessera.hardware, presets ---------------------------===#
import json

import pytest

import tessera


def test_presets_load_as_dicts():
    assert tessera.presets() == ["edge", "mid", "large"]
    edge = tessera.hardware()
    assert edge["name"] == "edge"
    assert (edge["array"]["rows"], edge["array"]["cols"]) == (16, 16)
    assert edge["array"]["precisions"] == ["int8"]
    assert isinstance(edge["energy_pj"]["source"], str)
    assert tessera.hardware("large")["array"]["rows"] > 16


def test_settings_apply_with_dots_or_double_underscores():
    wide = tessera.hardware("edge", **{"array.cols": 32, "dram.bytes_per_cycle": 8})
    assert wide["array"]["cols"] == 32 and wide["dram"]["bytes_per_cycle"] == 8
    assert tessera.hardware("edge", array__cols=32, dram__bytes_per_cycle=8) == wide
    # The area table follows the geometry (it was the preset's default).
    assert wide["area_mm2"]["array"] > tessera.hardware("edge")["area_mm2"]["array"]


def test_hardware_files_round_trip(tmp_path):
    tiny = tessera.hardware("edge", name="tiny", array__rows=8)
    path = tmp_path / "hw.yaml"
    path.write_text(json.dumps(tiny))  # JSON is YAML
    assert tessera.hardware(path) == tiny


@pytest.mark.parametrize("spec, settings, message", [
    ("edge", {"array.bogus": 1}, "unknown hardware key 'array.bogus' (keys: name, clock_mhz"),
    ("edge", {"array.rows": 0}, "edge with --set array.rows=0: array.rows must be in [1, 256]"),
    ("nowhere.yaml", {}, "cannot open hardware description 'nowhere.yaml'"),
    ("partial.yaml", {}, "partial.yaml:1:1: error: missing required key 'clock_mhz'"),
])
def test_hardware_errors(spec, settings, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "partial.yaml").write_text("name: tiny\narray: {rows: 8, cols: 8}\n")
    with pytest.raises(tessera.Error) as caught:
        tessera.hardware(spec, **settings)
    assert message in str(caught.value)
