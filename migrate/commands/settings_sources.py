"""Settings said once: a flag, else WI_MIGRATE_<OPTION>, else a wi-migrate.yaml, else the default.

The settings are the options of the shared groups (planning, cluster, Azure): the same name on
every command, so one environment variable or one file key serves them all. Given a saved plan,
a command takes the plan's planning settings, and a setting given another way that differs from
the plan's is refused by name (a plan is the settings it was reviewed with).
"""

from __future__ import annotations

import difflib
import functools
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from migrate.errors import UserError
from migrate.model import names
from migrate.model.plan import Settings

ENV_PREFIX = "WI_MIGRATE_"
CONFIG_FILE = "wi-migrate.yaml"
CONFIG_ENV = "WI_MIGRATE_CONFIG"
PLANNED = frozenset(f.name for f in fields(Settings))  # recorded in a plan, checked against it
# the settings, by long option: switches such as --yes or --stage are never among them (an
# environment variable must not make a command write)
SETTINGS = (
    *("issuer", "cluster-name", "sa-name", "fic-name", "force-namespaced", "proxy-sidecar"),
    *("proxy-sidecar-port", "identity-resource-group", "namespace"),
    *("context", "kubeconfig", "journal", "journal-namespace"),
    *("subscription", "cloud", "arm-endpoint", "authority", "azure-concurrency", "location"),
    *("templates", "kube-version"),
)
TEMPLATES = {"sa-name": names.SA_FIELDS, "fic-name": names.FIC_FIELDS}
PATH_PARAMS = ("paths", "sources", "plan_file")  # the arguments that name what is planned


def envvar(param: click.Parameter) -> str:
    return ENV_PREFIX + _long(param).removeprefix("--").upper().replace("-", "_")


def share(command: click.Command) -> click.Command:
    """Give `command` --config, its settings their WI_MIGRATE_ variable, and resolve them (flag,
    environment, file, default; then a saved plan's) before each run. Idempotent."""
    if any(p.name == "config" for p in command.params) or not _settings(command):
        return command
    for param in _settings(command):
        own = [param.envvar] if isinstance(param.envvar, str) else list(param.envvar or [])
        param.envvar = [envvar(param), *own]
        param.show_envvar = True
    command.params.append(
        click.Option(
            ["--config"],
            envvar=CONFIG_ENV,
            show_envvar=True,
            metavar="FILE",
            help=f"Settings file (default: {CONFIG_FILE} at the root of PATH, else in the "
            "working directory); keys are the long options, e.g. cluster-name: prod.",
        )
    )
    if command.callback is not None:
        command.callback = _resolving(command.callback)
    return command


def _settings(command: click.Command) -> list[click.Option]:
    return [
        p
        for p in command.params
        if isinstance(p, click.Option) and _long(p).removeprefix("--") in SETTINGS
    ]


def _resolving(callback: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(callback)
    def run(**params: Any) -> Any:
        return callback(**resolve(click.get_current_context(), params))

    return run


def resolve(ctx: click.Context, params: dict[str, Any]) -> dict[str, Any]:
    """The command's parameters with a config file's values where neither flag nor environment
    said anything, then the saved plan's settings (refusing a conflicting one)."""
    config = Config.find(params.pop("config", None), _planned_paths(params))
    if config is not None:
        config.check_keys(SETTINGS)
    given: dict[str, str] = {}  # setting -> where it was given ("--issuer", "WI_MIGRATE_ISSUER")
    for param in _settings(ctx.command):
        name = str(param.name)
        source = ctx.get_parameter_source(name)
        if source == ParameterSource.COMMANDLINE:
            given[name] = _long(param)
        elif source == ParameterSource.ENVIRONMENT:
            given[name] = envvar(param)
        elif config is not None and _long(param).removeprefix("--") in config.values:
            params[name] = config.value(ctx, param)
            given[name] = f"{config.path} key {_long(param).removeprefix('--')}"
    plan_file = _plan_file(params)
    if plan_file is not None:
        keys = {str(p.name): _long(p).removeprefix("--") for p in _settings(ctx.command)}
        _take_plan_settings(plan_file, params, given, keys)
    return params


def _take_plan_settings(
    plan_file: str, params: dict[str, Any], given: dict[str, str], keys: dict[str, str]
) -> None:
    from migrate.model import plan as plans

    planned = plans.load_file(plan_file).settings
    for name in sorted(PLANNED & set(params)):
        value = getattr(planned, name)
        if name in given and params[name] != value:
            raise UserError(
                f"{given[name]} {params[name]!r} conflicts with {plan_file}, planned with "
                f"{keys.get(name, name)} {value!r}",
                "a saved plan runs with the settings it was made with: drop the setting, or "
                "plan again with it (wi-migrate plan ... -o json > plan.json) and review that",
            )
        params[name] = value


def _planned_paths(params: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for key in PATH_PARAMS:
        value = params.get(key)
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, Sequence):
            found += [str(v) for v in value]
    return found


def _plan_file(params: dict[str, Any]) -> str | None:
    from migrate.model import plan as plans

    paths = _planned_paths(params)
    return paths[0] if len(paths) == 1 and plans.is_plan_file(paths[0]) else None


def _long(param: click.Parameter) -> str:
    longs = [o for o in getattr(param, "opts", []) if o.startswith("--")]
    return longs[0] if longs else f"--{(param.name or '').replace('_', '-')}"


@dataclass(frozen=True)
class Config:
    """One wi-migrate.yaml: keys spelled like the long options, each on a known line."""

    path: str
    values: dict[str, Any]
    lines: dict[str, int]

    @classmethod
    def find(cls, named: str | None, planned: Sequence[str]) -> Config | None:
        """--config / WI_MIGRATE_CONFIG, else wi-migrate.yaml at the root of a planned folder,
        else in the working directory."""
        named = named or os.environ.get(CONFIG_ENV) or None
        if named:
            return cls.read(named)
        for candidate in [*(Path(p) / CONFIG_FILE for p in planned), Path(CONFIG_FILE)]:
            if candidate.is_file():
                return cls.read(str(candidate))
        return None

    @classmethod
    def read(cls, path: str) -> Config:
        import yaml

        try:
            text = Path(path).read_text(encoding="utf-8")
            node = yaml.compose(text, Loader=yaml.SafeLoader)
            data = yaml.safe_load(text)
        except OSError as e:
            raise UserError(
                f"{path}: cannot read the settings file: {e.strerror or e}",
                f"pass an existing file to --config (or {CONFIG_ENV})",
            ) from None
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            where = f"{path}:{mark.line + 1}" if mark is not None else path
            raise UserError(
                f"{where}: not valid YAML: {getattr(e, 'problem', None) or e}",
                "fix the file",
            ) from None
        if data is None:
            return cls(path, {}, {})
        if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
            raise UserError(
                f"{path}: a settings file is a mapping of option names to values",
                "write one 'long-option: value' per line, e.g. cluster-name: prod-weu",
            )
        lines = {str(k.value): k.start_mark.line + 1 for k, _ in node.value}
        return cls(path, {str(k): v for k, v in data.items()}, lines)

    def check_keys(self, known: Iterable[str]) -> None:
        allowed = sorted(set(known))
        for key in self.values:
            if key not in allowed:
                near = difflib.get_close_matches(key, allowed, n=1)
                raise UserError(
                    f"{self.path}:{self.lines.get(key, 1)}: unknown key {key!r}"
                    + (f" (did you mean {near[0]!r}?)" if near else ""),
                    "keys are the long options without '--': " + ", ".join(allowed),
                )

    def value(self, ctx: click.Context, param: click.Parameter) -> Any:
        key = _long(param).removeprefix("--")
        raw = self.values[key]
        if isinstance(raw, (dict, list)) or raw is None:
            raise UserError(
                f"{self.path}:{self.lines.get(key, 1)}: {key}: expected a single value",
                f"write e.g. {key}: VALUE",
            )
        where = f"{self.path}:{self.lines.get(key, 1)}: {key}"
        try:
            value = param.type_cast_value(ctx, str(raw) if not isinstance(raw, bool) else raw)
        except click.BadParameter as e:
            raise UserError(
                f"{where}: {e.message}", f"see wi-migrate {ctx.command.name} --help for {key}"
            ) from None
        if key in TEMPLATES:
            names.check_template(where, str(value), TEMPLATES[key])
        return value
