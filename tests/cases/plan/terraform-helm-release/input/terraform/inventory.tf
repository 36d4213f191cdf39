resource "kubernetes_deployment" "inventory" {
  metadata {
    name      = "inventory"
    namespace = "shop"
  }
  spec {
    selector {
      match_labels = {
        app = "inventory"
      }
    }
    template {
      metadata {
        labels = {
          app             = "inventory"
          aadpodidbinding = "inventory"
        }
      }
      spec {
        service_account_name = "inventory"
        container {
          name  = "inventory"
          image = "shopacr.azurecr.io/inventory:1.9.0"
        }
      }
    }
  }
}
