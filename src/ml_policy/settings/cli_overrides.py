"""Settings given on the command line: the last layer, above every file."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ml_policy.settings.codes import code_problem, selects_nothing, selects_nothing_yet
from ml_policy.settings.model import Settings
from ml_policy.settings.patterns import pattern_problem


@dataclass(frozen=True)
class CliOverrides:
    """Settings given on the command line; they beat every file."""

    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] | None = None

    def apply(self, settings: Settings) -> Settings:
        """As in Ruff, `--select` starts the selection over: the files' select, extend-select
        and ignore no longer apply (`--select MLT106` runs MLT106 though a bundle ignores it);
        per-file-ignores still do."""
        if self.select is not None:
            settings = replace(settings, select=self.select, extend_select=(), ignore=())
        return replace(
            settings,
            extend_select=(*settings.extend_select, *self.extend_select),
            ignore=(*settings.ignore, *self.ignore),
            exclude=self.exclude if self.exclude is not None else settings.exclude,
        )

    def problems(self) -> list[str]:
        """Bad codes and patterns given on the command line, as usage errors."""
        given = [
            *(("--select", code) for code in self.select or ()),
            *(("--extend-select", code) for code in self.extend_select),
            *(("--ignore", code) for code in self.ignore),
        ]
        found = [
            f"{option}: {problem}" for option, code in given if (problem := code_problem(code))
        ]
        patterns = self.exclude or ()
        found += [f"--exclude: {problem}" for p in patterns if (problem := pattern_problem(p))]
        return found

    def warnings(self) -> list[str]:
        """Valid selectors that select no rule of this release (a family reserved for later)."""
        chosen = [("--select", c) for c in self.select or ()]
        chosen += [("--extend-select", c) for c in self.extend_select]
        return [
            f"{option}: {selects_nothing_yet(code)}"
            for option, code in chosen
            if selects_nothing(code)
        ]
