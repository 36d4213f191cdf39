#!/usr/bin/env bash
# wi-migrate render: deletions of stage uninstall of fixtures/sample-gitops, with kubectl, in the plan's safe order.
# Run only after retire: no AzureAssignedIdentity and no pod labelled aadpodidbinding left.
# Safe to re-run: objects already gone are skipped.
set -euo pipefail

kubectl delete daemonset.apps -n default nmi --ignore-not-found  # Pod Identity nmi (raw install)
kubectl delete deployment.apps -n default mic --ignore-not-found  # Pod Identity mic (raw install)
kubectl delete azurepodidentityexception.aadpodidentity.k8s.io -n default mic-exception --ignore-not-found  # Pod Identity exception (raw install)
kubectl delete clusterrole.rbac.authorization.k8s.io aad-pod-id-mic-role --ignore-not-found  # Pod Identity rbac (raw install)
kubectl delete clusterrole.rbac.authorization.k8s.io aad-pod-id-nmi-role --ignore-not-found  # Pod Identity rbac (raw install)
kubectl delete clusterrolebinding.rbac.authorization.k8s.io aad-pod-id-mic-binding --ignore-not-found  # Pod Identity rbac (raw install)
kubectl delete clusterrolebinding.rbac.authorization.k8s.io aad-pod-id-nmi-binding --ignore-not-found  # Pod Identity rbac (raw install)
kubectl delete serviceaccount -n default aad-pod-id-mic-service-account --ignore-not-found  # Pod Identity rbac (raw install)
kubectl delete serviceaccount -n default aad-pod-id-nmi-service-account --ignore-not-found  # Pod Identity rbac (raw install)
kubectl delete customresourcedefinition.apiextensions.k8s.io azureassignedidentities.aadpodidentity.k8s.io --ignore-not-found  # Pod Identity crd (raw install)
kubectl delete customresourcedefinition.apiextensions.k8s.io azureidentities.aadpodidentity.k8s.io --ignore-not-found  # Pod Identity crd (raw install)
kubectl delete customresourcedefinition.apiextensions.k8s.io azureidentitybindings.aadpodidentity.k8s.io --ignore-not-found  # Pod Identity crd (raw install)
kubectl delete customresourcedefinition.apiextensions.k8s.io azurepodidentityexceptions.aadpodidentity.k8s.io --ignore-not-found  # Pod Identity crd (raw install)
