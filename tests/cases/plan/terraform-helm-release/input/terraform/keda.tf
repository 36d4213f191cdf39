# helm provider 3.x: set is a list of objects
resource "helm_release" "keda" {
  name      = "keda"
  chart     = "keda"
  repository = "https://kedacore.github.io/charts"
  namespace = "keda"

  set = [
    { name = "podLabels.keda.aadpodidbinding", value = "keda" },
    { name = "serviceAccount.operator.name", value = "keda-operator" },
  ]
}

resource "helm_release" "reloader" {
  name      = "reloader"
  chart     = "reloader"
  namespace = var.tools_namespace

  values = [yamlencode({
    reloader = {
      deployment = {
        labels = {
          aadpodidbinding = "reloader"
        }
      }
    }
  })]
}
