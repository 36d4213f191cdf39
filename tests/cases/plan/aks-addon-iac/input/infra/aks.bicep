@description('Name of the AKS cluster')
param clusterName string = 'aks-orders'
param location string = resourceGroup().location
param ordersIdentityId string

resource aks 'Microsoft.ContainerService/managedClusters@2023-05-01' = {
  name: clusterName
  location: location
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    dnsPrefix: clusterName
    networkProfile: {
      networkPlugin: 'azure'
    }
    // pod-managed identity (preview): the add-on runs NMI in managed mode
    podIdentityProfile: {
      enabled: true
      userAssignedIdentities: [
        {
          name: 'orders'
          namespace: 'orders'
          identity: {
            resourceId: ordersIdentityId
          }
        }
      ]
    }
  }
}
