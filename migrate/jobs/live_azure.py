"""The Azure side of a live stage, through migrate.azure: the prepare stage's identities and
federated credentials (`prepare_azure`), and the credentials gate before switch.

wi-migrate's kube code never imports an Azure SDK: this adapter turns migrate.azure's
per-item results into step results.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from migrate.jobs.live import AZURE_ACTIONS, Credentials
from migrate.model import progress
from migrate.model.plan import CreateFederatedCredential, Plan
from migrate.model.stages import PREPARE
from migrate.write.live.steps import Result


class AzureCredentials(Credentials):
    def __init__(
        self,
        context: Any,  # a migrate.azure.context.AzureContext
        *,
        write: bool = True,  # False for --dry-run=server: Azure has no dry run, it only reads
        location: str = "",
        sp_object_ids: Mapping[str, str] | None = None,
    ) -> None:
        self.context = context
        self.write = write
        self.location = location
        self.sp_object_ids = dict(sp_object_ids or {})

    def sign_in(self) -> None:
        self.context.sign_in()

    def prepare(self, plan: Plan) -> tuple[Plan, list[Result]]:
        from migrate.azure.prepare import prepare_azure

        prepare = plan.stage(PREPARE)
        total = sum(isinstance(a, AZURE_ACTIONS) for a in prepare)
        with progress.counting(total, "Azure: identities and federated credentials") as advance:
            done = prepare_azure(
                plan,
                self.context,
                write=self.write,
                location=self.location,
                sp_object_ids=self.sp_object_ids,
                on_result=lambda r: None if r.kind == "role-assignment" else advance(),
            )
        results = [
            Result(PREPARE, f"{r.kind} {r.target}", r.status, _detail(r.detail, r.commands))
            for r in done.results
        ]
        return done.plan, results

    def missing(self, actions: Sequence[CreateFederatedCredential]) -> list[str]:
        """Credentials not found on their identity by (issuer, subject) (docs/domain.md §2)."""
        from migrate.azure.federated import list_existing

        found: dict[str, set[tuple[str, str]]] = {}
        out = []
        for action in progress.track(actions, "Azure: reading federated credentials"):
            identity = action.identity
            where = f"{action.credential.name} on {identity.name}"
            if identity.new:
                out.append(f"{where} (the identity does not exist yet)")
                continue
            if identity.resource_id not in found:
                try:
                    existing = list_existing(identity, self.context)
                except Exception as e:  # an SDK error of any kind: the gate reports it
                    out.append(f"{where}: cannot read the identity ({type(e).__name__}: {e})")
                    continue
                found[identity.resource_id] = {(c.issuer, c.subject) for c in existing}
            pair = (action.credential.issuer, action.credential.subject)
            if pair not in found[identity.resource_id]:
                out.append(where)
        return out

    def token_failures(self, plan: Plan, connection: Any) -> list[str]:
        from migrate.azure.tokens import PASSED, verify_tokens
        from migrate.kubeapi.oidc import token_source

        checks = verify_tokens(plan, token_source(connection), self.context)
        return [
            f"ServiceAccount {c.service_account} with {c.identity}: {c.status} {c.code} {c.detail}"
            for c in checks
            if c.status != PASSED
        ]


def _detail(detail: str, commands: tuple[str, ...]) -> str:
    return "; ".join([detail, *commands]) if commands else detail
