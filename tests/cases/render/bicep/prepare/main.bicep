// wi-migrate render: Azure side of stage prepare of fixtures/sample-gitops.
// Federated identity credentials that let Kubernetes ServiceAccounts sign in as user-assigned
// managed identities, and the identities that replace service principals.
// One module per resource group; inside it credentials are written one at a time
// (@batchSize(1)): Azure rejects concurrent writes to one identity (409).
// Deploy: az deployment sub create --location <region> --template-file main.bicep
targetScope = 'subscription'

@description('Resource group of the identities created to replace service principals.')
param identityResourceGroup string

// Resource group (identityResourceGroup)
module rg_1_new_identities 'federated-credentials.bicep' = {
  name: 'wi-migrate-1-new-identities'
  scope: resourceGroup(identityResourceGroup)
  params: {
    newIdentities: [
      // replaces service principal 8f9a0b1c-2d3e-4f5a-96b7-c8d9e0f1a2b3 of AzureIdentity legacy/legacy-sp
      'legacy-sp'
    ]
    credentials: [
      {
        // ServiceAccount legacy/legacy-sp
        identity: 'legacy-sp'
        name: 'prod-aks-legacy-legacy-sp'
        issuer: 'https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000001/'
        subject: 'system:serviceaccount:legacy:legacy-sp'
        audiences: [
          'api://AzureADTokenExchange'
        ]
      }
    ]
  }
}

// Resource group rg-identities-prod, subscription 00000000-0000-0000-0000-000000000001
module rg_2_rg_identities_prod 'federated-credentials.bicep' = {
  name: 'wi-migrate-2-rg-identities-prod'
  scope: resourceGroup('00000000-0000-0000-0000-000000000001', 'rg-identities-prod')
  params: {
    newIdentities: []
    credentials: [
      {
        // ServiceAccount analytics/analytics-reader
        identity: 'id-analytics-reader'
        name: 'prod-aks-analytics-analytics-reader'
        issuer: 'https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000001/'
        subject: 'system:serviceaccount:analytics:analytics-reader'
        audiences: [
          'api://AzureADTokenExchange'
        ]
      }
      {
        // ServiceAccount orders/orders-api
        identity: 'id-orders-api'
        name: 'prod-aks-orders-orders-api'
        issuer: 'https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000001/'
        subject: 'system:serviceaccount:orders:orders-api'
        audiences: [
          'api://AzureADTokenExchange'
        ]
      }
      {
        // ServiceAccount orders/orders-reconcile
        identity: 'id-orders-reconcile'
        name: 'prod-aks-orders-orders-reconcile'
        issuer: 'https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000001/'
        subject: 'system:serviceaccount:orders:orders-reconcile'
        audiences: [
          'api://AzureADTokenExchange'
        ]
      }
      {
        // ServiceAccount payments/payments-api
        identity: 'id-payments-api'
        name: 'prod-aks-payments-payments-api'
        issuer: 'https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000001/'
        subject: 'system:serviceaccount:payments:payments-api'
        audiences: [
          'api://AzureADTokenExchange'
        ]
      }
      {
        // ServiceAccount reporting/report-builder
        identity: 'id-reporting-sql'
        name: 'prod-aks-reporting-report-builder'
        issuer: 'https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000001/'
        subject: 'system:serviceaccount:reporting:report-builder'
        audiences: [
          'api://AzureADTokenExchange'
        ]
      }
      {
        // ServiceAccount reporting/report-builder
        identity: 'id-reporting-storage'
        name: 'prod-aks-reporting-report-builder'
        issuer: 'https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000001/'
        subject: 'system:serviceaccount:reporting:report-builder'
        audiences: [
          'api://AzureADTokenExchange'
        ]
      }
      {
        // ServiceAccount web/web-frontend
        identity: 'id-web-frontend'
        name: 'prod-aks-web-web-frontend'
        issuer: 'https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000001/'
        subject: 'system:serviceaccount:web:web-frontend'
        audiences: [
          'api://AzureADTokenExchange'
        ]
      }
    ]
  }
}

// Resource group rg-legacy-prod, subscription 00000000-0000-0000-0000-000000000001
module rg_3_rg_legacy_prod 'federated-credentials.bicep' = {
  name: 'wi-migrate-3-rg-legacy-prod'
  scope: resourceGroup('00000000-0000-0000-0000-000000000001', 'rg-legacy-prod')
  params: {
    newIdentities: []
    credentials: [
      {
        // ServiceAccount legacy/legacy-archive
        identity: 'id-legacy-archive'
        name: 'prod-aks-legacy-legacy-archive'
        issuer: 'https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000001/'
        subject: 'system:serviceaccount:legacy:legacy-archive'
        audiences: [
          'api://AzureADTokenExchange'
        ]
      }
    ]
  }
}

// Resource group rg-monitoring-prod, subscription 00000000-0000-0000-0000-000000000001
module rg_4_rg_monitoring_prod 'federated-credentials.bicep' = {
  name: 'wi-migrate-4-rg-monitoring-prod'
  scope: resourceGroup('00000000-0000-0000-0000-000000000001', 'rg-monitoring-prod')
  params: {
    newIdentities: []
    credentials: [
      {
        // ServiceAccount monitoring/log-shipper
        identity: 'id-monitoring-writer'
        name: 'prod-aks-monitoring-log-shipper'
        issuer: 'https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000001/'
        subject: 'system:serviceaccount:monitoring:log-shipper'
        audiences: [
          'api://AzureADTokenExchange'
        ]
      }
      {
        // ServiceAccount monitoring/prometheus-k8s
        identity: 'id-monitoring-writer'
        name: 'prod-aks-monitoring-prometheus-k8s'
        issuer: 'https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000001/'
        subject: 'system:serviceaccount:monitoring:prometheus-k8s'
        audiences: [
          'api://AzureADTokenExchange'
        ]
      }
    ]
  }
}

@description('Client ids of the new identities: put each in the azure.workload.identity/client-id annotation of its ServiceAccounts.')
output rg_1_new_identities_newIdentities array = rg_1_new_identities.outputs.newIdentities
