import dataclasses

import pytest

from pipelines.config import LIST_ITEMS, ConfigError, Settings, load_settings


def all_settings(cls, prefix=""):
    for f in dataclasses.fields(cls):
        yield f"{prefix}{f.name}", f
        default = getattr(cls(), f.name)
        if dataclasses.is_dataclass(default):
            yield from all_settings(type(default), f"{prefix}{f.name}.")
        if f.name in LIST_ITEMS:
            yield from all_settings(LIST_ITEMS[f.name], f"{prefix}{f.name}[].")


def test_every_setting_has_a_description():
    undocumented = [name for name, f in all_settings(Settings) if len(f.metadata.get("help", "")) < 10]
    assert undocumented == []


def test_shipped_config_file_loads_with_the_cambridgeshire_districts():
    settings = load_settings()
    assert settings.council.code == "E10000003"
    assert [loc.name for loc in settings.localities] == [
        "Cambridge",
        "East Cambridgeshire",
        "Fenland",
        "Huntingdonshire",
        "South Cambridgeshire",
    ]
    assert [loc.code for loc in settings.localities if loc.rural] == ["E07000009", "E07000010", "E07000012"]
    assert settings.targets.dp_uptake_pct == 25.0 and settings.targets.dp_uptake_by == "2024/25 Q4"


def test_unknown_setting_is_refused_by_name(tmp_path):
    path = tmp_path / "asc.toml"
    path.write_text("[targets]\ndp_uptake_pc = 30\n")
    with pytest.raises(ConfigError, match="unknown setting.*dp_uptake_pc"):
        load_settings(path)


def test_wrong_type_is_refused(tmp_path):
    path = tmp_path / "asc.toml"
    path.write_text('suppression_threshold = "five"\n')
    with pytest.raises(ConfigError, match="suppression_threshold should be int"):
        load_settings(path)


def test_relative_paths_are_taken_from_the_project_root_and_home_is_expanded():
    settings = Settings()
    assert settings.path("warehouse").is_absolute()
    assert "~" not in str(settings.path("pseudonymisation_key"))
