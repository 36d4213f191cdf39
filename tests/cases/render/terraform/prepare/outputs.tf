# wi-migrate render: client ids of the new identities. Each goes into the
# azure.workload.identity/client-id annotation of its ServiceAccounts (kubernetes target).

output "legacy_sp_client_id" {
  description = "Client id of legacy-sp (replaces service principal 8f9a0b1c-2d3e-4f5a-96b7-c8d9e0f1a2b3)."
  value       = azurerm_user_assigned_identity.legacy_sp.client_id
}
