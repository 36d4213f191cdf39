// wi-migrate render: federated identity credentials of the identities in one resource group
// (a module of main.bicep). api-version pinned to 2023-01-31.

@description('Names of user-assigned identities to create first (they replace service principals).')
param newIdentities array = []

@description('Federated credentials to create: { identity, name, issuer, subject, audiences }.')
param credentials array

resource created 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = [for name in newIdentities: {
  name: name
  location: resourceGroup().location
}]

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' existing = [for c in credentials: {
  name: c.identity
}]

// One at a time: concurrent writes of credentials on one identity fail with 409.
@batchSize(1)
resource credential 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31' = [for (c, i) in credentials: {
  parent: identity[i]
  name: c.name
  properties: {
    issuer: c.issuer
    subject: c.subject
    audiences: c.audiences
  }
  dependsOn: [
    created
  ]
}]

output newIdentities array = [for (name, i) in newIdentities: {
  name: name
  clientId: created[i].properties.clientId
  principalId: created[i].properties.principalId
}]
