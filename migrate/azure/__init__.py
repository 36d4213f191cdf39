"""Everything Azure: federated credentials, identities for service principals, role
assignments, the cluster's OIDC issuer, and token checks (the prepare stage).

Public API (the SDKs are imported inside these functions, never by importing this package):

- `context.connect(subscription=, cloud=, arm_endpoint=, authority=, concurrency=) -> AzureContext`
- `prepare.prepare_azure(plan, context, *, write, location=, sp_object_ids=, on_result=)
  -> AzurePrepared(plan, results)`: identities, then credentials, then role assignments.
- `federated.ensure_federated_credentials(actions, context, *, write, on_result=)
  -> list[ItemResult]`, one result per action, same order.
- `identities.ensure_identities(actions, context, *, write, location=, on_result=)
  -> list[IdentityOutcome]`; `roles.copy_role_assignments(outcome, context, *, write,
  sp_object_id=, on_result=) -> list[ItemResult]`; `binding.bind_identities(plan, identities)`.
- `issuer.aks_cluster(context, resource_group, name) -> AksCluster`, `issuer.aks_issuer(cluster)`
  (the cluster's own discovery document is read by migrate.kubeapi.oidc; which issuer wins is
  migrate.planner.issuer's policy).
- `tokens.verify_tokens(plan, tokens, context, *, tenant_id=, probe=, on_check=)
  -> list[TokenCheck]`, with `tokens` a ServiceAccount's token source
  (migrate.kubeapi.oidc.token_source(connection)).

Per-item failures are values (`results.ItemResult`, `tokens.TokenCheck`); only a problem with the
whole run (no issuer, a bad option) raises `UserError`.
"""
