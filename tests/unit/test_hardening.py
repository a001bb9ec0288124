"""Hardening rules that need no dashboard: user text never becomes markup, no server path on a page,
owner-only files, and `asc serve` on this machine only unless told otherwise."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from dashboard.shell.components import WORD_JOINER, plain
from dashboard.shell.errors import for_page
from pipelines.cli import main, parser
from pipelines.config import load_settings
from pipelines.permissions import loose, tighten_all
from tests.conftest import write_test_config

MARKDOWN = MarkdownIt("commonmark", {"linkify": False}).enable("table").enable("strikethrough")
EVIL = [
    "[Log in here](https://evil.example/login)",
    "![tracker](https://evil.example/pixel.png)",
    "<img src=https://evil.example/x.png>",
    "<script>alert(1)</script>",
    "# Heading | table | row",
    "**bold** _it_ `code` ~~gone~~ $x^2$",
    "<https://evil.example/login>",
]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("text", EVIL)
def test_user_text_renders_as_the_same_text_never_as_markup(text):
    html = MARKDOWN.render(plain(text))
    for tag in ("<a ", "<img", "<script", "<h1", "<strong", "<em", "<code", "<table", "<s>"):
        assert tag not in html
    shown = html.removeprefix("<p>").removesuffix("</p>\n").replace(WORD_JOINER, "")
    assert shown.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").replace("&quot;", '"') == text


@pytest.mark.parametrize(
    "address", ["www.evil.example/login", "https://evil.example/login", "mailto:x@evil.example", "someone@evil.example"]
)
def test_bare_addresses_are_broken_so_markdown_cannot_make_them_links(address):
    shown = plain(f"Provider at {address}")
    assert WORD_JOINER in shown
    assert "www." not in shown.replace("www." + WORD_JOINER, "") and "://" not in shown
    assert shown.replace(WORD_JOINER, "") == f"Provider at {address}"


def test_numbers_sentences_and_file_names_are_left_as_they_were():
    text = "Up 2.0 points, worse. 25.0% by 2024/25 Q4: on track; new extract.csv"
    assert plain(text) == text


def test_server_paths_are_cut_to_the_file_name():
    message = (
        "permission denied: /srv/asc/data/ingest.duckdb (the detail is in /tmp/asc-commissioning-1/asc-errors.log)"
    )
    assert for_page(message) == "permission denied: ingest.duckdb (the detail is in asc-errors.log)"
    assert for_page("2024/25 Q1 and/or docs/model_cards/scenarios.md") == (
        "2024/25 Q1 and/or docs/model_cards/scenarios.md"
    )


def test_serve_listens_on_this_machine_unless_told_otherwise():
    assert parser().parse_args(["serve"]).address == "127.0.0.1"
    assert parser().parse_args(["serve", "--address", "0.0.0.0"]).address == "0.0.0.0"


def test_loose_files_and_folders_are_made_owner_only_at_start_up(tmp_path):
    settings = load_settings(write_test_config(tmp_path))
    archive = settings.path("archive")
    (archive / "ab").mkdir(parents=True)
    raw = archive / "ab" / "abcdef.csv"
    raw.write_text("nhs_number\n9434765919\n")
    key = settings.path("pseudonymisation_key")
    key.parent.mkdir()
    key.write_text("00" * 32)
    store = settings.path("ingest_store")
    store.write_bytes(b"")
    for path, loose_mode in (
        (archive, 0o755),
        (archive / "ab", 0o755),
        (raw, 0o644),
        (key, 0o644),
        (key.parent, 0o755),
        (store, 0o664),
    ):
        path.chmod(loose_mode)
    assert raw not in loose(settings) and archive in loose(settings) and key in loose(settings)

    changed = {c.path for c in tighten_all(settings)}

    assert {archive, archive / "ab", raw, key, key.parent, store} <= changed
    assert (mode(archive), mode(archive / "ab"), mode(key.parent)) == (0o700, 0o700, 0o700)
    assert (mode(raw), mode(key), mode(store)) == (0o600, 0o600, 0o600)
    assert loose(settings) == []
    assert tighten_all(settings) == []  # nothing left to change


def test_asc_ingest_writes_archive_and_store_owner_only_whatever_the_umask(tmp_path):
    import os

    config = write_test_config(tmp_path)
    settings = load_settings(config)
    previous = os.umask(0o022)
    try:
        inbox = tmp_path / "pa.csv"
        inbox.write_text("pa_id,locality_code,registered_date,on_payroll\nPA1,E07000008,2024-01-01,true\n")
        assert main(["--config", str(config), "ingest", str(inbox)]) == 0
    finally:
        os.umask(previous)
    archived = [p for p in settings.path("archive").rglob("*") if p.is_file()]
    assert archived
    for path in archived:
        assert mode(path) == 0o600, path
    for folder in [settings.path("archive"), *(p for p in settings.path("archive").rglob("*") if p.is_dir())]:
        assert mode(folder) == 0o700, folder
    assert mode(settings.path("ingest_store")) == 0o600
