# AAD Pod Identity itself, installed by Terraform (managed mode off: MIC and NMI)
resource "helm_release" "aad_pod_identity" {
  name       = "aad-pod-identity"
  repository = "https://raw.githubusercontent.com/Azure/aad-pod-identity/master/charts"
  chart      = "aad-pod-identity"
  version    = "4.1.18"
  namespace  = "kube-system"

  set {
    name  = "nmi.allowNetworkPluginKubenet"
    value = "true"
  }
}

# the identity the shop's catalog API uses, declared through the Kubernetes provider
resource "kubernetes_manifest" "catalog_identity" {
  manifest = {
    apiVersion = "aadpodidentity.k8s.io/v1"
    kind       = "AzureIdentity"
    metadata = {
      name      = "catalog"
      namespace = "shop"
    }
    spec = {
      type       = 0
      resourceID = azurerm_user_assigned_identity.catalog.id
      clientID   = azurerm_user_assigned_identity.catalog.client_id
    }
  }
}

resource "kubectl_manifest" "catalog_binding" {
  yaml_body = <<-YAML
    apiVersion: aadpodidentity.k8s.io/v1
    kind: AzureIdentityBinding
    metadata:
      name: catalog-binding
      namespace: shop
    spec:
      azureIdentity: catalog
      selector: catalog
  YAML

  depends_on = [kubernetes_manifest.catalog_identity]
}
