# the add-on's identities, added with the CLI: azurerm has no argument for them
resource "null_resource" "orders_pod_identity" {
  triggers = {
    identity_id = azurerm_user_assigned_identity.orders.id
  }

  provisioner "local-exec" {
    command = <<-EOT
      az aks update --resource-group ${var.resource_group} --name ${var.cluster_name} --enable-pod-identity
      az aks pod-identity add --resource-group ${var.resource_group} --cluster-name ${var.cluster_name} \
        --namespace orders --name orders --identity-resource-id ${azurerm_user_assigned_identity.orders.id}
    EOT
  }
}
