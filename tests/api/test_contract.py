"""The OpenAPI document is the API's contract, checked by a tool nobody here wrote: Schemathesis runs generated
requests against the whole API in-process (ASGI) and fails on a server error, an undocumented status code or a body
that breaks its documented schema — first operation by operation, then in stateful sequences (ids one answer gives
fed to the next request). The examples are bounded so the run stays around a minute or two.

The whole customer journey, with workers, is driven by a generated client in tests/e2e/test_generated_client.py.
"""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, note, settings
from pydantic import SecretStr
from schemathesis.checks import not_a_server_error
from schemathesis.core.transport import Response
from schemathesis.generation.case import Case
from schemathesis.generation.modes import GenerationMode
from schemathesis.python import asgi
from schemathesis.schemas import BaseSchema
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance
from temporalio.testing import WorkflowEnvironment

import manage
from api.main import create_app
from testkit.api import photo_bytes
from testkit.outbox import take_link_token
from testkit.settings import make_settings

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
BOUNDED = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                   suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def contract(tmp_path_factory: pytest.TempPathFactory,
             dev_server: WorkflowEnvironment) -> Iterator[tuple[BaseSchema, dict[str, str]]]:
    """The API on a fresh SQLite database, its document loaded by Schemathesis, and a customer's bearer header.

    The API connects to the session's Temporal server itself (on Schemathesis' event loop); no worker polls its
    task queue, so a started generation stays `pending` — enough for every answer the API gives about it.
    """
    run = uuid.uuid4().hex[:8]
    app_settings = make_settings(
        tmp_path_factory.mktemp("contract"), temporal_address=dev_server.client.service_client.config.target_host,
        task_queue=f"contract-{run}", provider_task_queue=f"contract-{run}-provider",
        workflow_id_prefix=f"contract-{run}")
    secret = SecretStr("whsec_" + base64.b64encode(b"contract-secret").decode())  # else the webhook answers 503
    app_settings = app_settings.model_copy(update={
        "replicate": app_settings.replicate.model_copy(update={"webhook_secret": secret})})
    manage.migrate(app_settings)
    asyncio.run(manage.seed(app_settings))
    app = create_app(app_settings)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    schema.config.max_stream_events = 1  # the event stream's snapshot: a live stream would go on for minutes
    client = asgi.get_client(app)  # Schemathesis' own client: the app's lifespan runs once, on its event loop
    registered = client.post("/api/auth/register", json={"email": "schema@example.com", "password": "long enough"})
    assert registered.status_code == 202, registered.text
    link = take_link_token(app_settings.outbox_dir, "schema@example.com", "verify")
    token = client.post("/api/auth/verify", json={"token": link})
    assert token.status_code == 200, token.text
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    # A photo and a (pending) generation, so small ids lead somewhere real.
    uploaded = client.post("/api/photos", headers=headers,
                           files=[("files", ("photo.jpg", photo_bytes(1024, 768), "image/jpeg"))])
    assert uploaded.status_code == 201, uploaded.text
    started = client.post("/api/calendars/generate", headers=headers,
                          json={"template_id": 1, "photo_ids": [uploaded.json()[0]["id"]]})
    assert started.status_code == 202, started.text
    # The landing page's sample calendar is rendered on its first request (seconds, more on a loaded machine):
    # render it here, so Schemathesis' per-request timeout measures answers, not that one-off render.
    for locale in ("uk", "en"):
        assert client.get(f"/api/showcase/{locale}/pages/0").status_code == 200
    yield schema, headers
    client.close()
    asgi.shutdown_lifespans()  # the app's lifespan ends here, while the Temporal server it talks to still runs


@pytest.fixture(scope="module")
def api_schema(contract: tuple[BaseSchema, dict[str, str]]) -> BaseSchema:
    return contract[0]


@pytest.fixture(scope="module")
def customer(contract: tuple[BaseSchema, dict[str, str]]) -> dict[str, str]:
    return contract[1]


def _validate(case: Case, response: Response) -> None:
    case.validate_response(response, checks=CHECKS)


def test_every_operation_keeps_its_documented_contract(api_schema: BaseSchema, customer: dict[str, str]) -> None:
    # One Hypothesis run per operation (Schemathesis' pytest plugin, `from_fixture`, does not run on pytest 9).
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 20
    for operation in operations:
        # Valid requests and invalid ones (wrong types, missing fields): both must get documented answers.
        @BOUNDED
        @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE)
               | operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
        def keeps_contract(case: Case) -> None:
            note(case.operation.label)
            _validate(case, case.call(headers=customer))

        keeps_contract()


def test_sequences_of_calls_keep_the_contract(api_schema: BaseSchema, customer: dict[str, str]) -> None:
    class Customer(api_schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: Case) -> dict[str, Any]:
            return {"headers": customer}

        def validate_response(self, response: Response, case: Case, additional_checks: Any = None,
                              **kwargs: Any) -> None:
            _validate(case, response)

    Customer.run(settings=settings(BOUNDED, max_examples=25, stateful_step_count=8))


def test_the_document_names_every_problem_with_its_schema(api_schema: BaseSchema) -> None:
    document = api_schema.raw_schema
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    content = response["content"]["application/problem+json"]
                    assert content["schema"] == {"$ref": "#/components/schemas/Problem"}, (method, path, status)
                    assert all(example["value"]["status"] == int(status) for example in content["examples"].values())
            assert operation.get("summary") and operation.get("tags"), (method, path)
    assert "HTTPValidationError" not in document["components"]["schemas"]
