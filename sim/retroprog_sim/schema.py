"""JSON Schemas of the files people write, so that editors check and complete them.

Each format's schema is made from the models that read it: an attrs field's
validator gives its type and range (:func:`retroprog.support.json_schema`),
its ``:param:`` line gives its description, its default the default; the run
settings (``SETTINGS``) give an experiment file's
keys.  So a schema cannot say other than what loading the file checks, and
the files shipped in the package (``retroprog_sim/schemas/NAME.schema.json``)
are these, written by ``python -m retroprog_sim.schema sim/retroprog_sim/schemas``
and checked by the tests (``python -m retroprog_sim.schema FOLDER`` writes them
anywhere, e.g. beside a project's files for an editor).  A new format is one
function here and one entry in :data:`FORMATS`.

>>> from retroprog_sim.schema import FORMATS, json_schema
>>> sorted(FORMATS)
['experiment', 'log', 'population', 'protocol']
>>> json_schema("log")["properties"]["pain"]["maximum"]
10
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import attrs

import retroprog
from retroprog import support as v
from retroprog.exceptions import InvalidValueError
from retroprog.support import ProtocolFileKeys

from .present.parameters import field_docs
from .settings import SETTINGS, RunSettings

__all__ = ["FORMATS", "json_schema", "schema_file", "schema_text", "write_schemas"]

#: The JSON Schema dialect of every schema (the newest that editors widely read).
DIALECT = "http://json-schema.org/draft-07/schema#"

Schema = dict[str, Any]


def _fields(cls: type, only: Iterable[str] | None = None) -> dict[str, Schema]:
    """Each field of ``cls`` (or those in ``only``) as a property: type, range, meaning, default."""
    docs = field_docs(cls)
    defaults = {f.name: f.default for f in attrs.fields(cls)}
    found: dict[str, Schema] = {}
    for name, validator in v.field_validators(cls).items():
        if only is not None and name not in only:
            continue
        schema = v.json_schema(validator)
        if name in docs:
            schema["description"] = docs[name]
        default = defaults[name]
        if type(default) in (bool, int, float, str):  # not a factory, nothing or None
            schema["default"] = default
        found[name] = schema
    return found


def _table(properties: Mapping[str, Schema], **more: Any) -> Schema:
    """A table (JSON object) with these keys and no others."""
    return {"type": "object", "properties": dict(properties), "additionalProperties": False, **more}


def _text(description: str) -> Schema:
    return {"type": "string", "description": description}


# -- protocol files ---------------------------------------------------------------------------

_PLAN = _text('session plan text, e.g. "walk 5 min, 8 × (run 60 s, walk 90 s)"')


def protocol_schema() -> Schema:
    """A protocol file (TOML): its name, its stages, and settings they share."""
    keys = ProtocolFileKeys()
    stage = _fields(retroprog.Stage)
    for key in keys.plans:
        stage[key] = {
            **_PLAN,
            **({"description": stage[key]["description"]} if "description" in stage[key] else {}),
        }
    level_fields = _fields(retroprog.Level, keys.level)
    level = _table({"plan": _PLAN, **level_fields}, required=["plan"])
    stage["levels"] = {
        "type": "array",
        "minItems": 1,
        "items": {"anyOf": [_PLAN, level]},
        "description": stage.get("levels", {}).get("description", "the stage's levels, in order"),
    }
    top = _fields(retroprog.StagedProtocol, keys.top)
    top["schema"] = {
        "type": "integer",
        "minimum": 1,
        "maximum": keys.schema,
        "default": keys.schema,
        "description": "the protocol file schema the file is written in",
    }
    top["description"] = _text("what the protocol is, in a sentence")
    top["defaults"] = _table(
        {k: s for k, s in stage.items() if k in keys.shared},
        description="stage settings every stage takes unless it gives its own",
    )
    top["stages"] = {
        "type": "array",
        "minItems": 1,
        "items": _table(stage, required=["name"]),
        "description": "the stages in order, each a [[stages]] table",
    }
    return _table(top, required=["name", "stages"])


# -- session logs -----------------------------------------------------------------------------


def log_schema() -> Schema:
    """One line of a session log (JSON Lines): what happened in one session."""
    fields = _fields(retroprog.SessionOutcome)
    fields["schema"] = {
        "type": "integer",
        "minimum": 1,
        "maximum": retroprog.SCHEMA_VERSION,
        "description": "the document schema (a session line without it is read as the newest)",
    }
    fields["type"] = {"const": "SessionOutcome"}
    return _table(fields)


# -- experiment files -------------------------------------------------------------------------


def _entry(keys: Mapping[str, Schema], what: str) -> Schema:
    """A list of named entries: each a name, or a table with at least its name."""
    name = _text(f"a {what}: a built-in or plug-in name, a file, or MODULE:ATTR")
    return {
        "type": "array",
        "items": {"anyOf": [name, _table({"name": name, **keys}, required=["name"])]},
    }


_PARAMS = {
    "type": "object",
    "description": "parameters by name, as `retroprog describe NAME` lists them",
}
_GRID = {
    "type": "object",
    "additionalProperties": {"type": "array", "minItems": 1},
    "description": "for sweeps: each parameter's values to try",
}
_LABEL = _text("the name the results give it (default: its name)")


def experiment_schema() -> Schema:
    """An experiment file (TOML): what ``retroprog compare`` or ``sweep`` runs."""
    settings = _fields(RunSettings)
    top: dict[str, Schema] = {}
    output: dict[str, Schema] = {"dir": _text("the output folder (default: <file stem>-results)")}
    for name, setting in SETTINGS.items():
        *table, key = setting.key.split(".")
        (output if table else top)[key] = settings[name]
    seed = top.pop("seed")
    protocol = _text("the protocol: a built-in or plug-in name, or a protocol file")
    protocol_table = _table(
        {
            "name": protocol,
            "params": {**_PARAMS, "description": "stage settings for every stage"},
            "grid": _GRID,
        },
        required=["name"],
    )
    top |= {
        "name": _text("the experiment's name (default: the file's stem)"),
        "description": _text("what the experiment asks, in a sentence"),
        "protocol": {"anyOf": [protocol, protocol_table]},
        "seed": seed,
        "seeds": {
            "type": "array",
            "minItems": 1,
            "items": {k: s for k, s in seed.items() if k != "default"},
            "description": "several seeds: every run once per seed",
        },
        "populations": _entry({"label": _LABEL, "params": _PARAMS}, "population"),
        "policies": {
            **_entry(
                {
                    "label": _LABEL,
                    "params": _PARAMS,
                    "grid": _GRID,
                    "protocol": {"anyOf": [protocol, protocol_table]},
                },
                "policy",
            ),
            "minItems": 1,
        },
        "output": _table(output, description="what is written, and where"),
        "tune": _tune(),
    }
    return _table(dict(sorted(top.items())), required=["policies"])


def _tune() -> Schema:
    """The ``[tune]`` table (``retroprog tune``): types here, ranges from its record's checks."""
    from .experiment.tuning import MAX_TRIALS, TuneSpec

    docs = field_docs(TuneSpec)
    whole = {"type": "integer", "minimum": 0}
    number = {"type": "number"}
    choice = {"type": ["string", "number", "boolean"]}
    types: dict[str, Schema] = {
        "policy": {"type": "string"},
        "params": {"type": "object"},
        "space": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": {
                "anyOf": [
                    {"type": "array", "minItems": 2, "maxItems": 2, "items": number},
                    {"type": "array", "minItems": 1, "items": choice},
                    _table({"choices": {"type": "array", "minItems": 1, "items": choice}}),
                ]
            },
        },
        "trials": {"type": "integer", "minimum": 1, "maximum": MAX_TRIALS},
        "objective": {"type": "string"},
        "direction": {"enum": ["maximize", "minimize"]},
        "constraints": {"type": "object", "additionalProperties": number},
        "confirm_seeds": {"type": "array", "minItems": 1, "uniqueItems": True, "items": whole},
        "seed": whole,
        "check_examples": {"type": "integer", "minimum": 1},
        "confirm_tries": {"type": "integer", "minimum": 1},
        "batch": {"type": "integer", "minimum": 1},
    }
    defaults = {f.name: f.default for f in attrs.fields(TuneSpec)}
    properties: dict[str, Schema] = {}
    for name, schema in types.items():
        default = defaults[name]
        properties[name] = {
            **schema,
            "description": docs[name],
            **({"default": default} if type(default) in (int, str) else {}),
        }
    return _table(properties, description="retroprog tune: what is searched, under which limits")


# -- population files -------------------------------------------------------------------------


def population_schema() -> Schema:
    """A population file (TOML): each client parameter's distribution across clients."""
    from .model.params import ClientParams
    from .model.population import DISTRIBUTIONS, Distribution

    kinds = field_docs(Distribution)
    number = {"type": "number"}
    distribution = _table(
        {
            "distribution": {"enum": list(DISTRIBUTIONS), "description": kinds["kind"]},
            "median": {**number, "description": kinds["median"]},
            "value": {**number, "description": "the value of a fixed parameter"},
            "sigma": {**number, "minimum": 0, "description": kinds["sigma"]},
            "low": {**number, "description": kinds["low"]},
            "high": {**number, "description": kinds["high"]},
            "source": _text(kinds["source"]),
            "assumption": _text(kinds["assumption"]),
        },
        required=["distribution"],
        anyOf=[{"required": ["source"]}, {"required": ["assumption"]}],
    )
    parameters = {
        name: {**distribution, "description": doc} for name, doc in field_docs(ClientParams).items()
    }
    correlation = _table(
        {
            "between": {
                "type": "array",
                "minItems": 2,
                "maxItems": 2,
                "items": {"enum": list(parameters)},
                "description": "two different parameters",
            },
            "rho": {
                **number,
                "exclusiveMinimum": -1,
                "exclusiveMaximum": 1,
                "description": "their correlation (of the clients' normal draws)",
            },
            "source": _text("where the correlation comes from"),
            "assumption": _text("why it was chosen, when no source gives it"),
        },
        required=["between", "rho"],
    )
    return _table(
        {
            "name": _text("the population's name"),
            "description": _text("who the clients are, in a sentence"),
            "source": _text("where the population's figures come from"),
            "heterogeneity": {
                **number,
                "minimum": 0,
                "default": 1.0,
                "description": "scales every spread (0: every client is the median client)",
            },
            "parameters": _table(parameters, required=list(parameters)),
            "correlations": {"type": "array", "items": correlation},
        },
        required=["name", "parameters"],
    )


# -- the formats ------------------------------------------------------------------------------

#: Each format's schema, by name (a new format: its function, and an entry here).
FORMATS: dict[str, Callable[[], Schema]] = {
    "protocol": protocol_schema,
    "experiment": experiment_schema,
    "log": log_schema,
    "population": population_schema,
}


def json_schema(name: str) -> Schema:
    """The JSON Schema of format ``name`` (see :data:`FORMATS`)."""
    if name not in FORMATS:
        raise InvalidValueError("format", name, f"must be one of {', '.join(FORMATS)}")
    build = FORMATS[name]
    title = (build.__doc__ or name).splitlines()[0]
    return {
        "$schema": DIALECT,
        "title": f"retroprog {name}",
        "description": title,
        **build(),
    }


def schema_file(name: str) -> Path:
    """The shipped file of format ``name``'s schema (``retroprog_sim/schemas/NAME.schema.json``)."""
    return Path(str(resources.files("retroprog_sim") / "schemas" / f"{name}.schema.json"))


def schema_text(name: str) -> str:
    """Format ``name``'s schema as the shipped file holds it."""
    return json.dumps(json_schema(name), indent=2, ensure_ascii=False) + "\n"


def write_schemas(folder: Path) -> list[Path]:
    """Write every format's schema into ``folder`` as ``NAME.schema.json``, atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in FORMATS:
        path = folder / f"{name}.schema.json"
        v.write_text_atomic(path, schema_text(name))
        written.append(path)
    return written


if __name__ == "__main__":  # python -m retroprog_sim.schema FOLDER
    if len(sys.argv) != 2:
        sys.exit(
            "usage: python -m retroprog_sim.schema FOLDER"
            " (the package's own: sim/retroprog_sim/schemas)"
        )
    for path in write_schemas(Path(sys.argv[1])):
        print(path)
