"""Command-line parsing and dispatch only; the work lives in the modules it calls.

Exit codes follow Ruff: 0 nothing found, 1 findings (or conflicts left by
init), 2 usage, configuration, input or internal error.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ml_policy import __version__
from ml_policy.errors import PolicyError
from ml_policy.tools import TOOL_COMMANDS

if TYPE_CHECKING:
    from ml_policy.apply import newfindings
    from ml_policy.apply.init import PlannedFile
    from ml_policy.bundles import Bundle
    from ml_policy.checkers import RunOptions
    from ml_policy.config import SettingsResolver
    from ml_policy.diagnostics import Diagnostic


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments == ["--version"]:
        # Start-up: the answer needs no parser, whose commands import the settings modules.
        sys.stdout.write(f"ml-policy {__version__}\n")
        return 0
    from ml_policy.redact import redacted_output

    # Whatever is printed (findings, diffs, plans, errors, argparse's own messages) quotes
    # input, and input holds credentials: one guard masks them all.
    with redacted_output():
        return _main(arguments)


def _main(arguments: list[str]) -> int:
    if arguments and arguments[0] in TOOL_COMMANDS:
        # `ml-policy mypy ...`: everything after the name is the tool's own command line
        # (and a tool hook, on every commit, builds no parser).
        args = argparse.Namespace(handler=_run_tool, tool=arguments[0], tool_args=arguments[1:])
    else:
        parser = _parser(arguments[0] if arguments else None)
        args = parser.parse_args(arguments)
        if not hasattr(args, "handler"):
            parser.print_help()
            return 2
    try:
        code: int = args.handler(args)
    except PolicyError as error:
        print(f"ml-policy: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`ml-policy ... | head`): stop quietly, as the
        # Python docs advise, so the interpreter's final flush does not fail too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as error:
        print(f"ml-policy: internal error: {type(error).__name__}: {error}", file=sys.stderr)
        if os.environ.get("ML_POLICY_DEBUG"):
            traceback.print_exc()
        else:
            print(
                "ml-policy: set ML_POLICY_DEBUG=1 for the traceback, and please report it",
                file=sys.stderr,
            )
        return 2
    return code


def _codes(value: str) -> list[str]:
    # Empty items are kept for the check to refuse: `--select ,,,` selecting nothing
    # would switch every rule off in silence.
    return [code.strip() for code in value.split(",")]


def _parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line; with `command`, only that command's options are built (the
    others are listed for --help): a hook call should not pay for a dozen parsers."""
    parser = argparse.ArgumentParser(
        prog="ml-policy",
        description="One code-quality and reproducibility policy for ML repositories.",
    )
    parser.add_argument("--version", action="version", version=f"ml-policy {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    def add(name: str, help_text: str) -> argparse.ArgumentParser | None:
        built = commands.add_parser(name, help=help_text)
        return built if command in (None, name) else None

    if check := add("check", "run every enabled checker over files and folders"):
        check.add_argument("paths", nargs="*", type=Path, default=[Path()], metavar="PATH")
        _add_rule_options(check)
        _add_output_options(check)
        check.set_defaults(handler=_run_check)

    from ml_policy.registry import FAMILIES

    for family in FAMILIES:
        hook_id = f"ml-policy-{family.name.removeprefix('check-')}"
        if hook := add(family.name, f"only the {', '.join(family.prefixes)} rules ({hook_id})"):
            _add_family_options(hook, family.name, family.prefixes)

    if hadolint := add(
        "hadolint",
        "the pinned hadolint, with .hadolint.yaml and [tool.ml-policy.hadolint] "
        "(hook ml-policy-hadolint)",
    ):
        hadolint.add_argument("paths", nargs="*", type=Path, metavar="FILE")
        _add_format_options(hadolint)
        hadolint.set_defaults(handler=_run_hadolint)

    if init := add("init", "merge a policy bundle into a repository's configuration"):
        _add_init_options(init)
    if upgrade := add(
        "upgrade", "move to a newer bundle version (or another bundle), keeping your edits"
    ):
        _add_upgrade_options(upgrade)
    if baseline := add(
        "baseline", "accept the current findings of every hook, so that only new ones fail"
    ):
        baseline.add_argument("path", nargs="?", type=Path, default=Path(), metavar="PATH")
        baseline.add_argument(
            "--add",
            action="store_true",
            help="accept new findings too (without it, re-recording only drops fixed ones)",
        )
        baseline.set_defaults(handler=_run_baseline)

    if rule := add("rule", "a rule's documentation, or every rule with --all"):
        rule.add_argument("code", nargs="?", metavar="CODE")
        rule.add_argument(
            "--all", action="store_true", help="list every rule: code, name, fix, summary"
        )
        rule.set_defaults(handler=_run_rule)

    if bundles := add("bundles", "list the policy bundles, or show one"):
        _add_bundles_commands(bundles)

    # Listed for --help only: main() hands their arguments to the tool untouched.
    for tool, summary in TOOL_COMMANDS.items():
        commands.add_parser(tool, help=f"{summary}; arguments go to {tool}")
    return parser


def _add_family_options(
    hook: argparse.ArgumentParser, name: str, prefixes: tuple[str, ...]
) -> None:
    # check-config looks at the repository, not at the files pre-commit passes
    default = [Path()] if name == "check-config" else []
    hook.add_argument("paths", nargs="*", type=Path, default=default, metavar="FILE")
    _add_rule_options(hook)
    _add_output_options(hook)
    hook.set_defaults(handler=_run_check, families=prefixes, project_paths=name == "check-config")
    if name == "secrets":
        hook.add_argument(
            "--update-baseline",
            action="store_true",
            help="accept every secret found now: rewrite the baseline, report nothing",
        )


def _add_init_options(init: argparse.ArgumentParser) -> None:
    init.add_argument("path", nargs="?", type=Path, default=Path(), metavar="PATH")
    init.add_argument(
        "--bundle",
        metavar="NAME[@VERSION]",
        help=(
            "default: the bundle already recorded, else a guess from the repository "
            "(ml-library for a package published to PyPI, else ml-strict), printed with its reasons"
        ),
    )
    _add_plan_options(init)
    init.add_argument(
        "--force", action="store_true", help="take the bundle's value where yours differs"
    )
    init.add_argument(
        "--migrate",
        action="store_true",
        help="move mypy settings from mypy.ini, .mypy.ini or setup.cfg (and .bandit) into "
        "pyproject.toml, where the bundle is merged",
    )
    init.add_argument(
        "--baseline",
        action="store_true",
        help="then record every current finding of every hook (see `ml-policy baseline`)",
    )
    init.set_defaults(handler=_run_init)


def _add_upgrade_options(upgrade: argparse.ArgumentParser) -> None:
    upgrade.add_argument("path", nargs="?", type=Path, default=Path(), metavar="PATH")
    upgrade.add_argument(
        "--to",
        metavar="NAME[@VERSION]",
        help="default: the latest version of the recorded bundle",
    )
    _add_plan_options(upgrade)
    upgrade.add_argument(
        "--reason",
        metavar="TEXT",
        help="record each conflict in [tool.ml-policy.overrides] with this reason",
    )
    upgrade.add_argument(
        "--baseline",
        action="store_true",
        help="then accept the existing findings the new configuration adds (the baseline)",
    )
    upgrade.set_defaults(handler=_run_upgrade)


def _add_bundles_commands(bundles: argparse.ArgumentParser) -> None:
    bundle_commands = bundles.add_subparsers(metavar="ACTION")
    bundles.set_defaults(handler=_run_bundles_list)
    bundle_commands.add_parser("list", help="every bundle version with its summary").set_defaults(
        handler=_run_bundles_list
    )
    show = bundle_commands.add_parser("show", help="one bundle version in full")
    show.add_argument("ref", metavar="NAME[@VERSION]")
    show.set_defaults(handler=_run_bundles_show)


def _add_plan_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--dry-run", action="store_true", help="print the plan, write nothing")
    command.add_argument("--diff", action="store_true", help="print a unified diff, write nothing")


def _add_rule_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--select",
        type=_codes,
        metavar="CODES",
        help="comma-separated codes or prefixes (replaces the config's)",
    )
    command.add_argument("--extend-select", type=_codes, default=[], metavar="CODES")
    command.add_argument("--ignore", type=_codes, default=[], metavar="CODES")
    command.add_argument(
        "--exclude",
        action="append",
        metavar="PATTERN",
        help="gitignore-style pattern (replaces the config's)",
    )


def _add_format_options(command: argparse.ArgumentParser) -> None:
    from ml_policy.report import FORMATS  # not at the top: `--version` needs no writer

    command.add_argument("--output-format", choices=FORMATS, default="text")
    command.add_argument(
        "--exit-zero", action="store_true", help="exit 0 even when there are findings"
    )


def _add_output_options(command: argparse.ArgumentParser) -> None:
    _add_format_options(command)
    command.add_argument("--fix", action="store_true", help="apply safe fixes")
    command.add_argument(
        "--unsafe-fixes", action="store_true", help="with --fix or --diff: unsafe fixes too"
    )
    command.add_argument("--diff", action="store_true", help="print fixes as a diff, write nothing")
    command.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    command.add_argument("--cache-dir", type=Path, default=Path(".ml-policy-cache"), metavar="DIR")


def _run_check(args: argparse.Namespace) -> int:
    # Commands import their modules when they run, so --version and a hook call start fast.
    from ml_policy import checkers, files
    from ml_policy.config import CliOverrides, SettingsResolver

    overrides = CliOverrides(
        select=tuple(args.select) if args.select is not None else None,
        extend_select=tuple(args.extend_select),
        ignore=tuple(args.ignore),
        exclude=tuple(args.exclude) if args.exclude is not None else None,
    )
    if problems := overrides.problems():
        print(f"ml-policy: error: {problems[0]}", file=sys.stderr)
        return 2
    if getattr(args, "update_baseline", False):
        return _update_secrets_baseline()
    families = getattr(args, "families", None)
    if families is not None and not args.paths:
        return 0  # a hook called with no files has nothing to do
    resolver = SettingsResolver(overrides)
    if getattr(args, "project_paths", False):
        # Drift is a property of the project: its folders are the input, nothing is
        # walked, and no `exclude` can hide the configuration from its own check.
        found = files.Discovery(list(args.paths))
    else:
        found = files.find(args.paths, resolver)
    cache_dir = None if args.no_cache else args.cache_dir
    options = checkers.RunOptions(cache_dir=cache_dir, workers=_workers())
    diagnostics = checkers.run_all(found.files, resolver, families, options=options)
    # After the run: checkers add warnings of their own (check-config's "run init").
    for warning in [*overrides.warnings(), *resolver.warnings]:
        print(f"ml-policy: warning: {warning}", file=sys.stderr)
    if getattr(args, "project_paths", False):
        for note in resolver.notes:  # what check-config accepted or could not check, and why
            print(f"ml-policy: note: {note}", file=sys.stderr)
    if found.unchecked:
        diagnostics = sorted(
            [*diagnostics, *checkers.unchecked_diagnostics(found.unchecked)],
            key=lambda d: d.sort_key(),
        )
    if args.fix or args.diff:
        return _apply_fixes(diagnostics, args, resolver, options)
    return _report(diagnostics, args)


def _run_hadolint(args: argparse.Namespace) -> int:
    from ml_policy import checkers, files, hadolint
    from ml_policy.config import SettingsResolver

    if not args.paths:
        return 0  # a hook called with no files has nothing to do
    resolver = SettingsResolver()
    found = files.find(args.paths, resolver)  # a folder: its Dockerfiles
    result = hadolint.check(found.files, resolver)
    for warning in resolver.warnings:
        print(f"ml-policy: warning: {warning}", file=sys.stderr)
    unchecked = checkers.unchecked_diagnostics(found.unchecked)
    # Findings below the failure threshold are shown, and do not fail.
    failing = result.failing.union(unchecked)
    return _report([*result.diagnostics, *unchecked], args, tool=hadolint.TOOL, failing=failing)


def _update_secrets_baseline() -> int:
    from ml_policy.config import SettingsResolver
    from ml_policy.secrets import baseline

    settings = SettingsResolver().for_path(Path.cwd() / "pyproject.toml")
    accepted = baseline.update(settings)
    print(f"{baseline.location(settings)}: {accepted} secret(s) accepted", file=sys.stderr)
    return 0


def _workers() -> int | None:
    value = os.environ.get("ML_POLICY_WORKERS", "")
    return int(value) if value.isdigit() and int(value) > 0 else None


def _apply_fixes(
    diagnostics: list[Diagnostic],
    args: argparse.Namespace,
    resolver: SettingsResolver,
    options: RunOptions,
) -> int:
    from ml_policy import fixes
    from ml_policy.apply.atomic import write_all

    run = fixes.fix_until_stable(diagnostics, resolver, unsafe=args.unsafe_fixes)
    for warning in run.warnings:
        print(f"ml-policy: warning: {warning}", file=sys.stderr)
    if args.diff:
        for file in run.files:
            sys.stdout.write(file.diff())
        print(f"Would fix {run.fixed} error(s) in {len(run.files)} file(s).", file=sys.stderr)
        return 1 if run.files and not args.exit_zero else 0
    written = write_all([(file.path, file.data()) for file in run.files])
    for leftover in written.removed:
        print(f"ml-policy: removed {leftover}, left by an interrupted write", file=sys.stderr)
    families = getattr(args, "families", None)
    remaining = fixes.remaining(diagnostics, written.paths, resolver, families, options)
    if not run.fixed or args.output_format != "text":
        return _report(remaining, args)
    from ml_policy.report import render

    remaining = _not_baselined(remaining)
    output = fixes.summary(render("text", remaining, Path.cwd()), len(remaining), run.fixed)
    sys.stdout.write(output)
    return 1 if remaining and not args.exit_zero else 0


def _report(
    diagnostics: list[Diagnostic],
    args: argparse.Namespace,
    *,
    tool: str | None = None,
    failing: frozenset[Diagnostic] | None = None,
) -> int:
    """Print the findings a baseline does not accept; the exit status. `tool`: the tool hook
    whose findings these are; `failing`: those that fail the run (default: all)."""
    from ml_policy.report import render, write

    # pre-commit (which sets PRE_COMMIT=1) splits the files across one process
    # per core: each process's "All checks passed!" or "Found 2 errors." would
    # speak for its share only, next to another's findings. Its own
    # Passed/Failed line is the summary, so under it only findings are printed.
    partial = os.environ.get("PRE_COMMIT", "") not in ("", "0")
    diagnostics = _not_baselined(diagnostics, tool)
    output = render(args.output_format, diagnostics, Path.cwd(), summary=not partial)
    if output:
        write(args.output_format, output if output.endswith("\n") else output + "\n", sys.stdout)
    fails = diagnostics if failing is None else [d for d in diagnostics if d in failing]
    return 1 if fails and not args.exit_zero else 0


def _not_baselined(diagnostics: list[Diagnostic], tool: str | None = None) -> list[Diagnostic]:
    """The findings the repository's baseline does not accept; the count of the others is said."""
    from ml_policy.baseline import gate

    kept, note = gate.new_diagnostics(diagnostics, Path.cwd(), tool)
    if note:
        print(f"ml-policy: {note}", file=sys.stderr)
    return kept


def _run_init(args: argparse.Namespace) -> int:
    from ml_policy.apply import init

    dry_run = args.dry_run or args.diff
    # One choice for the leftovers, the plan and the message: a guess reads the repository once.
    choice = init.choose_bundle(args.path, args.bundle)
    # Before planning: the secrets baseline init may create must not scan them.
    note = init.clear_leftovers(args.path, choice.ref, dry_run=dry_run)
    if note:
        print(f"ml-policy init: {note}")
    bundle, planned = init.plan_init(args.path, choice.ref, force=args.force, migrate=args.migrate)
    print(f"ml-policy init: {bundle.ref} into {args.path}")
    print(f"ml-policy init: {choice.explain()}")
    left = _show_and_write(planned, args.path, diff=args.diff, dry_run=dry_run)
    failed = _record_baseline(args.path, add=False) if args.baseline and not dry_run else 0
    return 1 if left or failed else 0


def _show_and_write(planned: list[PlannedFile], root: Path, *, diff: bool, dry_run: bool) -> int:
    """Print the plan (or its diff) and write it unless `dry_run`; the number of conflicts
    and changes left for the user to make by hand."""
    from ml_policy.apply import init

    for item in planned:
        label = _label(item.plan.path, root)
        if diff:
            sys.stdout.write(item.plan.diff(label))
        else:
            print("\n".join(item.plan.describe(label)))
    manual = _print_paste_blocks(planned, root)
    conflicts = sum(len(item.plan.conflicts) for item in planned)
    if dry_run:
        print("(dry run: nothing written)")
    else:
        done = init.write(planned, root)
        if done.paths:
            print(f"wrote {', '.join(_label(path, root) for path in done.paths)}")
        if done.deleted:
            print(f"removed {', '.join(_label(path, root) for path in done.deleted)}")
        if not done.paths and not done.deleted:
            print("nothing to change")
    if conflicts:
        print(f"{conflicts} conflict(s) left as you had them: see '!' lines above", file=sys.stderr)
    if manual:
        print(
            f"{manual} change(s) ml-policy could not make: paste the block(s) above by hand; "
            "every other change was " + ("planned" if dry_run else "made"),
            file=sys.stderr,
        )
    return conflicts + manual


def _run_upgrade(args: argparse.Namespace) -> int:
    from ml_policy.apply import newfindings, upgrade

    if args.reason is not None and not args.reason.strip():
        print("ml-policy: error: --reason needs a text saying why", file=sys.stderr)
        return 2
    dry_run = args.dry_run or args.diff
    plan = upgrade.plan_upgrade(args.path, args.to, reason=args.reason)
    if plan.base == plan.target:
        print(f"ml-policy upgrade: {args.path} is already on {plan.target.ref}; nothing to do")
        return 0
    print(f"ml-policy upgrade: {plan.base.ref} -> {plan.target.ref} in {args.path}")
    print("\n".join(plan.changelog()))
    before = newfindings.collect(args.path) if args.baseline and not dry_run else None
    left = _show_and_write(plan.planned, args.path, diff=args.diff, dry_run=dry_run)
    failed = 0
    if before is not None:
        failed = _print_new_findings(newfindings.accept_new(args.path, before), args.path)
    return 1 if left or failed else 0


def _print_new_findings(accepted: newfindings.Accepted, root: Path) -> int:
    """Say what `upgrade --baseline` accepted; 1 when a tool could not be recorded."""
    print(
        f"ml-policy baseline: {accepted.added} finding(s) of the new configuration accepted in "
        f"{_label(accepted.path, root)}"
    )
    for tool, reason in accepted.failed.items():
        print(f"ml-policy baseline: {tool} not recorded: {reason}", file=sys.stderr)
    return 1 if accepted.failed else 0


def _print_paste_blocks(planned: list[PlannedFile], root: Path) -> int:
    """Print, verbatim, the text of each change the user must make by hand; how many."""
    count = 0
    for item in planned:
        label = _label(item.plan.path, root)
        for change in item.plan.manual:
            print(f"# ---- {label}, {change.key}: {change.detail} ----")
            print(change.paste)
            print("# ---- end ----")
            count += 1
    return count


def _run_baseline(args: argparse.Namespace) -> int:
    return _record_baseline(args.path, add=args.add)


def _record_baseline(path: Path, *, add: bool) -> int:
    """Record the baseline of the repository at `path`; 1 when a tool could not be recorded."""
    from ml_policy.baseline import record, store

    root = store.root_for(path)
    if secrets := record.secrets_baseline(root, add=add):
        print(f"ml-policy baseline: {secrets}")
    recorded = record.record(root, add=add)
    written = record.write(root, recorded.baseline)
    tools = ", ".join(f"{tool} {count}" for tool, count in sorted(recorded.per_tool.items()))
    total = sum(recorded.per_tool.values())
    print(
        f"ml-policy baseline: {total} finding(s) accepted in {_label(written, root)}"
        + (f" ({tools})" if tools else "")
    )
    if recorded.dropped:
        print(f"ml-policy baseline: {recorded.dropped} fixed finding(s) dropped")
    if recorded.not_added:
        print(
            f"ml-policy baseline: {recorded.not_added} new finding(s) not accepted "
            "(fix them, or accept them with `ml-policy baseline --add`)"
        )
    for tool, reason in recorded.failed.items():
        print(f"ml-policy baseline: {tool} not recorded: {reason}", file=sys.stderr)
    return 1 if recorded.failed else 0


def _run_rule(args: argparse.Namespace) -> int:
    from ml_policy import rule_docs

    if args.all:
        print(rule_docs.table())
        return 0
    text = rule_docs.document(args.code) if args.code else None
    if text is None:
        what = f"no rule {args.code!r}" if args.code else "give a rule code (e.g. MLP001)"
        print(f"ml-policy: error: {what}; `ml-policy rule --all` lists them", file=sys.stderr)
        return 2
    print(text)
    return 0


def _run_tool(args: argparse.Namespace) -> int:
    from ml_policy import tools

    return tools.run(args.tool, args.tool_args)


def _label(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _run_bundles_list(args: argparse.Namespace) -> int:
    from ml_policy import bundles

    every = bundles.all_bundles()
    width = max(len(b.ref) for b in every)
    for bundle in every:
        latest = " (latest)" if bundles.latest(bundle.name) == bundle else ""
        print(f"{bundle.ref:<{width}}  {bundle.summary}{latest}")
    return 0


def _rules_on(bundle: Bundle) -> str:
    from ml_policy.config import build_settings
    from ml_policy.registry import RULE_CODES

    settings = build_settings(Path(), None, [bundle.ml_policy_settings()], bundle.release)
    return ", ".join(code for code in RULE_CODES if settings.is_enabled(code))


def _run_bundles_show(args: argparse.Namespace) -> int:
    from ml_policy import bundles

    bundle = bundles.get(args.ref)
    print(f"{bundle.ref}: {bundle.summary}")
    print(
        "validated with: "
        + ", ".join(f"{tool} {version}" for tool, version in bundle.tools.items())
    )
    print("changes: " + " ".join(bundle.changes))
    print(f"ML rules on (those of ml-policy {bundle.release} and before): {_rules_on(bundle)}")
    for filename in bundles.FILES[1:]:
        print(f"\n--- {filename} ---\n{bundle.text(filename).rstrip()}")
    return 0
