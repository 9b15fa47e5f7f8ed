// Validates rendered Kubernetes manifests (one `kubectl kustomize` output per
// argument) against the Kubernetes API schemas (npm kubernetes-models) and
// the prometheus-operator CRD schemas (@kubernetes-models/prometheus-operator),
// then checks what schemas cannot:
//   - probe ports and every named port exist on the container;
//   - Service targetPorts name or number a port of the pods it selects;
//   - selectors match pod labels (Deployment/StatefulSet, Service, PDB,
//     NetworkPolicy), HPA targets exist, ServiceMonitor selects a Service and
//     names one of its ports;
//   - the gateway's hardening (non-root, read-only root, no escalation, no
//     capabilities, seccomp RuntimeDefault), no Secret and no literal key in
//     a manifest, envFrom names the keys Secret;
//   - terminationGracePeriodSeconds >= preStop sleep + the config's drain;
//   - the PrometheusRule's spec.groups equals the alert rules file's groups.
// Writes each overlay's gateway.yaml from its ConfigMap to OUT_DIR/<name>.yaml
// for the gateway's own --check_config.
//
//   node validate_manifests.js RULES_FILE OUT_DIR RENDERED.yaml...
"use strict";
const fs = require("fs");
const path = require("path");
const YAML = require("yaml");
const { isDeepStrictEqual } = require("util");

const [rulesFile, outDir, ...rendered] = process.argv.slice(2);
let failures = 0;
function fail(where, msg) {
  failures++;
  console.error(`FAIL ${where}: ${msg}`);
}

// The prometheus-operator models are ES modules: loaded once, up front.
let monitoringV1 = null;
async function loadMonitoringModels() {
  const { pathToFileURL } = require("url");
  const root = (process.env.NODE_PATH || "").split(":")[0];
  monitoringV1 = await import(pathToFileURL(path.join(root,
    "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/index.js")).href);
}

function modelFor(doc) {
  const [group, version] = doc.apiVersion.includes("/")
    ? doc.apiVersion.split("/")
    : [null, doc.apiVersion];
  if (group === "monitoring.coreos.com" && version === "v1") {
    return monitoringV1[doc.kind];
  }
  const dir = group ? `${group}/${version}` : version;
  return require(`kubernetes-models/${dir}/${doc.kind}`)[doc.kind];
}

function subset(selector, labels) {
  return Object.entries(selector || {}).every(([k, v]) => (labels || {})[k] === v);
}

function checkOverlay(file) {
  const name = path.basename(file, ".yaml");
  const docs = YAML.parseAllDocuments(fs.readFileSync(file, "utf8")).map((d) => d.toJS());
  const where = (d) => `${name}/${d.kind}/${d.metadata && d.metadata.name}`;
  // 1. Schemas.
  for (const d of docs) {
    try {
      const Model = modelFor(d);
      new Model(d).validate();
    } catch (e) {
      fail(where(d), `schema: ${e.message}`);
    }
  }
  const byKind = (k) => docs.filter((d) => d.kind === k);
  const workloads = [...byKind("Deployment"), ...byKind("StatefulSet")];
  const pods = workloads.map((w) => ({
    owner: w,
    labels: w.spec.template.metadata.labels,
    containers: w.spec.template.spec.containers,
  }));
  const podsMatching = (sel) => pods.filter((p) => subset(sel, p.labels));
  const hasPort = (p, port) =>
    p.containers.some((c) =>
      (c.ports || []).some((cp) => cp.name === port || cp.containerPort === port));

  // 2. Workloads: selector matches template, probes hit declared ports.
  for (const w of workloads) {
    if (!subset(w.spec.selector.matchLabels, w.spec.template.metadata.labels)) {
      fail(where(w), "selector does not match the pod template's labels");
    }
    for (const c of w.spec.template.spec.containers) {
      for (const probe of ["livenessProbe", "readinessProbe", "startupProbe"]) {
        const p = c[probe];
        if (!p) continue;
        const port = (p.grpc || p.tcpSocket || p.httpGet || {}).port;
        if (port !== undefined &&
            !(c.ports || []).some((cp) => cp.name === port || cp.containerPort === port)) {
          fail(where(w), `${c.name}.${probe} port ${port} is not a container port`);
        }
      }
    }
  }
  // 3. The gateway's pod.
  const gw = byKind("Deployment").find((d) => d.metadata.name === "llm-gateway");
  if (!gw) {
    fail(name, "no llm-gateway Deployment");
    return;
  }
  const spec = gw.spec.template.spec;
  const c = spec.containers.find((x) => x.name === "llm-gateway");
  const sc = c.securityContext || {};
  const psc = spec.securityContext || {};
  if (!psc.runAsNonRoot || !(psc.runAsUser > 0)) fail(where(gw), "pod must run as non-root");
  if ((psc.seccompProfile || {}).type !== "RuntimeDefault") fail(where(gw), "seccomp must be RuntimeDefault");
  if (sc.readOnlyRootFilesystem !== true) fail(where(gw), "root filesystem must be read-only");
  if (sc.allowPrivilegeEscalation !== false) fail(where(gw), "allowPrivilegeEscalation must be false");
  if (!((sc.capabilities || {}).drop || []).includes("ALL")) fail(where(gw), "capabilities must drop ALL");
  if (!c.readinessProbe || !c.readinessProbe.grpc) fail(where(gw), "readiness must be a gRPC probe");
  if (!c.livenessProbe || !c.livenessProbe.grpc) fail(where(gw), "liveness must be a gRPC probe");
  if (!c.resources || !c.resources.requests || !c.resources.limits) fail(where(gw), "requests and limits required");
  if (!(c.envFrom || []).some((e) => e.secretRef && e.secretRef.name)) {
    fail(where(gw), "provider keys must come from a Secret (envFrom.secretRef)");
  }
  for (const e of c.env || []) {
    if (/_API_KEYS?$/.test(e.name) && e.value !== undefined) fail(where(gw), `literal key in env ${e.name}`);
  }
  if (byKind("Secret").length) fail(name, "a Secret is in the manifests; keys must be created out of band");
  // Config: --config points into the ConfigMap mount.
  const configArg = (c.args || []).find((a) => a.startsWith("--config="));
  if (!configArg) fail(where(gw), "no --config argument");
  const configPath = configArg ? configArg.slice("--config=".length) : "";
  const mount = (c.volumeMounts || []).find((m) => configPath.startsWith(m.mountPath + "/"));
  const volume = mount && spec.volumes.find((v) => v.name === mount.name);
  const cmName = volume && volume.configMap && volume.configMap.name;
  const cm = byKind("ConfigMap").find((m) => m.metadata.name === cmName);
  const key = mount ? configPath.slice(mount.mountPath.length + 1) : "";
  if (!cm || !cm.data || typeof cm.data[key] !== "string") {
    fail(where(gw), `--config=${configPath} is not a key of a mounted ConfigMap`);
  } else {
    fs.writeFileSync(path.join(outDir, `${name}.yaml`), cm.data[key]);
    const grace = (YAML.parse(cm.data[key]) || {}).shutdown_grace_seconds ?? 15;
    const preStop = (((c.lifecycle || {}).preStop || {}).sleep || {}).seconds || 0;
    if (!(spec.terminationGracePeriodSeconds >= preStop + grace)) {
      fail(where(gw), `terminationGracePeriodSeconds ${spec.terminationGracePeriodSeconds} < preStop ${preStop} + shutdown_grace ${grace}`);
    }
  }
  // 4. Services.
  for (const s of byKind("Service")) {
    const selected = podsMatching(s.spec.selector);
    if (!selected.length) fail(where(s), "selector matches no pod template");
    for (const p of s.spec.ports) {
      const target = p.targetPort ?? p.port;
      if (!selected.every((pod) => hasPort(pod, target))) {
        fail(where(s), `targetPort ${target} is not a port of the selected pods`);
      }
    }
  }
  const grpcPort = byKind("Service").find((s) => s.metadata.name === "llm-gateway")
    ?.spec.ports.find((p) => p.name === "grpc");
  if (!grpcPort || !grpcPort.appProtocol) fail(name, "the gRPC Service port needs an appProtocol");
  // 5. PDB, HPA, NetworkPolicy, ServiceMonitor.
  for (const p of byKind("PodDisruptionBudget")) {
    if (!podsMatching(p.spec.selector.matchLabels).length) fail(where(p), "selector matches no pod");
  }
  for (const h of byKind("HorizontalPodAutoscaler")) {
    const t = h.spec.scaleTargetRef;
    if (!docs.some((d) => d.kind === t.kind && d.metadata.name === t.name)) {
      fail(where(h), `target ${t.kind}/${t.name} does not exist`);
    }
  }
  for (const n of byKind("NetworkPolicy")) {
    const selected = podsMatching(n.spec.podSelector.matchLabels);
    if (!selected.length) fail(where(n), "podSelector matches no pod");
    for (const rule of n.spec.ingress || []) {
      for (const p of rule.ports || []) {
        if (!selected.every((pod) => hasPort(pod, p.port))) fail(where(n), `ingress port ${p.port} is not a pod port`);
      }
      for (const from of rule.from || []) {
        if (from.podSelector && Object.keys(from.podSelector.matchLabels || {}).length &&
            !podsMatching(from.podSelector.matchLabels).length) {
          fail(where(n), "ingress podSelector matches no pod");
        }
      }
    }
    for (const rule of n.spec.egress || []) {
      for (const to of rule.to || []) {
        if (to.podSelector && !podsMatching(to.podSelector.matchLabels).length) {
          fail(where(n), "egress podSelector matches no pod");
        }
      }
    }
  }
  for (const m of byKind("ServiceMonitor")) {
    const services = byKind("Service").filter((s) => subset(m.spec.selector.matchLabels, s.metadata.labels));
    if (!services.length) fail(where(m), "selector matches no Service");
    for (const e of m.spec.endpoints) {
      if (!services.some((s) => s.spec.ports.some((p) => p.name === e.port))) {
        fail(where(m), `endpoint port ${e.port} is not a port of the selected Services`);
      }
    }
  }
  // 6. PrometheusRule == rules file.
  const rules = YAML.parse(fs.readFileSync(rulesFile, "utf8"));
  const pr = byKind("PrometheusRule");
  if (pr.length !== 1) fail(name, "expected one PrometheusRule");
  else if (!isDeepStrictEqual(pr[0].spec.groups, rules.groups)) {
    fail(where(pr[0]), "spec.groups differs from monitoring/alerts/llmgw.rules.yml: run k8s/gen_prometheusrule.sh");
  }
  console.log(`${name}: ${docs.length} documents checked (${docs.map((d) => d.kind).join(", ")})`);
}

loadMonitoringModels().then(() => {
  for (const f of rendered) checkOverlay(f);
  if (failures) {
    console.error(`${failures} failure(s)`);
    process.exit(1);
  }
});
