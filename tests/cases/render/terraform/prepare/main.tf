# wi-migrate render: Azure side of stage prepare of fixtures/sample-gitops.
# Federated identity credentials that let Kubernetes ServiceAccounts sign in as user-assigned
# managed identities. The credentials of one identity depend on each other, so Azure gets
# them one at a time (concurrent writes to one identity fail with 409).

# New identity legacy-sp: replaces the service principal 8f9a0b1c-2d3e-4f5a-96b7-c8d9e0f1a2b3
# of AzureIdentity legacy/legacy-sp (workload identity cannot federate a secret).
# Give it the role assignments the service principal had (az role assignment list
# --assignee 8f9a0b1c-2d3e-4f5a-96b7-c8d9e0f1a2b3 --all) with azurerm_role_assignment resources.
resource "azurerm_user_assigned_identity" "legacy_sp" {
  name                = "legacy-sp"
  resource_group_name = var.identity_resource_group
  location            = var.identity_location
}

# legacy-sp <- ServiceAccount legacy/legacy-sp
resource "azurerm_federated_identity_credential" "legacy_sp_prod_aks_legacy_legacy_sp" {
  name                      = "prod-aks-legacy-legacy-sp"
  user_assigned_identity_id = azurerm_user_assigned_identity.legacy_sp.id
  audience                  = ["api://AzureADTokenExchange"]
  issuer                    = "https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000001/"
  subject                   = "system:serviceaccount:legacy:legacy-sp"
}

# id-analytics-reader <- ServiceAccount analytics/analytics-reader
resource "azurerm_federated_identity_credential" "id_analytics_reader_prod_aks_analytics_analytics_reader" {
  name                      = "prod-aks-analytics-analytics-reader"
  user_assigned_identity_id = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-identities-prod/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-analytics-reader"
  audience                  = ["api://AzureADTokenExchange"]
  issuer                    = "https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000001/"
  subject                   = "system:serviceaccount:analytics:analytics-reader"
}

# id-legacy-archive <- ServiceAccount legacy/legacy-archive
resource "azurerm_federated_identity_credential" "id_legacy_archive_prod_aks_legacy_legacy_archive" {
  name                      = "prod-aks-legacy-legacy-archive"
  user_assigned_identity_id = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-legacy-prod/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-legacy-archive"
  audience                  = ["api://AzureADTokenExchange"]
  issuer                    = "https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000001/"
  subject                   = "system:serviceaccount:legacy:legacy-archive"
}

# id-monitoring-writer <- ServiceAccount monitoring/log-shipper
resource "azurerm_federated_identity_credential" "id_monitoring_writer_prod_aks_monitoring_log_shipper" {
  name                      = "prod-aks-monitoring-log-shipper"
  user_assigned_identity_id = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-monitoring-prod/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-monitoring-writer"
  audience                  = ["api://AzureADTokenExchange"]
  issuer                    = "https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000001/"
  subject                   = "system:serviceaccount:monitoring:log-shipper"
}

# id-monitoring-writer <- ServiceAccount monitoring/prometheus-k8s
resource "azurerm_federated_identity_credential" "id_monitoring_writer_prod_aks_monitoring_prometheus_k8s" {
  name                      = "prod-aks-monitoring-prometheus-k8s"
  user_assigned_identity_id = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-monitoring-prod/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-monitoring-writer"
  audience                  = ["api://AzureADTokenExchange"]
  issuer                    = "https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000001/"
  subject                   = "system:serviceaccount:monitoring:prometheus-k8s"

  depends_on = [azurerm_federated_identity_credential.id_monitoring_writer_prod_aks_monitoring_log_shipper]
}

# id-orders-api <- ServiceAccount orders/orders-api
resource "azurerm_federated_identity_credential" "id_orders_api_prod_aks_orders_orders_api" {
  name                      = "prod-aks-orders-orders-api"
  user_assigned_identity_id = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-identities-prod/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-orders-api"
  audience                  = ["api://AzureADTokenExchange"]
  issuer                    = "https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000001/"
  subject                   = "system:serviceaccount:orders:orders-api"
}

# id-orders-reconcile <- ServiceAccount orders/orders-reconcile
resource "azurerm_federated_identity_credential" "id_orders_reconcile_prod_aks_orders_orders_reconcile" {
  name                      = "prod-aks-orders-orders-reconcile"
  user_assigned_identity_id = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-identities-prod/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-orders-reconcile"
  audience                  = ["api://AzureADTokenExchange"]
  issuer                    = "https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000001/"
  subject                   = "system:serviceaccount:orders:orders-reconcile"
}

# id-payments-api <- ServiceAccount payments/payments-api
resource "azurerm_federated_identity_credential" "id_payments_api_prod_aks_payments_payments_api" {
  name                      = "prod-aks-payments-payments-api"
  user_assigned_identity_id = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-identities-prod/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-payments-api"
  audience                  = ["api://AzureADTokenExchange"]
  issuer                    = "https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000001/"
  subject                   = "system:serviceaccount:payments:payments-api"
}

# id-reporting-sql <- ServiceAccount reporting/report-builder
resource "azurerm_federated_identity_credential" "id_reporting_sql_prod_aks_reporting_report_builder" {
  name                      = "prod-aks-reporting-report-builder"
  user_assigned_identity_id = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-identities-prod/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-reporting-sql"
  audience                  = ["api://AzureADTokenExchange"]
  issuer                    = "https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000001/"
  subject                   = "system:serviceaccount:reporting:report-builder"
}

# id-reporting-storage <- ServiceAccount reporting/report-builder
resource "azurerm_federated_identity_credential" "id_reporting_storage_prod_aks_reporting_report_builder" {
  name                      = "prod-aks-reporting-report-builder"
  user_assigned_identity_id = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-identities-prod/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-reporting-storage"
  audience                  = ["api://AzureADTokenExchange"]
  issuer                    = "https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000001/"
  subject                   = "system:serviceaccount:reporting:report-builder"
}

# id-web-frontend <- ServiceAccount web/web-frontend
resource "azurerm_federated_identity_credential" "id_web_frontend_prod_aks_web_web_frontend" {
  name                      = "prod-aks-web-web-frontend"
  user_assigned_identity_id = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-identities-prod/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-web-frontend"
  audience                  = ["api://AzureADTokenExchange"]
  issuer                    = "https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000001/"
  subject                   = "system:serviceaccount:web:web-frontend"
}
