"""retroprog: exercise progression protocols as typed, replayable software.

Record a session, get the next prescription and the reason for it:

>>> import retroprog
>>> protocol = retroprog.load_protocol("retro-walk-run")
>>> policy = retroprog.load_policy("reference")
>>> state = retroprog.start(protocol)
>>> decision = policy.decide(protocol, state, retroprog.SessionOutcome(dizziness=True))
>>> decision.action, decision.explanation
(<Action.HOLD: 'hold'>, 'held at 15 s: dizzy (already the shortest bout)')
>>> str(decision.prescription)
'retro-walk: 1 × 15 s'
"""

from . import exceptions as exceptions
from . import plugins as plugins
from ._decision import Action, Decision, Reason
from ._guards import (
    GapRegress,
    Guard,
    GuardedPolicy,
    NoProgressAfterAdverse,
    OneStep,
    WeeklyCap,
    guarded,
    load_guard,
)
from ._json import SCHEMA_VERSION, from_dict, from_json, to_dict, to_json
from ._log import amend_log, dumps_log, loads_log, read_log, write_log
from ._outcome import SessionOutcome
from ._plan import Segment, parse_plan, plan_text
from ._policy import PAIN_CEILING, RegressionPolicy, RulePolicy, pain_bounds
from ._presets import load_policy
from ._protocol import ProgressionProtocol, StagedProtocol, builtin_protocols, load_protocol
from ._replay import replay, start
from ._stage import Level, Prescription, Stage
from ._state import ClientState, Status
from ._version import __version__

__all__ = [
    "PAIN_CEILING",
    "SCHEMA_VERSION",
    "Action",
    "ClientState",
    "Decision",
    "GapRegress",
    "Guard",
    "GuardedPolicy",
    "Level",
    "NoProgressAfterAdverse",
    "OneStep",
    "Prescription",
    "ProgressionProtocol",
    "Reason",
    "RegressionPolicy",
    "RulePolicy",
    "Segment",
    "SessionOutcome",
    "Stage",
    "StagedProtocol",
    "Status",
    "WeeklyCap",
    "__version__",
    "amend_log",
    "builtin_protocols",
    "dumps_log",
    "from_dict",
    "from_json",
    "guarded",
    "load_guard",
    "load_policy",
    "load_protocol",
    "loads_log",
    "pain_bounds",
    "parse_plan",
    "plan_text",
    "read_log",
    "replay",
    "start",
    "to_dict",
    "to_json",
    "write_log",
]
