package generator

// The kubernetes/ folder's manifests. They are templates rather than
// marshalled API types so that each choice carries its reason next to it;
// e2e/kube_test.go proves every render is accepted by a real kube-apiserver
// (server-side dry run with strict field validation).

var kustomizationTmpl = kubeTemplate("kustomization", `# Rendered by regsetup from the spec (deploy.target: kubernetes); regsetup init
# rewrites it. Apply it from the output folder: kubectl apply -k kubernetes
# The objects go to the namespace of kubectl's current context; to pin one,
# use this folder as a resource of your own kustomization with "namespace:".
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
labels:
  - pairs:
      {{.PartOf}}
# The generated names carry a hash of the content (apache-conf-<hash>): a
# changed file makes a new object, and the Deployments that mount it roll.
configMapGenerator:
  - name: {{.ApacheConf}}
    files:
{{- range .Configs}}
      - {{.}}
{{- end}}
secretGenerator:
  - name: {{.ApacheAuth}}
    files:
{{- range .Secrets}}
      - {{.}}
{{- end}}
  # The registry's whole config.yml, with http.secret (shared by every
  # replica, kept across renders) and the storage credentials: never in
  # the Pod spec or its environment.
  - name: {{.RegistryConf}}
    files:
      - registry/config.yml
resources:
  - apache.yaml
  - registry.yaml
`)

var kubeApacheTmpl = kubeTemplate("apache", `# Apache, the authenticating TLS proxy in front of the registry.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{.ApacheName}}
  labels:
    app.kubernetes.io/name: {{.ApacheName}}
    app.kubernetes.io/component: proxy
spec:
  replicas: {{.ApacheReplicas}}
  selector:
    matchLabels:
      app.kubernetes.io/name: {{.ApacheName}}
  # A new pod answers before an old one stops.
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
  template:
    metadata:
      labels:
        app.kubernetes.io/name: {{.ApacheName}}
        app.kubernetes.io/component: proxy
    spec:
      # The mounted files belong to this group, the one Apache's workers run
      # as (httpd.conf's Group): they read the password file, nobody else.
      securityContext:
        fsGroup: {{.DaemonGID}}
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              app.kubernetes.io/name: {{.ApacheName}}
      containers:
        - name: apache
          image: {{q .ApacheImage}}
          ports:
            - name: https
              containerPort: {{.Port}}
{{- if .LDAPEnv}}
          env:
{{- range .LDAPEnv}}{{$kv := env .}}
            - name: {{index $kv 0}}
              value: {{q (index $kv 1)}}
{{- end}}
{{- end}}
          volumeMounts:
            - name: conf
              mountPath: /usr/local/apache2/conf
              readOnly: true
          # TCP probes: every /v2/ path answers 401 without a login, and an
          # httpGet probe counts only 200-399 as alive.
          readinessProbe:
            tcpSocket:
              port: https
            periodSeconds: 5
          livenessProbe:
            tcpSocket:
              port: https
            initialDelaySeconds: 10
            periodSeconds: 10
      volumes:
        # One folder, as the compose file's bind mount of auth/: the
        # ConfigMap's and the Secret's files together (no subPath, which
        # would never see an update). 0440: owner root, group fsGroup.
        - name: conf
          projected:
            defaultMode: 288
            sources:
              - configMap:
                  name: {{.ApacheConf}}
              - secret:
                  name: {{.ApacheAuth}}
---
# Clients reach Apache here, on the spec's port (TLS ends in Apache).
apiVersion: v1
kind: Service
metadata:
  name: {{.ApacheName}}
  labels:
    app.kubernetes.io/name: {{.ApacheName}}
    app.kubernetes.io/component: proxy
spec:
  type: LoadBalancer
  selector:
    app.kubernetes.io/name: {{.ApacheName}}
  ports:
    - name: https
      port: {{.Port}}
      targetPort: https
---
# A drain or an upgrade of the nodes takes at most one Apache at a time.
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{.ApacheName}}
  labels:
    app.kubernetes.io/name: {{.ApacheName}}
    app.kubernetes.io/component: proxy
spec:
  maxUnavailable: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: {{.ApacheName}}
`)

var kubeRegistryTmpl = kubeTemplate("registry", `# The registry, reached only through Apache.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{.RegistryName}}
  labels:
    app.kubernetes.io/name: {{.RegistryName}}
    app.kubernetes.io/component: registry
spec:
  replicas: {{.RegistryReplicas}}
  selector:
    matchLabels:
      app.kubernetes.io/name: {{.RegistryName}}
  strategy:
{{- if .RegistryRecreate}}
    # One replica on a ReadWriteOnce claim: the old pod must let go of the
    # claim before the new one can mount it.
    type: Recreate
{{- else}}
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
{{- end}}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: {{.RegistryName}}
        app.kubernetes.io/component: registry
    spec:
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              app.kubernetes.io/name: {{.RegistryName}}
      containers:
        - name: registry
          image: {{q .RegistryImage}}
          ports:
            - name: http
              containerPort: 5000
          volumeMounts:
            - name: config
              mountPath: /etc/docker/registry
              readOnly: true
{{- if .Filesystem}}
            - name: data
              mountPath: /var/lib/registry
{{- end}}
          # The registry's / answers 200 without a login.
          readinessProbe:
            httpGet:
              path: /
              port: http
            periodSeconds: 5
          livenessProbe:
            httpGet:
              path: /
              port: http
            initialDelaySeconds: 10
            periodSeconds: 10
      volumes:
        - name: config
          secret:
            secretName: {{.RegistryConf}}
            defaultMode: 256
{{- if .Filesystem}}
        - name: data
          persistentVolumeClaim:
            claimName: {{.DataClaim}}
{{- end}}
---
# Apache's ProxyPass target (http://registry:5000). A ClusterIP Service,
# not a headless one: its one stable address survives pods being replaced
# (Apache resolves a name once and would keep a gone pod's address), and
# kube-proxy spreads Apache's backend connections over every ready replica.
apiVersion: v1
kind: Service
metadata:
  name: {{.RegistryName}}
  labels:
    app.kubernetes.io/name: {{.RegistryName}}
    app.kubernetes.io/component: registry
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: {{.RegistryName}}
  ports:
    - name: http
      port: 5000
      targetPort: http
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{.RegistryName}}
  labels:
    app.kubernetes.io/name: {{.RegistryName}}
    app.kubernetes.io/component: registry
spec:
  maxUnavailable: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: {{.RegistryName}}
{{- if .Filesystem}}
---
# The images (storage: filesystem). The claim outlives "regsetup down"; only
# "regsetup down --delete-data" deletes it.
{{- if gt .RegistryReplicas 1}}
# ReadWriteMany: every registry replica mounts it, on whichever node it runs.
{{- else}}
# ReadWriteOnce: one registry replica mounts it.
{{- end}}
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: {{.DataClaim}}
  labels:
    app.kubernetes.io/name: {{.RegistryName}}
    app.kubernetes.io/component: storage
spec:
  accessModes:
    - {{.AccessMode}}
  resources:
    requests:
      storage: {{.DataSize}}
{{- end}}
`)
