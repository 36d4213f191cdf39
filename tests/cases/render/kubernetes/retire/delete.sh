#!/usr/bin/env bash
# wi-migrate render: deletions of stage retire of fixtures/sample-gitops, with kubectl, in the plan's safe order.
# Run after this stage's patches are applied and every pod runs with workload identity.
# MIC must still run: deleting bindings lets it unassign the identities from the nodes.
# Safe to re-run: objects already gone are skipped.
set -euo pipefail

kubectl delete azureidentitybinding.aadpodidentity.k8s.io -n legacy legacy-archive-binding --ignore-not-found  # the workloads it served use workload identity now
kubectl delete azureidentitybinding.aadpodidentity.k8s.io -n legacy legacy-sp-binding --ignore-not-found  # the workloads it served use workload identity now
kubectl delete azureidentitybinding.aadpodidentity.k8s.io -n orders orders-api-binding --ignore-not-found  # the workloads it served use workload identity now
kubectl delete azureidentitybinding.aadpodidentity.k8s.io -n orders orders-reconcile-binding --ignore-not-found  # the workloads it served use workload identity now
kubectl delete azureidentitybinding.aadpodidentity.k8s.io -n payments payments-api-binding --ignore-not-found  # the workloads it served use workload identity now
kubectl delete azureidentitybinding.aadpodidentity.k8s.io -n reporting reporting-sql-binding --ignore-not-found  # the workloads it served use workload identity now
kubectl delete azureidentitybinding.aadpodidentity.k8s.io -n reporting reporting-storage-binding --ignore-not-found  # the workloads it served use workload identity now
kubectl delete azureidentitybinding.aadpodidentity.k8s.io -n web web-frontend-binding --ignore-not-found  # the workloads it served use workload identity now
kubectl delete azureidentity.aadpodidentity.k8s.io -n legacy legacy-archive --ignore-not-found  # replaced by federated credentials
kubectl delete azureidentity.aadpodidentity.k8s.io -n legacy legacy-sp --ignore-not-found  # replaced by the new user-assigned identity legacy-sp and its federated credentials; its Secret legacy/legacy-sp-secret is kept for you to delete
kubectl delete azureidentity.aadpodidentity.k8s.io -n orders orders-api --ignore-not-found  # replaced by federated credentials
kubectl delete azureidentity.aadpodidentity.k8s.io -n orders orders-reconcile --ignore-not-found  # replaced by federated credentials
kubectl delete azureidentity.aadpodidentity.k8s.io -n payments payments-api --ignore-not-found  # replaced by federated credentials
kubectl delete azureidentity.aadpodidentity.k8s.io -n reporting reporting-sql --ignore-not-found  # replaced by federated credentials
kubectl delete azureidentity.aadpodidentity.k8s.io -n reporting reporting-storage --ignore-not-found  # replaced by federated credentials
kubectl delete azureidentity.aadpodidentity.k8s.io -n web web-frontend --ignore-not-found  # replaced by federated credentials
kubectl delete azurepodidentityexception.aadpodidentity.k8s.io -n web edge-probe-exception --ignore-not-found  # NMI is no longer in the request path
