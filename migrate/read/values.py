"""Node trees to plain values, without PyYAML's constructor surprises.

- Merge keys (`<<: *anchor`) are merged here: the node tree is never flattened in place,
  since rewrite splices text at its positions.
- A key given twice in one mapping is an error (PyYAML keeps the last, a splice would edit
  the first).
- A scalar PyYAML cannot build (an integer over 4,300 digits, a date in month 13) is an
  error at that scalar's line.
- Aliases are capped: a few hundred bytes of nested aliases expand to billions of nodes.
"""

from __future__ import annotations

from collections.abc import Container, Iterator
from typing import Any

import yaml

STR_TAG = "tag:yaml.org,2002:str"
MERGE_TAG = "tag:yaml.org,2002:merge"
MAX_ALIASES = 1_000  # alias uses in one document; real manifests have a handful
MAX_EXPANSION = 100_000  # nodes that aliases may add to a document once expanded


class BadValue(yaml.MarkedYAMLError):
    """A document whose values cannot be built; carries the mark of the culprit."""

    def __init__(self, problem: str, mark: yaml.Mark | None) -> None:
        super().__init__(problem=problem, problem_mark=mark)


class DuplicateKey(BadValue):
    pass


def check_aliases(node: yaml.Node) -> None:
    """Refuse alias cycles, more than MAX_ALIASES alias uses, or an expansion past
    MAX_EXPANSION nodes. Visits each distinct node once."""
    size: dict[int, int] = {}
    on_path: set[int] = set()
    uses = 0
    stack: list[tuple[yaml.Node, bool]] = [(node, False)]
    while stack:
        current, finished = stack.pop()
        key = id(current)
        if finished:
            on_path.discard(key)
            size[key] = 1 + sum(size[id(c)] for c in _children(current))
            if size[key] - len(size) > MAX_EXPANSION:
                raise BadValue(
                    f"aliases expand this document past {MAX_EXPANSION:,} nodes "
                    "(an alias bomb?): not read",
                    current.start_mark,
                )
            continue
        if key in size:
            uses += 1
            if uses > MAX_ALIASES:
                raise BadValue(
                    f"more than {MAX_ALIASES:,} aliases in one document: not read",
                    current.start_mark,
                )
            continue
        if key in on_path:
            raise BadValue("an alias refers to a node that contains it", current.start_mark)
        on_path.add(key)
        stack.append((current, True))
        stack.extend((c, False) for c in _children(current))


def _children(node: yaml.Node) -> Iterator[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        yield from node.value
    elif isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            yield k
            yield v


def build(node: yaml.Node, pruned: Container[str] = ()) -> Any:
    """The value of NODE, leaving out mapping keys in PRUNED (at any depth)."""
    return _Builder(pruned).value(node)


class _Builder:
    def __init__(self, pruned: Container[str]) -> None:
        self.pruned = pruned
        self.constructor = yaml.constructor.SafeConstructor()

    def value(self, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        if isinstance(node, yaml.SequenceNode):
            return [self.value(item) for item in node.value]
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node)
        raise BadValue(f"an unknown node {type(node).__name__}", node.start_mark)

    def scalar(self, node: yaml.ScalarNode) -> Any:
        if node.tag == STR_TAG:
            return node.value
        try:
            return self.constructor.construct_object(node)
        except yaml.constructor.ConstructorError as e:
            raise BadValue(str(e.problem), node.start_mark) from None
        except (ValueError, OverflowError) as e:
            raise BadValue(_scalar_problem(node, e), node.start_mark) from None

    def mapping(self, node: yaml.MappingNode) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        merged: dict[Any, Any] = {}
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            if key_node.tag == MERGE_TAG:
                merged = {**self.merge(value_node), **merged}
                continue
            key = self.value(key_node)
            try:
                hash(key)
            except TypeError:
                raise BadValue("found unhashable key", key_node.start_mark) from None
            if key in seen:
                raise DuplicateKey(
                    f"{str(key)[:80]!r} is given twice in one mapping (the planner would "
                    "read one, a rewrite edit the other): keep one",
                    key_node.start_mark,
                )
            seen.add(key)
            if not (isinstance(key, str) and key in self.pruned):
                out[key] = self.value(value_node)
        return {**{k: v for k, v in merged.items() if k not in seen}, **out}

    def merge(self, node: yaml.Node) -> dict[Any, Any]:
        """`<<: *a` or `<<: [*a, *b]`: earlier mappings win, as YAML's merge key says."""
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        out: dict[Any, Any] = {}
        for source in reversed(sources):
            if not isinstance(source, yaml.MappingNode):
                raise BadValue(
                    "a merge key (<<) needs a mapping or a list of them", source.start_mark
                )
            out.update(self.mapping(source))
        return out


def _scalar_problem(node: yaml.ScalarNode, error: Exception) -> str:
    text = node.value
    if "digits" in str(error):
        return f"an integer of {len(text.lstrip('+-'))} digits: Kubernetes reads none this long"
    shown = text if len(text) <= 40 else text[:37] + "..."
    return f"cannot read {shown!r} as {node.tag.rpartition(':')[2]}: {error}"
