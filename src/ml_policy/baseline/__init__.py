"""The adoption baseline: findings a repository accepted, so that only new ones fail.

`ml-policy baseline` (and `ml-policy init --baseline`) records every finding of
every hook this release ships -- the ML families, Ruff, mypy, bandit, and the
files ruff-format would change -- in `.ml-policy-baseline.json` at the root of
the repository. Each finding is keyed by file, code and a fingerprint of its
code line and message, never by line number, so a finding that moves with its
code stays accepted, and a finding on a changed line is new. The hooks then
report only findings the baseline does not hold, and say how many they let pass.

`store` reads and writes the file, `fingerprint` makes the keys, `record`
collects the findings of every hook, `tool_output` reads the tools' own reports.
"""
