# wi-migrate render: values the plan did not know. Terraform asks for them (no defaults on purpose).

variable "identity_resource_group" {
  description = "Resource group of the identities created to replace service principals."
  type        = string
}

variable "identity_location" {
  description = "Azure region of the identities created to replace service principals."
  type        = string
}
