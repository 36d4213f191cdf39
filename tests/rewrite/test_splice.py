"""Pure tests of the splicing pieces: edits, layout detection, document markers, ops."""

from __future__ import annotations

import pytest
import yaml

from migrate.read.files import parse
from migrate.write.rewrite import blocks, documents
from migrate.write.rewrite.edits import Edit, RewriteError, apply, touched_lines
from migrate.write.rewrite.ops import (
    AppendItem,
    NeedsRedump,
    RemoveItems,
    RemovePair,
    Scalar,
    SetPairs,
    Unsafe,
)
from migrate.write.rewrite.yamltext import Layout, detect, scalar


def run(text: str, op, index: int = 0) -> str:  # type: ignore[no-untyped-def]
    doc = parse("t.yaml", text)[index]
    return apply(text, blocks.edits(text, detect(text, doc.node), doc.node, op, "test"))


def test_edits_apply_in_reverse_and_keep_insertion_order() -> None:
    text = "a: 1\nb: 2\n"
    edits = [Edit(5, 5, "x: 0\n"), Edit(3, 4, "9"), Edit(5, 5, "y: 0\n")]
    assert apply(text, edits) == "a: 9\nx: 0\ny: 0\nb: 2\n"
    with pytest.raises(RewriteError, match="overlap"):
        apply(text, [Edit(0, 4, ""), Edit(3, 5, "")])


def test_touched_lines() -> None:
    text = "a\nb\nc\n"
    assert touched_lines(text, [Edit(2, 2, "x\n")]) == set()  # an insertion at a line start
    assert touched_lines(text, [Edit(2, 4, "")]) == {1}  # a whole line
    assert touched_lines(text, [Edit(3, 3, "!")]) == {1}  # inside a line


@pytest.mark.parametrize(
    ("text", "layout"),
    [
        ("a:\n  b:\n    c: 1\n  l:\n    - x\n", Layout("\n", 2, 2, 2)),
        ("a:\n   b:\n      c: 1\n   l:\n   - x\n", Layout("\n", 3, 0, 2)),
        ("a:\r\n    l:\r\n        -   x: 1\r\n", Layout("\r\n", 4, 4, 4)),
    ],
)
def test_layout_is_detected_per_document(text: str, layout: Layout) -> None:
    assert detect(text, yaml.compose(text, Loader=yaml.CSafeLoader)) == layout


def test_scalars_that_yaml_1_1_reads_otherwise_are_quoted() -> None:
    assert scalar("web") == "web"
    assert [scalar(v) for v in ("true", "yes", "on", "1.0", "")] == [
        '"true"',
        '"yes"',
        '"on"',
        '"1.0"',
        '""',
    ]
    assert scalar("true", quoted=True) == '"true"'


def test_set_pairs_creates_missing_mappings_with_sibling_indentation() -> None:
    text = "metadata:\n    name: x  # the name\nspec: {}\n"
    op = SetPairs(("metadata", "annotations"), (("k", Scalar("v", True)),))
    assert (
        run(text, op)
        == 'metadata:\n    name: x  # the name\n    annotations:\n        k: "v"\nspec: {}\n'
    )
    assert (
        run(text, SetPairs(("spec",), (("a", Scalar("b")),)))
        == "metadata:\n    name: x  # the name\nspec:\n    a: b\n"
    )


def test_set_pairs_replaces_in_the_original_quoting_and_is_idempotent() -> None:
    text = "p:\n  usePodIdentity: 'true'\n  clientid: x\n"
    op = SetPairs(
        ("p",),
        (("usePodIdentity", Scalar("false", True)), ("clientID", Scalar("id", True))),
        fold=True,
    )
    out = run(text, op)
    assert out == "p:\n  usePodIdentity: 'false'\n  clientid: \"id\"\n"
    assert run(out, op) == out


def test_set_pairs_on_a_file_without_final_newline() -> None:
    assert run("a:\n  b: 1", SetPairs(("a",), (("c", Scalar("v")),))) == "a:\n  b: 1\n  c: v"


def test_remove_pair_takes_its_lines_and_leaves_an_empty_mapping() -> None:
    text = "labels:\n  a: 1  # c\n  b: |\n    x\n\n# after\nz: 1\n"
    assert run(text, RemovePair(("labels",), "b")) == "labels:\n  a: 1  # c\n\n# after\nz: 1\n"
    assert run("labels:\n  a: 1\nz: 1\n", RemovePair(("labels",), "a")) == "labels: {}\nz: 1\n"
    assert (
        run("labels: {}\n", SetPairs(("labels",), (("a", Scalar("1", True)),)))
        == 'labels:\n  a: "1"\n'
    )


def test_remove_pair_keeps_a_trailing_comment_on_its_heir_or_in_place() -> None:
    text = 'labels:\n  a: 1   # prod\n  u: "true"\n'
    heir = RemovePair(("labels",), "a", "u", r"\bnmi\b")
    assert run(text, heir) == 'labels:\n  u: "true"   # prod\n'
    assert run(text.replace("prod", "for NMI"), heir) == 'labels:\n  u: "true"\n'
    # the heir has a comment, or is missing: the comment stays alone where the line was
    taken = 'labels:\n  a: 1  # prod\n  u: "true"  # mine\n'
    assert run(taken, heir) == 'labels:\n  # prod\n  u: "true"  # mine\n'
    assert run("labels:\n  a: 1  # prod\nz: 1\n", heir) == "labels: {}\n  # prod\nz: 1\n"
    assert run("labels:\r\n  a: 1 # c\r\n", RemovePair(("labels",), "a")) == (
        "labels: {}\r\n  # c\r\n"
    )
    # only a one-line value's comment: a mapping's last line keeps its own with it
    nested = "m:\n  a:\n    x: 1  # inner\n  b: 2\n"
    assert run(nested, RemovePair(("m",), "a")) == "m:\n  b: 2\n"


def test_sequences_keep_their_style() -> None:
    flush = "r:\n- a.yaml\n- b.yaml  # b\nk: 1\n"
    assert (
        run(flush, AppendItem(("r",), Scalar("c.yaml")))
        == "r:\n- a.yaml\n- b.yaml  # b\n- c.yaml\nk: 1\n"
    )
    assert run(flush, AppendItem(("r",), Scalar("a.yaml"))) == flush
    assert run(flush, RemoveItems(("r",), (0, 1))) == "r: []\nk: 1\n"
    wide = "s:\n    -   kind: A\n        name: a\n"
    item = (("kind", Scalar("B")), ("name", Scalar("b")))
    assert run(wide, AppendItem(("s",), item)) == wide + "    -   kind: B\n        name: b\n"


def test_flow_style_needs_a_redump_and_aliases_are_unsafe() -> None:
    with pytest.raises(NeedsRedump):
        run("labels: {a: b}\n", SetPairs(("labels",), (("c", Scalar("d")),)))
    with pytest.raises(Unsafe):
        run("x: &l\n  a: b\ny:\n  labels: *l\n", SetPairs(("y", "labels"), (("c", Scalar("d")),)))


def test_documents_are_deleted_with_one_marker() -> None:
    text = "---\n# a\na: 1\n---\nb: 2\n---\n"
    docs = parse("t.yaml", text)
    chunks = documents.chunks(text)
    first = documents.chunk_of(text, docs[0], chunks)
    assert apply(text, documents.delete(text, {first}, "d")) == "---\nb: 2\n---\n"
    text = "a: 1\n---\nb: 2\n"
    assert apply(text, documents.delete(text, {0}, "d")) == "b: 2\n"
    assert apply(text, documents.delete(text, {1}, "d")) == "a: 1\n"
    assert documents.is_empty("---\n# only a comment\n...\n")
    assert not documents.is_empty("---\na: 1\n")
