"""What retroprog's own harness, and any other tool built on retroprog, may use.

The core keeps its machinery in private modules; this module declares the
part of it that other packages may rely on (the simulation harness imports
nothing else of retroprog that is private):

* **validators** for attrs fields (and for raw file values, through
  :func:`problem`), raising :exc:`~retroprog.exceptions.InvalidValueError`;
* **files written whole or not at all** (:func:`write_atomic`,
  :func:`write_text_atomic`), durable after a power loss;
* **errors that list every problem of a file** (:exc:`FileProblemsError`,
  :class:`Problem`);
* **users' files read safely**: :func:`read_text` (a regular file, within a
  size limit), :func:`loads_toml` and :func:`loads_json` (nesting and number
  limits), with the limits :data:`MAX_TOML_BYTES`, :data:`MAX_LOG_BYTES`,
  :data:`MAX_DEPTH` and :data:`MAX_DIGITS`;
* **trusted constructors** (:func:`trusted`): a hot value type built from
  values the library computed itself, nothing checked again (the simulation's
  hot path);
* **plug-ins**: :func:`resolve` (a name, a file or ``MODULE:ATTR`` to its
  object) and :func:`check_keywords`;
* **install hints**: :func:`install_hint` says how to install an extra, naming
  the folder when retroprog was installed from a clone;
* **"did you mean"**: :func:`did_you_mean` for a name or key that is not there;
* **JSON Schema**: :func:`json_schema`, what a validator accepts, with
  :func:`with_json_schema`, :func:`field_validators` and
  :class:`ProtocolFileKeys`, for published schemas
  of files.

>>> import attrs
>>> from retroprog import support
>>> @attrs.frozen
... class Dose:
...     minutes: int = attrs.field(validator=support.integer(1, 60))
>>> Dose(90)
Traceback (most recent call last):
...
retroprog.exceptions.InvalidValueError: minutes: must be a whole number between 1 and 60, got 90
>>> support.problem(attrs.fields(Dose).minutes, 0)
'must be a whole number between 1 and 60, got 0'
"""

from ._atomic import fsync_folder, write_atomic, write_text_atomic
from ._extras import install_hint
from ._files import (
    MAX_DEPTH,
    MAX_DIGITS,
    MAX_LOG_BYTES,
    MAX_TOML_BYTES,
    FileError,
    loads_json,
    loads_toml,
    read_text,
)
from ._guess import did_you_mean
from ._protocol import ProtocolFileKeys
from ._resolve import FileReader, check_keywords, importable_here, resolve
from ._validators import (
    Validator,
    field_validators,
    flag,
    instance,
    integer,
    json_schema,
    name,
    number,
    optional,
    positive,
    problem,
    raise_first,
    text,
    trusted,
    with_json_schema,
)
from .exceptions import FileProblemsError, Problem

__all__ = [
    "MAX_DEPTH",
    "MAX_DIGITS",
    "MAX_LOG_BYTES",
    "MAX_TOML_BYTES",
    "FileError",
    "FileProblemsError",
    "FileReader",
    "Problem",
    "ProtocolFileKeys",
    "Validator",
    "check_keywords",
    "did_you_mean",
    "field_validators",
    "flag",
    "fsync_folder",
    "importable_here",
    "install_hint",
    "instance",
    "integer",
    "json_schema",
    "loads_json",
    "loads_toml",
    "name",
    "number",
    "optional",
    "positive",
    "problem",
    "raise_first",
    "read_text",
    "resolve",
    "text",
    "trusted",
    "with_json_schema",
    "write_atomic",
    "write_text_atomic",
]
