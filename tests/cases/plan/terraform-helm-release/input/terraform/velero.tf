resource "helm_release" "velero" {
  name       = "velero"
  repository = "https://vmware-tanzu.github.io/helm-charts"
  chart      = "velero"
  namespace  = "velero"

  values = [
    file("${path.module}/values/velero.yaml"),
    templatefile("${path.module}/values/velero-backup.yaml.tpl", {
      storage_account = var.backup_storage_account
    }),
  ]
}
