{{/* The chart name, or nameOverride. */}}
{{- define "app.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Resource names: fullnameOverride, else the release name (draft names releases after the app). */}}
{{- define "app.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else if contains (include "app.name" .) .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "app.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "app.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "app.labels" -}}
helm.sh/chart: {{ include "app.chart" . }}
{{ include "app.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | trunc 63 | trimSuffix "-" | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Selector labels: only name and instance, which never change over the release's life. */}}
{{- define "app.selectorLabels" -}}
app.kubernetes.io/name: {{ include "app.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "app.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "app.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The app's image, as every container of the pod runs it. */}}
{{- define "app.image" -}}
{{ .Values.image.repository }}:{{ required "image.tag is required: draft up sets it" .Values.image.tag }}
{{- end }}

{{/*
The writable paths with their volumes, as YAML {paths: [...]}: each has path, the volume's name, seed
(copy the image's files in first), persist (on the claim, at subPath) when persistence is enabled.
In sync mode the app's folders come first, seeded (a writable copy of the image's, mounted before the
writable paths inside them), and the restart wrapper's state folder.
*/}}
{{- define "app.writable" -}}
{{- $paths := list }}
{{- if .Values.sync.enabled }}
{{- range $i, $path := .Values.sync.paths }}
{{- $paths = append $paths (dict "path" $path "seed" true "persist" false "volume" (printf "sync-%d" $i) "subPath" "") }}
{{- end }}
{{- with .Values.sync.stateDir }}
{{- $paths = append $paths (dict "path" . "seed" false "persist" false "volume" "sync-state" "subPath" "") }}
{{- end }}
{{- end }}
{{- range $i, $w := .Values.writablePaths }}
{{- $entry := ternary (dict "path" $w) $w (kindIs "string" $w) }}
{{- $persist := and $.Values.persistence.enabled (default false $entry.persist) | toString | eq "true" }}
{{- $paths = append $paths (dict "path" $entry.path "seed" (default false $entry.seed) "persist" $persist "volume" (ternary "data" (printf "writable-%d" $i) $persist) "subPath" (trimPrefix "/" $entry.path)) }}
{{- end }}
{{- dict "paths" $paths | toYaml }}
{{- end }}

{{/* Mounts of the writable paths (takes the list from app.writable). */}}
{{- define "app.volumeMounts" -}}
{{- range . }}
- name: {{ .volume }}
  mountPath: {{ .path }}
  {{- if .persist }}
  subPath: {{ .subPath }}
  {{- end }}
{{- end }}
{{- end }}

{{/* The app's environment: plain values, then the secret ones from the release's Secret. */}}
{{- define "app.env" -}}
{{- range $name, $value := .Values.env }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- range $name, $_ := .Values.secretEnv }}
- name: {{ $name }}
  valueFrom:
    secretKeyRef:
      name: {{ include "app.fullname" $ }}
      key: {{ $name }}
{{- end }}
{{- end }}
