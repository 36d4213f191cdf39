{{- define "aad-pod-identity.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- define "aad-pod-identity.mic.fullname" -}}
{{- printf "%s-%s" (include "aad-pod-identity.name" .) "mic" | trunc 63 | trimSuffix "-" -}}
{{- end -}}
