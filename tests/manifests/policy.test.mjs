// deploy/kubernetes/admission-policy against the requests the agent makes and those it must not make, evaluated
// with a real CEL implementation (admission.mjs). Run: node --test tests/manifests/policy.test.mjs
// (make manifests-check does, and CocoonNet.Tests' ManifestSchemaTests).
//
// Allowed: every call of src/Host/Kubernetes/KubernetesNodeApi.cs on the agent's own node, each patch applied
// the way the API server applies it (a JSON merge patch of metadata.annotations; a strategic merge patch of
// status, conditions merged by type). Denied: the same calls aimed at another node, and every other change a
// compromised agent could try with the rights RBAC gives it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { admit, loadPolicy } from "./admission.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const policy = loadPolicy(join(root, "deploy", "kubernetes", "admission-policy", "validatingadmissionpolicy.yaml"));

const agent = "system:serviceaccount:cocoon-net:cocoon-net";
const self = "vm-node-a";
const other = "vm-node-b";

/** The userInfo of a pod-bound token of the agent on `node` (null: a token bound to no pod). */
function user(node, username = agent) {
  const extra = { "authentication.kubernetes.io/credential-id": ["JTI=3f0c"] };
  if (node !== null) {
    Object.assign(extra, {
      "authentication.kubernetes.io/node-name": [node],
      "authentication.kubernetes.io/node-uid": [`uid-${node}`],
      "authentication.kubernetes.io/pod-name": ["cocoon-net-x7k2p"],
      "authentication.kubernetes.io/pod-uid": ["pod-uid-1"],
    });
  }
  return { username, uid: "sa-uid", groups: ["system:serviceaccounts", "system:serviceaccounts:cocoon-net", "system:authenticated"], extra };
}

function request({ group = "", version = "v1", resource, subResource, kind, name, namespace, operation, userInfo }) {
  const gvr = { group, version, resource };
  const gvk = { group, version, kind };
  const r = { kind: gvk, resource: gvr, requestKind: gvk, requestResource: gvr, name, operation, userInfo, dryRun: false, options: {} };
  if (subResource) Object.assign(r, { subResource, requestSubResource: subResource });
  if (namespace) r.namespace = namespace;
  return r;
}

/** A Node as a kubelet on a cloud VM leaves it, already carrying this agent's earlier status. */
function node(name) {
  const condition = (type, status, reason) => ({
    type, status, reason, message: `kubelet says ${reason}`,
    lastHeartbeatTime: "2026-12-06T08:00:00Z", lastTransitionTime: "2026-12-01T00:00:00Z",
  });
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      uid: `uid-${name}`,
      resourceVersion: "41234",
      creationTimestamp: "2026-12-01T00:00:00Z",
      labels: { "kubernetes.io/hostname": name, "cocoonstack.io/vm-node": "true", "node.kubernetes.io/instance-type": "n2-standard-8" },
      annotations: {
        "node.alpha.kubernetes.io/ttl": "0",
        "volumes.kubernetes.io/controller-managed-attach-detach": "true",
        "cocoonstack.io/vm-pool-size": "64",
      },
      managedFields: [{ manager: "kubelet", operation: "Update", apiVersion: "v1", time: "2026-12-06T08:00:00Z", fieldsType: "FieldsV1", fieldsV1: {} }],
    },
    spec: { podCIDR: "10.64.1.0/24", podCIDRs: ["10.64.1.0/24"], providerID: `gce://project/zone/${name}` },
    status: {
      capacity: { cpu: "8", memory: "32866040Ki", pods: "110", "ephemeral-storage": "98831908Ki", "cocoonstack.io/vm-ip": "61" },
      allocatable: { cpu: "7910m", memory: "29906680Ki", pods: "110", "ephemeral-storage": "47060071478", "cocoonstack.io/vm-ip": "61" },
      conditions: [
        condition("MemoryPressure", "False", "KubeletHasSufficientMemory"),
        condition("DiskPressure", "False", "KubeletHasNoDiskPressure"),
        condition("PIDPressure", "False", "KubeletHasSufficientPID"),
        condition("Ready", "True", "KubeletReady"),
        condition("CocoonNetReady", "False", "Starting"),
      ],
      addresses: [{ type: "InternalIP", address: "10.128.0.7" }, { type: "Hostname", address: name }],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: { kubeletVersion: "v1.31.4", containerRuntimeVersion: "containerd://1.7.24", osImage: "Debian GNU/Linux 12 (bookworm)" },
      images: [{ names: ["registry.example/cocoon-net:0.1.0"], sizeBytes: 52428800 }],
    },
  };
}

/** A Node as kubelet registered it: no annotations, no conditions or resources of the agent yet. */
function freshNode(name) {
  const n = node(name);
  delete n.metadata.annotations;
  delete n.status.capacity["cocoonstack.io/vm-ip"];
  delete n.status.allocatable["cocoonstack.io/vm-ip"];
  n.status.conditions = n.status.conditions.filter((c) => c.type !== "CocoonNetReady");
  return n;
}

const clone = (o) => structuredClone(o);

/** What the API server stores after a request: the field manager's entry changes with every write. */
function written(n) {
  n.metadata.managedFields = [
    ...n.metadata.managedFields,
    { manager: "cocoon-net", operation: "Update", apiVersion: "v1", time: "2026-12-06T08:01:00Z", fieldsType: "FieldsV1", fieldsV1: {} },
  ];
  return n;
}

/** RFC 7386, as the API server applies KubernetesNodeApi.PatchAnnotationsAsync's merge patch. */
function mergePatch(target, patch) {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const result = target !== null && typeof target === "object" && !Array.isArray(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete result[k];
    else result[k] = mergePatch(result[k], v);
  }
  return result;
}

/** KubernetesNodeApi.PatchStatusAsync's strategic merge patch, applied: conditions merge by type, maps by key. */
function statusPatch(old, patch) {
  const n = written(clone(old));
  const conditions = [...(n.status.conditions ?? [])];
  for (const c of patch.status.conditions ?? []) {
    const at = conditions.findIndex((e) => e.type === c.type);
    if (at < 0) conditions.push(c);
    else conditions[at] = { ...conditions[at], ...c };
  }
  n.status.conditions = conditions;
  for (const field of ["capacity", "allocatable"]) {
    if (patch.status[field]) n.status[field] = { ...n.status[field], ...patch.status[field] };
  }
  return n;
}

/** The agent's status patch: its condition and, with a pool size, the resource. */
function agentStatus(ready, pool) {
  const status = {
    conditions: [{
      type: "CocoonNetReady", status: ready ? "True" : "False", reason: ready ? "Ready" : "ReconcileFailed", message: "pool 61/64",
      lastHeartbeatTime: "2026-12-06T08:01:00Z", lastTransitionTime: "2026-12-06T08:01:00Z",
    }],
  };
  if (pool !== undefined) {
    status.capacity = { "cocoonstack.io/vm-ip": String(pool) };
    status.allocatable = { "cocoonstack.io/vm-ip": String(pool) };
  }
  return { status };
}

// ---- the requests ----

function patchNode({ on, by = self, userInfo = user(by), old = node(on), change }) {
  const updated = written(clone(old));
  change(updated);
  return { request: request({ resource: "nodes", kind: "Node", name: on, operation: "UPDATE", userInfo }), object: updated, oldObject: old };
}

function annotate(on, annotations, options = {}) {
  return patchNode({ on, ...options, change: (n) => Object.assign(n, mergePatch(n, { metadata: { annotations } })) });
}

function patchStatus(on, patch, { by = self, userInfo = user(by), old = node(on) } = {}) {
  return {
    request: request({ resource: "nodes", subResource: "status", kind: "Node", name: on, operation: "UPDATE", userInfo }),
    object: statusPatch(old, patch),
    oldObject: old,
  };
}

/** A status write that changes more than the agent's part (an edited PUT or a hand-made patch). */
function editStatus(on, change, { by = self } = {}) {
  const old = node(on);
  const updated = written(clone(old));
  change(updated.status);
  return { request: request({ resource: "nodes", subResource: "status", kind: "Node", name: on, operation: "UPDATE", userInfo: user(by) }), object: updated, oldObject: old };
}

function lease(name, holder, renewTime = "2026-12-06T08:00:00Z") {
  return {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name, namespace: "cocoon-net", resourceVersion: "900", labels: { "cocoonstack.io/vm-subnet-lease": "true" } },
    spec: { holderIdentity: holder, acquireTime: "2026-12-01T00:00:00.000000Z", renewTime },
  };
}

function leaseRequest(operation, name, { by = self, userInfo = user(by), object = null, oldObject = null } = {}) {
  return {
    request: request({ group: "coordination.k8s.io", resource: "leases", kind: "Lease", name, namespace: "cocoon-net", operation, userInfo }),
    object,
    oldObject,
  };
}

const subnetLease = "vm-subnet-172-20-3-0-24";
const renewed = (holder, to = holder) => {
  const old = lease(subnetLease, holder);
  const updated = lease(subnetLease, to, "2026-12-06T08:05:00Z");
  return { old, updated };
};

function event(about, by = self) {
  const object = {
    apiVersion: "v1",
    kind: "Event",
    metadata: { generateName: `${about}.`, namespace: "default" },
    involvedObject: { apiVersion: "v1", kind: "Node", name: about, uid: `uid-${about}` },
    reason: "Repaired",
    message: "route 172.20.3.0/24 restored",
    type: "Normal",
    source: { component: "cocoon-net", host: by },
  };
  return { request: request({ resource: "events", kind: "Event", name: "", namespace: "default", operation: "CREATE", userInfo: user(by) }), object, oldObject: null };
}

// ---- the table ----

const allowed = {
  "the agent records its allocated subnet in its Node's annotation": annotate(self, { "cocoonstack.io/vm-subnet": "172.20.3.0/24" }),
  "the agent annotates a Node that has no annotations yet": annotate(self, { "cocoonstack.io/vm-subnet": "172.20.3.0/24" }, { old: freshNode(self) }),
  "teardown removes the subnet annotation": annotate(self, { "cocoonstack.io/vm-subnet": null }, {
    old: (() => { const n = node(self); n.metadata.annotations["cocoonstack.io/vm-subnet"] = "172.20.3.0/24"; return n; })(),
  }),
  "the first status: the condition and the resource are added": patchStatus(self, agentStatus(false, 61), { old: freshNode(self) }),
  "a status update with the pool size": patchStatus(self, agentStatus(true, 64)),
  "a status update without the pool size": patchStatus(self, agentStatus(true)),
  "claiming a subnet: a Lease created for itself": leaseRequest("CREATE", subnetLease, { object: lease(subnetLease, self) }),
  "renewing its own Lease": leaseRequest("UPDATE", subnetLease, { object: renewed(self).updated, oldObject: renewed(self).old }),
  "teardown (or a move) deletes its own Lease": leaseRequest("DELETE", subnetLease, { oldObject: lease(subnetLease, self) }),
  "an Event about its own Node": event(self),
};

// Requests the policy never evaluates: nobody else's, and no other kind of request.
const ignored = {
  "another service account is not looked at (a controller relabels any node)": patchNode({
    on: other, userInfo: user(null, "system:serviceaccount:kube-system:node-controller"), change: (n) => { n.metadata.labels.zone = "b"; },
  }),
  "an administrator is not looked at (kubectl taints any node)": patchNode({
    on: other, userInfo: { username: "admin", groups: ["system:masters", "system:authenticated"] },
    change: (n) => { n.spec.taints = [{ key: "maintenance", effect: "NoSchedule" }]; },
  }),
  "a request the policy does not match (a CONNECT to a node, e.g. nodes/proxy)": {
    request: request({ resource: "nodes", subResource: "proxy", kind: "NodeProxyOptions", name: other, operation: "CONNECT", userInfo: user(self) }), object: null, oldObject: null,
  },
};

const denied = {
  "another node's subnet annotation": [annotate(other, { "cocoonstack.io/vm-subnet": "172.20.3.0/24" }), "may change only its own Node, not vm-node-b"],
  "another node's status": [patchStatus(other, agentStatus(false, 0)), "may change only its own Node, not vm-node-b"],
  "a label on its own Node": [patchNode({ on: self, change: (n) => { n.metadata.labels["node-role.kubernetes.io/control-plane"] = ""; } }), "labels"],
  "removing a label of its own Node": [patchNode({ on: self, change: (n) => { delete n.metadata.labels["cocoonstack.io/vm-node"]; } }), "labels"],
  "a taint on its own Node": [patchNode({ on: self, change: (n) => { n.spec.taints = [{ key: "x", effect: "NoExecute" }]; } }), "spec"],
  "cordoning its own Node": [patchNode({ on: self, change: (n) => { n.spec.unschedulable = true; } }), "spec"],
  "a finalizer on its own Node": [patchNode({ on: self, change: (n) => { n.metadata.finalizers = ["example.com/hold"]; } }), "labels, finalizers"],
  "another annotation on its own Node": [annotate(self, { "node.alpha.kubernetes.io/ttl": "30" }), "only the cocoonstack.io/ annotations"],
  "a new foreign annotation on its own Node": [annotate(self, { "example.com/owner": "me" }), "only the cocoonstack.io/ annotations"],
  "removing a foreign annotation of its own Node": [annotate(self, { "volumes.kubernetes.io/controller-managed-attach-detach": null }), "only the cocoonstack.io/ annotations"],
  "its own Node's Ready condition": [patchStatus(self, { status: { conditions: [{ type: "Ready", status: "False", reason: "Down" }] } }), "only the condition CocoonNetReady"],
  "removing a condition of its own Node": [editStatus(self, (s) => { s.conditions = s.conditions.filter((c) => c.type !== "DiskPressure"); }), "only the condition CocoonNetReady"],
  "another resource in its own Node's capacity": [patchStatus(self, { status: { capacity: { "nvidia.com/gpu": "8" }, allocatable: { "nvidia.com/gpu": "8" } } }), "only the resource cocoonstack.io/vm-ip"],
  "its own Node's cpu allocatable": [patchStatus(self, { status: { allocatable: { cpu: "64" } } }), "only the resource cocoonstack.io/vm-ip"],
  "its own Node's addresses": [editStatus(self, (s) => { s.addresses = [{ type: "InternalIP", address: "10.0.0.66" }]; }), "addresses, node info"],
  "renewing a Lease another node holds": [
    leaseRequest("UPDATE", subnetLease, { object: renewed(other).updated, oldObject: renewed(other).old }),
    "may renew or delete only its own subnet Lease, not vm-subnet-172-20-3-0-24 held by vm-node-b",
  ],
  "taking over another node's Lease": [
    leaseRequest("UPDATE", subnetLease, { object: renewed(other, self).updated, oldObject: renewed(other, self).old }),
    "may renew or delete only its own subnet Lease",
  ],
  "handing its own Lease to another node": [
    leaseRequest("UPDATE", subnetLease, { object: renewed(self, other).updated, oldObject: renewed(self, other).old }),
    "may hold a subnet Lease only for itself, not for vm-node-b",
  ],
  "deleting a Lease another node holds (also a gone node's: the garbage collector)": [
    leaseRequest("DELETE", subnetLease, { oldObject: lease(subnetLease, other, "2026-11-01T00:00:00Z") }),
    "may renew or delete only its own subnet Lease, not vm-subnet-172-20-3-0-24 held by vm-node-b",
  ],
  "creating a Lease for another node": [leaseRequest("CREATE", subnetLease, { object: lease(subnetLease, other) }), "may hold a subnet Lease only for itself, not for vm-node-b"],
  "creating a Lease without a holder": [
    leaseRequest("CREATE", subnetLease, { object: (() => { const l = lease(subnetLease, self); delete l.spec.holderIdentity; return l; })() }),
    "not for nobody",
  ],
  "a token bound to no pod (no node-name claim), even on the agent's usual request": [
    annotate(self, { "cocoonstack.io/vm-subnet": "172.20.3.0/24" }, { userInfo: user(null) }),
    "must run in a pod with its automatically mounted (pod-bound) token",
  ],
  "a Lease with a token bound to no pod": [leaseRequest("CREATE", subnetLease, { object: lease(subnetLease, self), userInfo: user(null) }), "pod-bound"],
  "an Event about another node": [event(other), "may post Events only about its own Node"],
};

for (const [name, { request: r, object, oldObject }] of Object.entries(allowed)) {
  test(`allowed: ${name}`, () => {
    const decision = admit(policy, r, object, oldObject);
    assert.deepEqual(decision.errors, []);
    assert.deepEqual(decision.denials, []);
    assert.equal(decision.allowed, true);
  });
}

for (const [name, { request: r, object, oldObject }] of Object.entries(ignored)) {
  test(`not evaluated: ${name}`, () => {
    const decision = admit(policy, r, object, oldObject);
    assert.equal(decision.matched, false);
    assert.equal(decision.allowed, true);
  });
}

const denying = new Set();
for (const [name, [{ request: r, object, oldObject }, message]] of Object.entries(denied)) {
  test(`denied: ${name}`, () => {
    const decision = admit(policy, r, object, oldObject);
    // Refused by a validation that says why, never by an expression that failed to evaluate.
    assert.deepEqual(decision.errors, []);
    assert.equal(decision.matched, true);
    assert.equal(decision.allowed, false);
    assert.ok(decision.denials.some((d) => d.message.includes(message)), `no denial says "${message}": ${JSON.stringify(decision.denials)}`);
    for (const d of decision.denials) denying.add(d.validation);
  });
}

test("every validation of the policy denies at least one request of the table", () => {
  const all = policy.spec.validations.map((_, i) => i);
  assert.deepEqual(all.filter((i) => !denying.has(i)), []);
});

test("the policy is limited to the agent's service account, fails closed and only denies", () => {
  assert.equal(policy.spec.failurePolicy, "Fail");
  assert.deepEqual(policy.spec.matchConditions.map((c) => c.expression), [`request.userInfo.username == '${agent}'`]);
});
