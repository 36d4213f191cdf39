resource "helm_release" "external_dns" {
  name       = "external-dns"
  repository = "https://kubernetes-sigs.github.io/external-dns/"
  chart      = "external-dns"
  version    = "1.14.3"
  namespace  = "external-dns"

  values = [<<-EOT
    provider:
      name: azure
    serviceAccount:
      create: true
      name: external-dns
    podLabels:
      aadpodidbinding: external-dns
    domainFilters:
      - ${var.dns_zone}
  EOT
  ]
}
