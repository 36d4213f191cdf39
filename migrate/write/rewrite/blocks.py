"""Splice ops into block-style YAML text: new lines take their siblings' indentation."""

from __future__ import annotations

import re
from collections.abc import Sequence

import yaml

from migrate.write.rewrite.edits import Edit
from migrate.write.rewrite.locate import Path, at
from migrate.write.rewrite.ops import (
    AppendItem,
    NeedsRedump,
    Op,
    Pairs,
    RemoveItems,
    RemovePair,
    Scalar,
    SetPairs,
    Unsafe,
)
from migrate.write.rewrite.yamltext import (
    Layout,
    after_line,
    dash_column,
    like,
    line_start,
    only_space_before,
    scalar,
)

Entry = tuple[yaml.ScalarNode, yaml.Node]


def edits(text: str, layout: Layout, root: yaml.Node, op: Op, why: str) -> list[Edit]:
    splice = _Splice(text, layout, why)
    if isinstance(op, SetPairs):
        return splice.set_pairs(root, op)
    if isinstance(op, RemovePair):
        return splice.remove_pair(root, op)
    if isinstance(op, AppendItem):
        return splice.append_item(root, op)
    return splice.remove_items(root, op)


class _Splice:
    def __init__(self, text: str, layout: Layout, why: str) -> None:
        self.text, self.layout, self.why = text, layout, why

    # -- mappings ---------------------------------------------------------------------------

    def set_pairs(self, root: yaml.Node, op: SetPairs) -> list[Edit]:
        node, parent = root, None
        for i, key in enumerate(op.path):
            if isinstance(key, int):
                node, parent = _item(node, key), None
                continue
            found = self._entry(node, key)
            if found is None:
                return [self._append_lines(node, self._nested(op.path[i:], op.pairs, node))]
            parent, node = found
            if _is_empty(node):
                return self._fill(parent, node, self._nested_under(parent, op.path[i + 1 :], op))
        return self._set_in(node, parent, op)

    def _set_in(self, node: yaml.Node, parent: yaml.ScalarNode | None, op: SetPairs) -> list[Edit]:
        out: list[Edit] = []
        new: list[tuple[str, Scalar]] = []
        for key, value in op.pairs:
            found = self._entry(node, key, op.fold)
            if found is None:
                new.append((key, value))
            elif not isinstance(found[1], yaml.ScalarNode):
                raise Unsafe(f"{key} is not a single value", found[1].start_mark.line + 1)
            elif found[1].value != value.value:
                v = found[1]
                text = value.value if value.plain else like(v, value.value, value.quoted)
                out.append(Edit(v.start_mark.index, v.end_mark.index, text, self.why))
        if new:
            column = _column(node)
            out.append(self._append_lines(node, self._pair_lines(new, column)))
        return out

    def remove_pair(self, root: yaml.Node, op: RemovePair) -> list[Edit]:
        node = at(root, op.path)
        if node is None:
            return []
        found = self._entry(node, op.key)
        if found is None:
            return []
        key, value = found
        if not only_space_before(self.text, key.start_mark.index):
            raise NeedsRedump(f"{op.key} shares its line with other text", key.start_mark.line + 1)
        start = line_start(self.text, key.start_mark.index)
        content_end = self._content_end(value, key)
        end = after_line(self.text, content_end)
        one_line = (
            isinstance(value, yaml.ScalarNode)
            and "\n" not in self.text[key.start_mark.index : content_end]
        )
        comment = self._comment_after(content_end) if one_line else None
        if comment and op.stale and re.search(op.stale, comment[2], re.IGNORECASE):
            comment = None
        heir = self._heir(node, op.heir) if comment else None
        if comment and heir is None:  # the comment stays where the line was, on its own
            out = [Edit(key.start_mark.index, content_end + comment[0], "", self.why)]
        else:
            out = [Edit(start, end, "", self.why)]
        if comment and heir is not None:
            out.append(Edit(heir, heir, "".join(comment[1:]), self.why))
        if len(node.value) == 1:
            out.append(self._empty_marker(root, op.path, "{}"))
        return out

    def _comment_after(self, pos: int) -> tuple[int, str, str] | None:
        """A comment that ends the line at POS: (its offset from POS, the space before it,
        the comment), or None."""
        rest = self.text[pos : after_line(self.text, pos)].rstrip("\r\n")
        body = rest.lstrip(" \t")
        if not body.startswith("#"):
            return None
        space = rest[: len(rest) - len(body)]
        return len(space), space, body.rstrip()

    def _heir(self, node: yaml.Node, key: str) -> int | None:
        """Where the comment goes on KEY's line: the end of its one-line value, if it has no
        comment of its own."""
        found = self._entry(node, key) if key else None
        k, v = found if found is not None else (None, None)
        if k is None or not isinstance(v, yaml.ScalarNode):
            return None
        end = int(v.end_mark.index)
        if v.style in ("|", ">") or "\n" in self.text[k.start_mark.index : end]:
            return None
        line_end = after_line(self.text, end)
        return None if "#" in self.text[end:line_end] else end

    # -- sequences --------------------------------------------------------------------------

    def append_item(self, root: yaml.Node, op: AppendItem) -> list[Edit]:
        *head, last = op.path
        parent = at(root, tuple(head))
        if parent is None or isinstance(last, int):
            raise Unsafe(f"no mapping at {'.'.join(map(str, head))}", root.start_mark.line + 1)
        found = self._entry(parent, last)
        step = self.layout.seq_indent
        if found is None:
            column = _column(parent)
            lines = [" " * column + f"{last}:", *self._item_lines(op.item, column + step)]
            return [self._append_lines(parent, lines)]
        key, seq = found
        if _is_empty(seq):
            lines = self._item_lines(op.item, key.start_mark.column + step)
            return self._fill(key, seq, lines)
        if not isinstance(seq, yaml.SequenceNode):
            raise Unsafe(f"{last} is not a list", seq.start_mark.line + 1)
        if seq.flow_style:
            raise NeedsRedump(f"{last} is a flow-style list", seq.start_mark.line + 1)
        if any(_same_item(item, op.item) for item in seq.value):
            return []
        first = seq.value[0]
        dash = dash_column(self.text, first)
        if dash is None:
            raise NeedsRedump(f"{last}: unusual list layout", first.start_mark.line + 1)
        offset = first.start_mark.column - dash
        return [self._append_lines(seq, self._item_lines(op.item, dash, offset))]

    def remove_items(self, root: yaml.Node, op: RemoveItems) -> list[Edit]:
        seq = at(root, op.path)
        if not isinstance(seq, yaml.SequenceNode) or not op.indexes:
            return []
        if seq.flow_style:
            raise NeedsRedump("a flow-style list", seq.start_mark.line + 1)
        out = []
        for index in sorted(set(op.indexes)):
            item = seq.value[index]
            if dash_column(self.text, item) is None:
                raise NeedsRedump("unusual list layout", item.start_mark.line + 1)
            start = line_start(self.text, item.start_mark.index)
            if self.text[start : item.start_mark.index].strip() != "-":
                raise NeedsRedump("list item shares its line", item.start_mark.line + 1)
            out.append(Edit(start, after_line(self.text, self._content_end(item)), "", self.why))
        if len(set(op.indexes)) == len(seq.value):
            out.append(self._empty_marker(root, op.path, "[]"))
        return out

    # -- text -------------------------------------------------------------------------------

    def _entry(self, node: yaml.Node, key: str, fold: bool = False) -> Entry | None:
        if not isinstance(node, yaml.MappingNode):
            raise Unsafe(f"expected a mapping for {key}", node.start_mark.line + 1)
        if node.flow_style and node.value:
            raise NeedsRedump("a flow-style mapping", node.start_mark.line + 1)
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and (
                k.value == key or (fold and str(k.value).lower() == key.lower())
            ):
                if v.start_mark.index < k.end_mark.index:
                    raise Unsafe(f"{key} is an alias of another node", k.start_mark.line + 1)
                return k, v
        return None

    def _content_end(self, node: yaml.Node, key: yaml.Node | None = None) -> int:
        """Offset where NODE's own text ends (not the comments or blank lines after it)."""
        while True:
            if isinstance(node, yaml.MappingNode) and not node.flow_style and node.value:
                key, node = node.value[-1]
                if key is not None and node.start_mark.index < key.end_mark.index:
                    return int(key.end_mark.index)  # an alias (`key: *anchor`)
            elif isinstance(node, yaml.SequenceNode) and not node.flow_style and node.value:
                node = node.value[-1]
            else:
                break
        if isinstance(node, yaml.ScalarNode) and node.style in ("|", ">"):
            body = self.text[node.start_mark.index : node.end_mark.index]
            return int(node.start_mark.index) + len(body.rstrip())
        return int(node.end_mark.index)

    def _append_lines(self, node: yaml.Node, lines: Sequence[str]) -> Edit:
        if isinstance(node, yaml.MappingNode | yaml.SequenceNode) and node.flow_style:
            raise NeedsRedump("a flow-style collection", node.start_mark.line + 1)
        return self._insert(after_line(self.text, self._content_end(node)), lines)

    def _insert(self, pos: int, lines: Sequence[str]) -> Edit:
        nl = self.layout.newline
        if pos == len(self.text) and self.text and not self.text.endswith("\n"):
            return Edit(pos, pos, nl + nl.join(lines), self.why)
        return Edit(pos, pos, nl.join(lines) + nl, self.why)

    def _fill(self, key: yaml.ScalarNode, empty: yaml.Node, lines: Sequence[str]) -> list[Edit]:
        """Give KEY (whose value is empty, `{}` or `[]`) a block value of LINES."""
        out = []
        if isinstance(empty, yaml.MappingNode | yaml.SequenceNode):
            colon = self.text.index(":", key.end_mark.index)
            out.append(Edit(colon + 1, empty.end_mark.index, "", self.why))
        end = max(key.end_mark.index, empty.end_mark.index)
        out.append(self._insert(after_line(self.text, end), lines))
        return out

    def _empty_marker(self, root: yaml.Node, path: Path, marker: str) -> Edit:
        *head, last = path
        parent = at(root, tuple(head))
        found = self._entry(parent, last) if parent is not None and isinstance(last, str) else None
        if found is None:
            raise Unsafe(f"cannot empty {'.'.join(map(str, path))}", root.start_mark.line + 1)
        colon = self.text.index(":", found[0].end_mark.index)
        return Edit(colon + 1, colon + 1, " " + marker, self.why)

    def _nested(self, path: Path, pairs: Pairs, node: yaml.Node) -> list[str]:
        return self._keys_then_pairs(path, pairs, _column(node))

    def _nested_under(self, key: yaml.ScalarNode, path: Path, op: SetPairs) -> list[str]:
        return self._keys_then_pairs(path, op.pairs, key.start_mark.column + self.layout.step)

    def _keys_then_pairs(self, path: Path, pairs: Pairs, column: int) -> list[str]:
        lines = []
        for key in path:
            if isinstance(key, int):
                raise Unsafe(f"list item {key} does not exist", 0)
            lines.append(" " * column + f"{scalar(key)}:")
            column += self.layout.step
        return lines + self._pair_lines(pairs, column)

    def _pair_lines(self, pairs: Sequence[tuple[str, Scalar]], column: int) -> list[str]:
        return [" " * column + f"{scalar(k)}: {_written(v)}" for k, v in pairs]

    def _item_lines(self, item: Scalar | Pairs, dash: int, offset: int = 0) -> list[str]:
        offset = offset or self.layout.seq_offset
        head = " " * dash + "-" + " " * (offset - 1)
        if isinstance(item, Scalar):
            return [head + _written(item)]
        lines = self._pair_lines(item, dash + offset)
        return [head + lines[0].lstrip(" "), *lines[1:]]


def _item(node: yaml.Node, index: int) -> yaml.Node:
    if not isinstance(node, yaml.SequenceNode) or index >= len(node.value):
        raise Unsafe(f"list item {index} not found", node.start_mark.line + 1)
    item: yaml.Node = node.value[index]
    return item


def _column(node: yaml.Node) -> int:
    if isinstance(node, yaml.MappingNode) and node.value:
        return int(node.value[0][0].start_mark.column)
    return int(node.start_mark.column)


def _is_empty(node: yaml.Node) -> bool:
    if isinstance(node, yaml.ScalarNode):
        return node.tag == "tag:yaml.org,2002:null" and node.value == "" and not node.style
    return isinstance(node, yaml.MappingNode | yaml.SequenceNode) and not node.value


def _same_item(node: yaml.Node, item: Scalar | Pairs) -> bool:
    if isinstance(item, Scalar):
        return isinstance(node, yaml.ScalarNode) and node.value == item.value
    if not isinstance(node, yaml.MappingNode):
        return False
    have = {str(k.value): v.value for k, v in node.value if isinstance(v, yaml.ScalarNode)}
    return all(have.get(k) == v.value for k, v in item)


def _written(value: Scalar) -> str:
    return value.value if value.plain else scalar(value.value, value.quoted)
