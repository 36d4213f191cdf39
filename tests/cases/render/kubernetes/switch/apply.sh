#!/usr/bin/env bash
# wi-migrate render: stage switch of fixtures/sample-gitops, applied with kubectl to the current context.
# The same changes as kustomization.yaml, for objects not managed from git. Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")"

kubectl patch deployment.apps -n analytics clickstream-ingest --type strategic --patch-file analytics/deployment-clickstream-ingest.patch.yaml
kubectl patch replicaset.apps -n legacy archive-compactor --type strategic --patch-file legacy/replicaset-archive-compactor.patch.yaml
echo 'note: ReplicaSet/legacy/archive-compactor: a ReplicaSet does not replace running pods; delete them to pick up the change'
echo 'manual: Pod/legacy/ftp-poller: a Pod'"'"'s pod template cannot change in place: re-create it (patch: legacy/pod-ftp-poller.patch.yaml)'
kubectl patch daemonset.apps -n monitoring log-shipper --type strategic --patch-file monitoring/daemonset-log-shipper.patch.yaml
kubectl patch deployment.apps -n orders orders-api --type strategic --patch-file orders/deployment-orders-api.patch.yaml
kubectl patch cronjob.batch -n orders orders-reconcile --type strategic --patch-file orders/cronjob-orders-reconcile.patch.yaml
kubectl patch deployment.apps -n payments payments-api --type strategic --patch-file payments/deployment-payments-api.patch.yaml
echo 'manual: Job/reporting/report-backfill-2024q4: a Job'"'"'s pod template cannot change in place: re-create it (patch: reporting/job-report-backfill-2024q4.patch.yaml)'
kubectl patch statefulset.apps -n reporting report-builder --type strategic --patch-file reporting/statefulset-report-builder.patch.yaml
kubectl patch deployment.apps -n web web-frontend --type strategic --patch-file web/deployment-web-frontend.patch.yaml
kubectl patch secretproviderclass.secrets-store.csi.x-k8s.io -n web web-tls --type merge --patch-file web/secretproviderclass-web-tls.patch.yaml
