"""Property-based fuzzing of the whole OpenAPI, authenticated, against the live server.

Every phase schemathesis has runs here: **examples** (from the schema), **coverage**
(boundary and just-outside-the-boundary values of every parameter, deterministically),
**fuzzing** (Hypothesis-generated valid and invalid inputs) per operation, and
**stateful** (sequences of calls chained by the links schemathesis infers: create a
customer, then read, change and delete that very customer). No response may be a 5xx,
and every response must match the documented status codes, content types and schemas.

CI runs a fixed, derandomized selection (Hypothesis ``derandomize``), so a failure
reproduces on every run; a release runs longer, from a seed of its own:

    RMS_FUZZ_EXAMPLES=2000 RMS_FUZZ_STATEFUL=500 RMS_FUZZ_SEED=$RANDOM \\
        python -m pytest -c .pytest.ini tests/api/test_schemathesis.py -n 2

``RMS_FUZZ_EXAMPLES`` is the fuzzing examples per operation (CI: 10; the examples and
coverage phases always run whole), ``RMS_FUZZ_STATEFUL`` the stateful scenarios (CI:
15) of up to ``RMS_FUZZ_STATEFUL_STEPS`` calls (CI: 8), and ``RMS_FUZZ_SEED`` the seed
(unset: derandomized); note it with a failure, and the same seed replays the run.

schemathesis 4's pytest plugin does not load on pytest 9, so the tests build the same
Hypothesis tests its own runner builds (``create_test``) and run them directly.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from hypothesis import seed as hypothesis_seed
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import FlakyStrategyDefinition
from schemathesis.generation.hypothesis.builder import (
    HypothesisTestConfig,
    HypothesisTestMode,
    create_test,
)
from schemathesis.generation.overrides import Override
from schemathesis.specs.openapi.checks import positive_data_acceptance

from app.core.config import Settings
from app.main import create_app
from tests.live_server import LiveServer
from tests.support import PASSWORD, new_email

FUZZ_EXAMPLES = int(os.environ.get("RMS_FUZZ_EXAMPLES", "10"))
STATEFUL_EXAMPLES = int(os.environ.get("RMS_FUZZ_STATEFUL", "15"))
STATEFUL_STEPS = int(os.environ.get("RMS_FUZZ_STATEFUL_STEPS", "8"))
LOGOUT = "/api/v1/auth/logout"
# Well-formed input may still be refused for business reasons (an unknown token, another
# tenant's id, a duplicate name), so only that one check is left out.
EXCLUDED_CHECKS = [positive_data_acceptance]


SEED = int(os.environ["RMS_FUZZ_SEED"]) if os.environ.get("RMS_FUZZ_SEED") else None


def _hypothesis(max_examples: int, **extra: Any) -> hypothesis_settings:
    return hypothesis_settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=SEED is None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],  # no shrinking: the failing case is shown
        **extra,
    )


@pytest.fixture(scope="module")
def live_server(settings: Settings) -> Iterator[LiveServer]:
    server = LiveServer(create_app(settings))
    server.start()
    yield server
    server.stop()


def _login(server: LiveServer, email: str) -> dict[str, str]:
    response = httpx.post(
        f"{server.url}/api/v1/auth/login", json={"email": email, "password": PASSWORD}
    )
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture(scope="module")
def fuzz_owner(live_server: LiveServer) -> str:
    email = new_email("fuzz")
    response = httpx.post(
        f"{live_server.url}/api/v1/auth/register",
        json={"company_name": "Fuzz Co", "full_name": "Fuzz", "email": email, "password": PASSWORD},
    )
    response.raise_for_status()
    return email


@pytest.fixture(scope="module")
def fuzz_headers(live_server: LiveServer, fuzz_owner: str) -> dict[str, str]:
    return _login(live_server, fuzz_owner)


@functools.cache
def _spec() -> dict[str, Any]:
    """The app's own OpenAPI, built once per process (it takes seconds to build)."""
    spec: dict[str, Any] = create_app(
        Settings(DATABASE_URL="postgresql://unused@/unused")
    ).openapi()
    return spec


@pytest.fixture(scope="module")
def api_schema(live_server: LiveServer) -> Any:
    schema = schemathesis.openapi.from_dict(_spec())
    schema.config.update(base_url=live_server.url)
    return schema


def _operations() -> list[tuple[str, str]]:
    """Every operation (read at collection, without a server)."""
    return [(m.upper(), path) for path, operations in _spec()["paths"].items() for m in operations]


@pytest.mark.slow
@pytest.mark.parametrize(("method", "path"), _operations())
def test_api_conforms_to_its_schema(
    method: str,
    path: str,
    api_schema: Any,
    live_server: LiveServer,
    fuzz_owner: str,
    fuzz_headers: dict[str, str],
) -> None:
    """Examples, coverage and fuzzing of one operation, valid and invalid inputs alike."""
    operation = api_schema[path][method]
    # Logging out ends the shared session, so that operation gets sessions of its own.
    logs_out = path == LOGOUT
    # The caller's credentials are fixed, so invalid cases are invalid in what they test.
    override = Override(headers=dict(fuzz_headers))

    def run(case: Any) -> None:
        headers = _login(live_server, fuzz_owner) if logs_out else fuzz_headers
        case.call_and_validate(
            base_url=live_server.url, headers=headers, excluded_checks=EXCLUDED_CHECKS
        )

    test = create_test(
        operation=operation,
        test_func=run,
        config=HypothesisTestConfig(
            project=api_schema.config,
            modes=list(HypothesisTestMode),  # examples, coverage, fuzzing
            settings=_hypothesis(FUZZ_EXAMPLES),
            seed=SEED,
            override=override,
        ),
    )
    test()


@pytest.mark.slow
def test_stateful_sequences_conform_to_the_schema(
    api_schema: Any, live_server: LiveServer, fuzz_headers: dict[str, str]
) -> None:
    """Chains of calls over the links schemathesis infers from the schema (a created
    resource's id feeds the operations on that resource)."""
    # A logout, or ending a session found by listing them, would end every later step's.
    schema = api_schema.exclude(path=LOGOUT).exclude(path_regex=r"^/api/v1/auth/sessions/")
    machine = schema.as_state_machine()
    steps: list[tuple[str, int]] = []

    class AuthenticatedStateMachine(machine):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"base_url": live_server.url, "headers": fuzz_headers}

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            steps.append((case.operation.label, response.status_code))
            case.validate_response(
                response, excluded_checks=EXCLUDED_CHECKS, transport_kwargs=kwargs
            )

    settings = _hypothesis(STATEFUL_EXAMPLES, stateful_step_count=STATEFUL_STEPS)
    if SEED is not None:
        hypothesis_seed(SEED)(AuthenticatedStateMachine)
    # If the server's state moved between two runs of one sequence (a resource made by an
    # earlier scenario), Hypothesis cannot replay it: schemathesis's own runner ends the
    # phase there too. A failure found before that is raised as such, not suppressed.
    with contextlib.suppress(FlakyStrategyDefinition):
        AuthenticatedStateMachine.run(settings=settings)
    # Not vacuous: scenarios ran, over many operations, and chained ones succeeded.
    assert len(steps) >= STATEFUL_EXAMPLES, steps
    assert len({label for label, _ in steps}) >= 10, steps
    assert any(200 <= status < 300 for _, status in steps[1:]), steps
