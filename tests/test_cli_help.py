"""`tiktok-assets --help` and every command's help read as plain text: every flag and argument explained, no
reST markup (double backquotes, `code` spans, ``:role:`` references) leaking from docstrings."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator

import pytest

from tiktok_assets.cli import build_parser

MARKUP = re.compile(r"``|`[^`\s][^`]*`|:(?:func|class|mod|meth|attr|ref):")


def commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from commands(sub, (*path, name))


ALL = list(commands(build_parser()))


def test_every_command_is_reached() -> None:
    names = {" ".join(path) for path, _ in ALL}
    assert {"", "demo", "ui", "fetch", "plan", "dbt-sources", "sandbox", "sandbox serve"} <= names


@pytest.mark.parametrize(("path", "parser"), ALL, ids=[" ".join(p) or "tiktok-assets" for p, _ in ALL])
def test_every_flag_has_help_and_no_text_has_rest_markup(
    path: tuple[str, ...], parser: argparse.ArgumentParser
) -> None:
    assert parser.description, f"{' '.join(path)}: no description"
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                assert choice.help, f"{' '.join(path)} {choice.dest}: no help"
            continue
        assert action.help, f"{' '.join(path)}: {action.option_strings or action.dest} has no help"
    text = parser.format_help()
    assert not MARKUP.search(text), f"{' '.join(path)}: reST markup in help: {MARKUP.search(text).group(0)!r}"
