"""wi-migrate: move Kubernetes workloads from AAD Pod Identity to Azure Workload Identity."""
