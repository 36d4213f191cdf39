# wi-migrate render: provider requirements of the resources in main.tf. If your module already
# declares azurerm, delete this file and keep a constraint of >= 4.66.0: older providers
# name the identity parent_id and also need resource_group_name.
terraform {
  required_version = ">= 1.3"

  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = ">= 4.66.0"
    }
  }
}
