#!/usr/bin/env bash
# wi-migrate render: stage prepare of fixtures/sample-gitops, applied with kubectl to the current context.
# The same changes as kustomization.yaml, for objects not managed from git. Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")"

# New identities' client ids must be filled in first (see the comments in the files listed).
if grep -rl --include='*.yaml' 'REPLACE-WITH-' . >&2; then
  echo "error: replace the client id placeholders in the files above, then run again" >&2
  exit 1
fi

# add_subject RESOURCE NAMESPACE NAME SA_NAMESPACE SA_NAME PATCH: append the subject unless it is there
add_subject() {
  local -a where=()
  if [ -n "$2" ]; then
    where=(-n "$2")
  fi
  if kubectl get "$1" ${where[@]+"${where[@]}"} "$3" \
      -o jsonpath='{range .subjects[*]}{.kind}/{.namespace}/{.name}{"\n"}{end}' | grep -qx "ServiceAccount/$4/$5"; then
    echo "unchanged: $1 $3 already names ServiceAccount $4/$5"
    return 0
  fi
  kubectl patch "$1" ${where[@]+"${where[@]}"} "$3" --type json --patch-file "$6"
}

kubectl apply -f analytics/serviceaccount-analytics-reader.yaml
kubectl apply -f legacy/serviceaccount-legacy-archive.yaml
kubectl apply -f legacy/serviceaccount-legacy-sp.yaml
kubectl apply -f orders/serviceaccount-orders-api.yaml
kubectl apply -f orders/serviceaccount-orders-reconcile.yaml
kubectl apply -f payments/serviceaccount-payments-api.yaml
kubectl apply -f web/serviceaccount-web-frontend.yaml
kubectl patch serviceaccount -n monitoring log-shipper --type strategic --patch-file monitoring/serviceaccount-log-shipper.patch.yaml
kubectl patch serviceaccount -n reporting report-builder --type strategic --patch-file reporting/serviceaccount-report-builder.patch.yaml
kubectl patch serviceaccount -n monitoring prometheus-k8s --type strategic --patch-file monitoring/serviceaccount-prometheus-k8s.patch.yaml
add_subject rolebinding.rbac.authorization.k8s.io analytics default-leader-election analytics analytics-reader analytics/rolebinding-default-leader-election.add-analytics-analytics-reader.patch.yaml
add_subject clusterrolebinding.rbac.authorization.k8s.io '' orders-runtime-pricing-rules-reader orders orders-api _cluster/clusterrolebinding-orders-runtime-pricing-rules-reader.add-orders-orders-api.patch.yaml
add_subject rolebinding.rbac.authorization.k8s.io orders orders-runtime-config-reader orders orders-api orders/rolebinding-orders-runtime-config-reader.add-orders-orders-api.patch.yaml
add_subject clusterrolebinding.rbac.authorization.k8s.io '' orders-runtime-pricing-rules-reader orders orders-reconcile _cluster/clusterrolebinding-orders-runtime-pricing-rules-reader.add-orders-orders-reconcile.patch.yaml
add_subject rolebinding.rbac.authorization.k8s.io orders orders-runtime-config-reader orders orders-reconcile orders/rolebinding-orders-runtime-config-reader.add-orders-orders-reconcile.patch.yaml
