"""How monitoring.yaml is read: PyYAML's safe loader with two changes that keep every mistake named.

- Dates stay text. PyYAML turns ``2026-01-01`` into a date itself and an impossible one (``2026-02-30``) into
  a bare ``ValueError`` from inside the parser, with no file, key or line; as text it reaches the validator,
  which names the key: ``date_range.start: expected a date YYYY-MM-DD, got '2026-02-30'`` (and reads a
  date-time such as ``2026-01-05 10:00:00`` as its day, as before).
- A key given twice in one mapping is an error at its line, like a syntax error; PyYAML keeps the last one
  silently, so an edit lower in the file would quietly override the value above it.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.constructor import ConstructorError

TIMESTAMP = "tag:yaml.org,2002:timestamp"
MERGE = "tag:yaml.org,2002:merge"


class MonitoringLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` without the implicit timestamp type and with duplicate keys refused."""


MonitoringLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != TIMESTAMP]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _unique_mapping(loader: MonitoringLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    """The mapping, refusing a key the file writes twice in it. Keys a merge (``<<: *anchor``) brings in may
    be written again: that is how YAML overrides one value of an anchored block."""
    first_line: dict[Any, int] = {}
    for key_node, _ in node.value:
        if key_node.tag == MERGE:
            continue
        key = loader.construct_object(key_node, deep=True)
        try:
            seen = first_line.get(key)
        except TypeError:  # a list or a mapping as a key: refused with its line, as PyYAML does
            raise ConstructorError(
                "while reading a mapping", node.start_mark, "found an unhashable key", key_node.start_mark
            ) from None
        if seen is not None:
            raise ConstructorError(
                "while reading a mapping", node.start_mark,
                f"found key {key!r} again (first given at line {seen + 1})", key_node.start_mark,
            )  # fmt: skip
        first_line[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=True)  # SafeConstructor's: flattens the merges


MonitoringLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)


def load_yaml(text: str) -> Any:
    """``text`` as monitoring.yaml is read; raises ``yaml.YAMLError`` (with its line) on a mistake."""
    return yaml.load(text, Loader=MonitoringLoader)  # noqa: S506 — a SafeLoader subclass
