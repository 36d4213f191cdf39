#!/usr/bin/env bash
# wi-migrate render: Azure side of stage prepare of fixtures/sample-gitops.
# Creates the federated identity credentials that let Kubernetes ServiceAccounts sign in
# as user-assigned managed identities, and the identities that replace service principals.
# Safe to re-run: a credential is skipped when its identity already has one with the same
# issuer and subject. The credentials of one identity are written one after another:
# Azure rejects concurrent writes to one identity (409).
# Needs: az, logged in (az login) with permission to write these identities.
set -euo pipefail

# The plan has no resource group for new identities (plan --identity-resource-group RG).
: "${IDENTITY_RESOURCE_GROUP:?set IDENTITY_RESOURCE_GROUP to the resource group for new identities}"

# create_credential SUBSCRIPTION GROUP IDENTITY NAME ISSUER SUBJECT AUDIENCE...
# Creates the credential unless IDENTITY has one for (ISSUER, SUBJECT) already.
create_credential() {
  local subscription="$1" group="$2" identity="$3" name="$4" issuer="$5" subject="$6"
  shift 6
  local -a scope=(--resource-group "$group" --identity-name "$identity")
  if [ -n "$subscription" ]; then
    scope+=(--subscription "$subscription")
  fi
  local same_pair same_name
  same_pair="$(az identity federated-credential list "${scope[@]}" \
    --query "[?issuer=='${issuer}' && subject=='${subject}'] | length(@)" --output tsv)"
  if [ "$same_pair" != "0" ]; then
    echo "exists:  $identity: $subject"
    return 0
  fi
  # names are immutable and unique per identity: never overwrite another credential
  same_name="$(az identity federated-credential list "${scope[@]}" \
    --query "[?name=='${name}'] | length(@)" --output tsv)"
  if [ "$same_name" != "0" ]; then
    echo "error: $identity already has a credential named $name for another issuer or subject" >&2
    echo "  hint: plan again with another --fic-name template" >&2
    return 1
  fi
  az identity federated-credential create "${scope[@]}" --name "$name" \
    --issuer "$issuer" --subject "$subject" --audiences "$@" --output none
  echo "created: $identity: $name ($subject)"
}

# -----------------------------------------------------------------------------------------
# New identity legacy-sp: replaces the service principal 8f9a0b1c-2d3e-4f5a-96b7-c8d9e0f1a2b3
# of AzureIdentity legacy/legacy-sp (workload identity cannot federate a secret).
# Created in the current subscription (az account show); az identity create is idempotent.
legacy_sp_group="$IDENTITY_RESOURCE_GROUP"
legacy_sp_client_id="$(az identity create --name legacy-sp --resource-group "$legacy_sp_group" \
  --query clientId --output tsv)"
legacy_sp_principal_id="$(az identity show --name legacy-sp --resource-group "$legacy_sp_group" \
  --query principalId --output tsv)"
echo 'identity legacy-sp: client id' "${legacy_sp_client_id}": put it in the azure.workload.identity/client-id
echo '  annotation of its ServiceAccounts (kubernetes target: the REPLACE-WITH-CLIENT-ID-OF-legacy-sp placeholder)'
# Role assignments of the service principal: review them; COPY_ROLE_ASSIGNMENTS=yes gives them
# to the new identity (same role, same scope).
az role assignment list --assignee 8f9a0b1c-2d3e-4f5a-96b7-c8d9e0f1a2b3 --all --output table ||
  echo 'warning: cannot list the role assignments of 8f9a0b1c-2d3e-4f5a-96b7-c8d9e0f1a2b3; copy them by hand' >&2
if [ "${COPY_ROLE_ASSIGNMENTS:-}" = "yes" ]; then
  az role assignment list --assignee 8f9a0b1c-2d3e-4f5a-96b7-c8d9e0f1a2b3 --all \
      --query "[].[roleDefinitionId, scope]" --output tsv |
    while IFS=$'\t' read -r role scope; do
      az role assignment create --assignee-object-id "${legacy_sp_principal_id}" \
        --assignee-principal-type ServicePrincipal --role "$role" --scope "$scope" --output none
      echo "role:    $role on $scope"
    done
fi
# 1 federated credential(s), one after another.
# ServiceAccount legacy/legacy-sp
create_credential '' "$legacy_sp_group" legacy-sp prod-aks-legacy-legacy-sp \
  https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000001/ system:serviceaccount:legacy:legacy-sp api://AzureADTokenExchange

# -----------------------------------------------------------------------------------------
# Identity id-analytics-reader (resource group rg-identities-prod, subscription 00000000-0000-0000-0000-000000000001)
# 1 federated credential(s), one after another.
# ServiceAccount analytics/analytics-reader
create_credential 00000000-0000-0000-0000-000000000001 rg-identities-prod id-analytics-reader prod-aks-analytics-analytics-reader \
  https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000001/ system:serviceaccount:analytics:analytics-reader api://AzureADTokenExchange

# -----------------------------------------------------------------------------------------
# Identity id-legacy-archive (resource group rg-legacy-prod, subscription 00000000-0000-0000-0000-000000000001)
# 1 federated credential(s), one after another.
# ServiceAccount legacy/legacy-archive
create_credential 00000000-0000-0000-0000-000000000001 rg-legacy-prod id-legacy-archive prod-aks-legacy-legacy-archive \
  https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000001/ system:serviceaccount:legacy:legacy-archive api://AzureADTokenExchange

# -----------------------------------------------------------------------------------------
# Identity id-monitoring-writer (resource group rg-monitoring-prod, subscription 00000000-0000-0000-0000-000000000001)
# 2 federated credential(s), one after another.
# ServiceAccount monitoring/log-shipper
create_credential 00000000-0000-0000-0000-000000000001 rg-monitoring-prod id-monitoring-writer prod-aks-monitoring-log-shipper \
  https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000001/ system:serviceaccount:monitoring:log-shipper api://AzureADTokenExchange
# ServiceAccount monitoring/prometheus-k8s
create_credential 00000000-0000-0000-0000-000000000001 rg-monitoring-prod id-monitoring-writer prod-aks-monitoring-prometheus-k8s \
  https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000001/ system:serviceaccount:monitoring:prometheus-k8s api://AzureADTokenExchange

# -----------------------------------------------------------------------------------------
# Identity id-orders-api (resource group rg-identities-prod, subscription 00000000-0000-0000-0000-000000000001)
# 1 federated credential(s), one after another.
# ServiceAccount orders/orders-api
create_credential 00000000-0000-0000-0000-000000000001 rg-identities-prod id-orders-api prod-aks-orders-orders-api \
  https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000001/ system:serviceaccount:orders:orders-api api://AzureADTokenExchange

# -----------------------------------------------------------------------------------------
# Identity id-orders-reconcile (resource group rg-identities-prod, subscription 00000000-0000-0000-0000-000000000001)
# 1 federated credential(s), one after another.
# ServiceAccount orders/orders-reconcile
create_credential 00000000-0000-0000-0000-000000000001 rg-identities-prod id-orders-reconcile prod-aks-orders-orders-reconcile \
  https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000001/ system:serviceaccount:orders:orders-reconcile api://AzureADTokenExchange

# -----------------------------------------------------------------------------------------
# Identity id-payments-api (resource group rg-identities-prod, subscription 00000000-0000-0000-0000-000000000001)
# 1 federated credential(s), one after another.
# ServiceAccount payments/payments-api
create_credential 00000000-0000-0000-0000-000000000001 rg-identities-prod id-payments-api prod-aks-payments-payments-api \
  https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000001/ system:serviceaccount:payments:payments-api api://AzureADTokenExchange

# -----------------------------------------------------------------------------------------
# Identity id-reporting-sql (resource group rg-identities-prod, subscription 00000000-0000-0000-0000-000000000001)
# 1 federated credential(s), one after another.
# ServiceAccount reporting/report-builder
create_credential 00000000-0000-0000-0000-000000000001 rg-identities-prod id-reporting-sql prod-aks-reporting-report-builder \
  https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000001/ system:serviceaccount:reporting:report-builder api://AzureADTokenExchange

# -----------------------------------------------------------------------------------------
# Identity id-reporting-storage (resource group rg-identities-prod, subscription 00000000-0000-0000-0000-000000000001)
# 1 federated credential(s), one after another.
# ServiceAccount reporting/report-builder
create_credential 00000000-0000-0000-0000-000000000001 rg-identities-prod id-reporting-storage prod-aks-reporting-report-builder \
  https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000001/ system:serviceaccount:reporting:report-builder api://AzureADTokenExchange

# -----------------------------------------------------------------------------------------
# Identity id-web-frontend (resource group rg-identities-prod, subscription 00000000-0000-0000-0000-000000000001)
# 1 federated credential(s), one after another.
# ServiceAccount web/web-frontend
create_credential 00000000-0000-0000-0000-000000000001 rg-identities-prod id-web-frontend prod-aks-web-web-frontend \
  https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000001/ system:serviceaccount:web:web-frontend api://AzureADTokenExchange
