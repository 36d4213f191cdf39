"""Rewriting a manifests repo in place: locate nodes, splice text edits, write atomically.

`stages.rewrite(plan, stage)` computes the new text of every file (nothing is written);
`writer.write(changes, mode)` applies, checks or diffs them. docs/architecture.md#rewriting-files.
"""
