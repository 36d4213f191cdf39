configuration:
  backupStorageLocation:
    - name: default
      provider: azure
      bucket: velero
      config:
        storageAccount: ${storage_account}
        useAAD: "true"
