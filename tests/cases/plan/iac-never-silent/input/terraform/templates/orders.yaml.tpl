apiVersion: apps/v1
kind: Deployment
metadata:
  name: orders
  namespace: shop
spec:
  replicas: ${replicas}
  selector:
    matchLabels:
      app: orders
  template:
    metadata:
      labels:
        app: orders
        aadpodidbinding: orders # the identity id-orders
    spec:
      serviceAccountName: orders
      containers:
        - name: orders
          image: ${registry}/orders:${tag}
%{ if enable_worker ~}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: orders-worker
  namespace: ${namespace}
spec:
  selector:
    matchLabels:
      app: orders-worker
  template:
    metadata:
      labels:
        app: orders-worker
        aadpodidbinding: ${worker_selector}
    spec:
      containers:
        - name: worker
          image: ${registry}/orders-worker:${tag}
%{ endif ~}
