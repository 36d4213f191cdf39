"""Where records come from: manifest files, kustomize, a live cluster."""
