import "reflect-metadata";
// The Kubernetes manifests of deploy/kubernetes: decoded strictly into the real API types by test/kubecheck
// (k8s.io/api, Go), then checked against the service itself: its config loader reads the ConfigMap's
// config.yaml with the environment the Deployment sets, and the ports, probes, grace period and mounts must
// agree with that config and with the image's Dockerfile.
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { loadConfig } from "@kratos-ts/kratos/config";
import { Bootstrap, ENV_PREFIX, secretInFile } from "../internal/conf/conf.js";
import { repoRoot } from "./support/repo.js";
import { findTool, runTool } from "./support/tools.js";

const kubecheck = findTool("kubecheck");
if (!kubecheck) console.log("notice: kubecheck not built (no Go on this machine, or make tools not run); the Kubernetes manifests are not checked");

const root = repoRoot();
const MANIFESTS = join(root, "deploy", "kubernetes");
const LABELS = { "app.kubernetes.io/name": "helloworld" };

// The objects as kubecheck re-marshals them from k8s.io/api: only the fields this test reads.
type Labels = Record<string, string>;
interface Meta {
  name: string;
  labels?: Labels;
}
interface Probe {
  httpGet?: { path: string; port: number | string };
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  ports: Array<{ name: string; containerPort: number; protocol?: string }>;
  env?: EnvVar[];
  envFrom?: unknown;
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  lifecycle?: { preStop?: { sleep?: { seconds: number } } };
  securityContext?: { runAsNonRoot?: boolean; readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean; capabilities?: { drop?: string[] } };
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
}
interface Deployment {
  metadata: Meta;
  spec: {
    replicas: number;
    selector: { matchLabels: Labels };
    template: {
      metadata: { labels: Labels };
      spec: {
        terminationGracePeriodSeconds: number;
        securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
        containers: Container[];
        volumes?: Array<{ name: string; configMap?: { name: string }; emptyDir?: unknown }>;
      };
    };
  };
}
interface Service {
  metadata: Meta;
  spec: { selector: Labels; ports: Array<{ name: string; port: number; targetPort: number | string; appProtocol?: string }> };
}
interface ConfigMap {
  metadata: Meta;
  data: Record<string, string>;
}
interface Secret {
  metadata: Meta;
  type: string;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}
interface PodDisruptionBudget {
  metadata: Meta;
  spec: { minAvailable?: number | string; maxUnavailable?: number | string; selector: { matchLabels: Labels } };
}
interface Checked {
  resources: string[];
  objects: Record<string, unknown>;
}

function check(dir: string) {
  return runTool(kubecheck as string, [dir], 60_000);
}

/** portOf reads the port of a config address: host:port, [v6]:port or :port. */
function portOf(addr: string): number {
  return Number(addr.slice(addr.lastIndexOf(":") + 1));
}

/** The exec-form CMD of the image's Dockerfile: the last CMD line, a JSON array. */
function dockerCmd(): string[] {
  const lines = readFileSync(join(root, "Dockerfile"), "utf8")
    .split("\n")
    .filter((line) => line.startsWith("CMD "));
  const last = lines.at(-1);
  assert.ok(last, "the Dockerfile has a CMD");
  return JSON.parse(last.slice("CMD ".length)) as string[];
}

// Each test is skipped, and so counted, where kubecheck is not built.
const skip = kubecheck ? false : "kubecheck not built";

describe("the Kubernetes manifests in deploy/kubernetes", () => {
  const tmp = mkdtempSync(join(tmpdir(), "kubernetes-"));
  let checked: Checked;
  let deployment: Deployment;
  let container: Container;
  let service: Service;
  let configMap: ConfigMap;
  let secret: Secret;
  let pdb: PodDisruptionBudget;
  let env: Record<string, string>;
  let conf: Bootstrap;

  before(async () => {
    if (!kubecheck) return;
    const res = await check(MANIFESTS);
    assert.equal(res.code, 0, `kubecheck refused the manifests: ${res.stderr}`);
    assert.equal(res.stderr, "");
    checked = JSON.parse(res.stdout) as Checked;
    deployment = checked.objects["Deployment/helloworld"] as Deployment;
    service = checked.objects["Service/helloworld"] as Service;
    configMap = checked.objects["ConfigMap/helloworld-config"] as ConfigMap;
    secret = checked.objects["Secret/helloworld-db"] as Secret;
    pdb = checked.objects["PodDisruptionBudget/helloworld"] as PodDisruptionBudget;
    assert.equal(deployment.spec.template.spec.containers.length, 1);
    container = deployment.spec.template.spec.containers[0] as Container;
    // The environment the pod gets: plain values, and each secretKeyRef read from the Secret in the manifests.
    env = {};
    for (const v of container.env ?? []) {
      const ref = v.valueFrom?.secretKeyRef;
      if (!ref) {
        env[v.name] = v.value ?? "";
        continue;
      }
      const from = checked.objects[`Secret/${ref.name}`] as Secret | undefined;
      assert.ok(from, `env ${v.name}: the Secret ${ref.name} is in the manifests`);
      const encoded = from.data?.[ref.key];
      const value = from.stringData?.[ref.key] ?? (encoded === undefined ? undefined : Buffer.from(encoded, "base64").toString());
      assert.ok(value !== undefined, `env ${v.name}: the Secret ${ref.name} has the key ${ref.key}`);
      env[v.name] = value;
    }
    // The service's own loader, called as main.ts calls it, on a directory holding the ConfigMap's config.yaml,
    // as -conf names the ConfigMap's mount in the pod.
    const confDir = mkdtempSync(join(tmp, "conf-"));
    writeFileSync(join(confDir, "config.yaml"), configMap.data["config.yaml"] ?? "");
    conf = loadConfig(confDir, { schema: Bootstrap, envPrefix: ENV_PREFIX, refuseInFile: secretInFile, env });
  });

  after(() => rmSync(tmp, { recursive: true, force: true }));

  it("decodes strictly into the Kubernetes API types: every resource the kustomization lists, one object each", { skip }, () => {
    assert.deepEqual(checked.resources, ["configmap.yaml", "secret.yaml", "deployment.yaml", "service.yaml", "pdb.yaml"]);
    assert.deepEqual(Object.keys(checked.objects).sort(), [
      "ConfigMap/helloworld-config",
      "Deployment/helloworld",
      "PodDisruptionBudget/helloworld",
      "Secret/helloworld-db",
      "Service/helloworld",
    ]);
  });

  for (const { what, file, edit, error } of [
    {
      what: "an unknown field in the Deployment's spec",
      file: "deployment.yaml",
      edit: (text: string) => text.replace("\n  replicas: 2\n", "\n  replicas: 2\n  replicaz: 2\n"),
      error: '(apps/v1 Deployment): unknown field "spec.replicaz"',
    },
    {
      what: "a field in the wrong case, which encoding/json alone would take",
      file: "deployment.yaml",
      edit: (text: string) => text.replace("readOnlyRootFilesystem: true", "readonlyRootFilesystem: true"),
      error: '(apps/v1 Deployment): unknown field "spec.template.spec.containers[0].securityContext.readonlyRootFilesystem"',
    },
    {
      what: "a value of the wrong type",
      file: "service.yaml",
      edit: (text: string) => text.replace("port: 9000", 'port: "9000"'),
      error: "(v1 Service): json: cannot unmarshal string into Go struct field ServicePort.spec.ports.port of type int32",
    },
    {
      what: "a duplicate key",
      file: "pdb.yaml",
      edit: (text: string) => text.replace("minAvailable: 1", "minAvailable: 1\n  minAvailable: 2"),
      error: 'yaml: unmarshal errors: line 10: key "minAvailable" already set in map',
    },
    {
      what: "a kind kubecheck does not know",
      file: "pdb.yaml",
      edit: (text: string) => `${text}---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: stray\n`,
      error: 'document 2: apiVersion "v1" kind "Pod" is not one kubecheck knows',
    },
    {
      what: "a kustomize transformer, which the check would not apply",
      file: "kustomization.yaml",
      edit: (text: string) => `${text}namePrefix: staging-\n`,
      error: 'unknown field "namePrefix" (only apiVersion, kind and resources are read)',
    },
  ]) {
    it(`refuses ${what}, naming the file and the field`, { skip }, async () => {
      const dir = mkdtempSync(join(tmp, "edited-"));
      cpSync(MANIFESTS, dir, { recursive: true });
      const path = join(dir, file);
      const before = readFileSync(path, "utf8");
      const after = edit(before);
      assert.notEqual(after, before, "the edit applies");
      writeFileSync(path, after);
      const res = await check(dir);
      assert.equal(res.code, 1, res.stdout);
      assert.equal(res.stdout, "");
      assert.match(res.stderr, /^kubecheck: .*\n$/);
      assert.ok(res.stderr.startsWith(`kubecheck: ${path}: `), res.stderr);
      assert.ok(res.stderr.includes(error), res.stderr);
    });
  }

  it("holds a config.yaml the service's loader accepts, for PostgreSQL at host postgres, without the password", { skip }, () => {
    assert.deepEqual(Object.keys(configMap.data), ["config.yaml"]);
    assert.equal(conf.data.database.driver, "postgres");
    const source = new URL(conf.data.database.source);
    assert.equal(source.protocol, "postgres:");
    assert.equal(source.hostname, "postgres");
    assert.equal(source.port, "5432");
    assert.equal(source.password, "");
    assert.equal(conf.data.database.password_file, "");
    // The password is the Secret's, through the environment; the ConfigMap's text never holds it.
    assert.equal(conf.data.database.password, secret.stringData?.password);
    assert.ok(!(configMap.data["config.yaml"] ?? "").includes(secret.stringData?.password ?? ""), "the ConfigMap holds the password");
    assert.ok(!/password/i.test(configMap.data["config.yaml"] ?? ""), "the ConfigMap names a password key");
  });

  it("takes the password from the Secret through the environment, and nothing else", { skip }, () => {
    assert.deepEqual(container.env, [{ name: "HELLOWORLD_DATA_DATABASE_PASSWORD", valueFrom: { secretKeyRef: { name: "helloworld-db", key: "password" } } }]);
    assert.equal(container.envFrom, undefined);
    assert.equal(secret.type, "Opaque");
    assert.deepEqual(Object.keys(secret.stringData ?? {}), ["password"]);
    assert.equal(secret.data, undefined);
  });

  it("runs 2 replicas whose pods the selector, the Service and the PodDisruptionBudget all pick", { skip }, () => {
    assert.equal(deployment.spec.replicas, 2);
    assert.deepEqual(deployment.spec.template.metadata.labels, LABELS);
    assert.deepEqual(deployment.spec.selector.matchLabels, LABELS);
    assert.deepEqual(service.spec.selector, LABELS);
    assert.deepEqual(pdb.spec.selector.matchLabels, LABELS);
    assert.equal(pdb.spec.minAvailable, 1);
    assert.equal(pdb.spec.maxUnavailable, undefined);
  });

  it("opens the ports of the config's addresses, 8000 http and 9000 grpc, and the Service exposes them by name", { skip }, () => {
    assert.equal(conf.server.http.addr, "0.0.0.0:8000");
    assert.equal(conf.server.grpc.addr, "0.0.0.0:9000");
    assert.deepEqual(container.ports, [
      { name: "http", containerPort: portOf(conf.server.http.addr) },
      { name: "grpc", containerPort: portOf(conf.server.grpc.addr) },
    ]);
    assert.deepEqual(container.ports, [
      { name: "http", containerPort: 8000 },
      { name: "grpc", containerPort: 9000 },
    ]);
    assert.deepEqual(service.spec.ports, [
      { name: "http", port: 8000, targetPort: "http", appProtocol: "http" },
      { name: "grpc", port: 9000, targetPort: "grpc", appProtocol: "grpc" },
    ]);
  });

  it("probes readiness on /readyz and liveness on /healthz, on the http port", { skip }, () => {
    assert.deepEqual(container.readinessProbe?.httpGet, { path: "/readyz", port: "http" });
    assert.deepEqual(container.livenessProbe?.httpGet, { path: "/healthz", port: "http" });
    // /readyz answers within the database ping's 1 s: a probe waits 2 s for it.
    assert.deepEqual(container.readinessProbe, { httpGet: { path: "/readyz", port: "http" }, timeoutSeconds: 2, periodSeconds: 5, failureThreshold: 2 });
    assert.deepEqual(container.livenessProbe, {
      httpGet: { path: "/healthz", port: "http" },
      initialDelaySeconds: 5,
      timeoutSeconds: 2,
      periodSeconds: 10,
      failureThreshold: 3,
    });
    const http = container.ports.find((p) => p.name === "http");
    assert.equal(http?.containerPort, portOf(conf.server.http.addr));
  });

  it("gives a stop its preStop sleep and the config's app.stop_timeout before the grace period ends", { skip }, () => {
    const sleep = container.lifecycle?.preStop?.sleep?.seconds;
    assert.equal(sleep, 5);
    assert.equal(conf.app.stop_timeout, 10_000);
    const grace = deployment.spec.template.spec.terminationGracePeriodSeconds;
    assert.equal(grace, 30);
    assert.ok(grace * 1000 > sleep * 1000 + conf.app.stop_timeout, `grace ${grace}s <= preStop ${sleep}s + stop_timeout ${conf.app.stop_timeout}ms`);
  });

  it("runs as the image's non-root user on a read-only root filesystem, writing only to /tmp", { skip }, () => {
    assert.deepEqual(deployment.spec.template.spec.securityContext, {
      runAsUser: 1000,
      runAsGroup: 1000,
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    });
    assert.deepEqual(container.securityContext, { capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    assert.deepEqual(deployment.spec.template.spec.volumes, [
      { name: "config", configMap: { name: configMap.metadata.name } },
      { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
    ]);
    assert.deepEqual(container.volumeMounts, [
      { name: "config", readOnly: true, mountPath: "/data/conf" },
      { name: "tmp", mountPath: "/tmp" },
    ]);
    // Only SQLite writes a file (in /app/data): with PostgreSQL nothing else needs a writable directory.
    assert.notEqual(conf.data.database.driver, "sqlite");
  });

  it("runs the image's own CMD, whose -conf directory is the ConfigMap's mount", { skip }, () => {
    assert.equal(container.image, "helloworld-ts:latest");
    assert.equal(container.command, undefined);
    assert.equal(container.args, undefined);
    const cmd = dockerCmd();
    const at = cmd.indexOf("-conf");
    assert.ok(at > 0, `the CMD ${JSON.stringify(cmd)} has -conf`);
    const mount = container.volumeMounts?.find((m) => m.name === "config");
    assert.equal(mount?.mountPath, cmd[at + 1]);
    assert.equal(mount?.mountPath, "/data/conf");
  });

  it("requests and limits CPU and memory", { skip }, () => {
    assert.deepEqual(container.resources, { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } });
  });
});
