"""Parse YAML while remembering the line of every value, so problems can name their line."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from traseu.process.errors import DocumentProblem


@dataclass
class SourceMap:
    """Line numbers by document path (``stages[1].exit[0].field``)."""

    lines: dict[str, int] = field(default_factory=dict)

    def line_of(self, path: str) -> int:
        """The line of ``path``, or of its nearest ancestor that has one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return self.lines.get("", 0)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


# A document expands to at most this many values. Aliases let a few lines stand for billions of
# values (the "billion laughs"); counting while building stops that before it costs anything.
MAX_VALUES = 200_000


class _TooLarge(Exception):
    pass


class _Builder:
    def __init__(self) -> None:
        self.source_map = SourceMap()
        self.problems: list[DocumentProblem] = []
        self._constructor = yaml.SafeLoader("")
        self._values = 0

    def build(self, node: yaml.Node, path: str) -> Any:
        self._values += 1
        if self._values > MAX_VALUES:
            raise _TooLarge
        self.source_map.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key = str(self._constructor.construct_object(key_node, deep=True))
                child = _join(path, key)
                if key in result:
                    self.problems.append(
                        DocumentProblem(
                            "duplicate_key",
                            child,
                            f"'{key}' appears twice in the same mapping",
                            key_node.start_mark.line + 1,
                        )
                    )
                self.source_map.lines[child] = key_node.start_mark.line + 1
                result[key] = self.build(value_node, child)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, f"{path}[{i}]") for i, item in enumerate(node.value)]
        return self._constructor.construct_object(node, deep=True)


def parse(text: str) -> tuple[Any, SourceMap, list[DocumentProblem]]:
    """Parse one YAML document: its value, the line map, and problems (syntax, duplicates)."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        problem = getattr(error, "problem", None) or str(error)
        return (
            None,
            SourceMap(),
            [DocumentProblem("yaml_syntax", "", f"invalid YAML: {problem}", line)],
        )
    if node is None:
        return None, SourceMap(), []
    builder = _Builder()
    try:
        value = builder.build(node, "")
    except _TooLarge:
        problem = DocumentProblem(
            "document_too_large",
            "",
            f"the document expands to more than {MAX_VALUES:,} values (nested aliases?)",
        )
        return None, SourceMap(), [problem]
    return value, builder.source_map, builder.problems
