"""Every error pickles whole, so one raised in a worker process reaches its parent."""

from __future__ import annotations

import pickle
from concurrent.futures import ProcessPoolExecutor

import pytest

from retroprog import exceptions as ex

ERRORS = [
    ex.InvalidValueError("pain", 11, "must be a whole number between 0 and 10"),
    ex.PlanSyntaxError("run 5 lightyears", 5, "unknown unit"),
    ex.InvalidArgumentError("policy", None, "must be a policy"),
    ex.UnknownStageError("retro-skip", ["retro-walk", "retro-run"]),
    ex.UnknownParameterError("policy 'reference'", "stop_afte", ["stop_after"]),
    ex.FileProblemsError("clinic.toml", [ex.Problem("name", "missing")]),
    ex.ProtocolFileError("p.toml", [ex.Problem("stages", "missing")]),
    ex.SchemaVersionError(9, 2),
    ex.UnknownPluginError("retroprog.policies", "referense", ["reference"]),
]


@pytest.mark.parametrize("error", ERRORS, ids=lambda e: type(e).__name__)
def test_an_error_pickles_with_its_message_and_fields(error: ex.RetroprogError) -> None:
    copy = pickle.loads(pickle.dumps(error))

    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert copy.args == error.args
    assert vars(copy) == vars(error)


def _raise(error: ex.RetroprogError) -> None:
    raise error


def test_an_error_raised_in_a_worker_process_reaches_the_parent_whole() -> None:
    error = ex.InvalidValueError("pain", 11, "must be a whole number between 0 and 10")
    with ProcessPoolExecutor(max_workers=1) as pool:
        future = pool.submit(_raise, error)
        with pytest.raises(ex.InvalidValueError) as caught:
            future.result()

    assert (caught.value.field, caught.value.value, caught.value.reason) == (
        "pain",
        11,
        error.reason,
    )
