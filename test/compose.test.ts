// compose.yaml, checked against the service it runs (test/compose/check.sh runs it for real, where containers
// can run): each part a replica depends on is checked, and every HELLOWORLD_* variable it sets is read by the
// service's own config loader, with the image's config, so a key the service does not know fails here.
import "reflect-metadata";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { loadConfig } from "@kratos-ts/kratos/config";
import { load } from "js-yaml";
import { Bootstrap, ENV_PREFIX, secretInFile } from "../internal/conf/conf.js";
import { repoRoot } from "./support/repo.js";

interface ComposeService {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  stop_grace_period?: string;
  restart?: string;
}

const root = repoRoot();
const compose = load(readFileSync(join(root, "compose.yaml"), "utf8")) as { services: Record<string, ComposeService>; volumes: Record<string, unknown> };
const { services } = compose;
const replicas = ["helloworld-1", "helloworld-2"];

/** interpolate resolves ${NAME:-default} as compose does when NAME is unset. */
const interpolate = (value: string) => value.replace(/\$\{[A-Z0-9_]+:-([^}]*)\}/g, "$1");

/** The service's config as a replica runs it: the image's config (configs/, at /data/conf) and the replica's environment. */
function replicaConfig(name: string): Bootstrap {
  const env = Object.fromEntries(Object.entries(services[name]?.environment ?? {}).map(([k, v]) => [k, interpolate(String(v))]));
  return loadConfig(join(root, "configs"), { schema: Bootstrap, envPrefix: ENV_PREFIX, env, refuseInFile: secretInFile });
}

describe("compose.yaml", () => {
  it("has PostgreSQL, a one-shot migrate and two replicas of the service's image, and nothing else", () => {
    assert.deepEqual(Object.keys(services).sort(), ["helloworld-1", "helloworld-2", "migrate", "postgres"]);
    assert.equal(services.migrate?.build, ".");
    assert.equal(interpolate(services.postgres?.image ?? ""), "postgres:16-bookworm");
    for (const name of ["migrate", ...replicas]) assert.equal(interpolate(services[name]?.image ?? ""), "helloworld-ts:latest", name);
    assert.deepEqual(Object.keys(compose.volumes), ["postgres-data"]);
  });

  it("publishes each replica's HTTP and gRPC ports on its own host ports, on loopback, from the ports the service listens on", () => {
    const config = replicaConfig("helloworld-1");
    const port = (addr: string) => addr.split(":").pop();
    assert.deepEqual([port(config.server.http.addr), port(config.server.grpc.addr)], ["8000", "9000"]);
    assert.deepEqual(
      replicas.map((name) => services[name]?.ports?.map(interpolate)),
      [
        ["127.0.0.1:8001:8000", "127.0.0.1:9001:9000"],
        ["127.0.0.1:8002:8000", "127.0.0.1:9002:9000"],
      ],
    );
  });

  it("runs the migrations once, after PostgreSQL is healthy and before either replica starts", () => {
    assert.deepEqual(services.migrate?.command, ["node", "dist/cmd/helloworld/main.js", "-conf", "/data/conf", "-migrate"]);
    assert.equal(services.migrate?.restart, "no");
    assert.deepEqual(services.migrate?.depends_on, { postgres: { condition: "service_healthy" } });
    assert.deepEqual(services.postgres?.healthcheck?.test, ["CMD", "pg_isready", "-U", "helloworld", "-d", "helloworld"]);
    for (const name of replicas) assert.deepEqual(services[name]?.depends_on, { migrate: { condition: "service_completed_successfully" } }, name);
  });

  it("points every replica and the migration at the compose PostgreSQL, with the password from the environment, through keys the service's loader accepts", () => {
    const postgres = services.postgres?.environment ?? {};
    for (const name of ["migrate", ...replicas]) {
      const { database } = replicaConfig(name).data;
      assert.equal(database.driver, "postgres", name);
      assert.equal(database.source, `postgres://${postgres.POSTGRES_USER}@postgres:5432/${postgres.POSTGRES_DB}`, name);
      assert.equal(database.password, interpolate(String(postgres.POSTGRES_PASSWORD)), name);
    }
  });

  it("gives each replica a stop grace period longer than the service's stop timeout", () => {
    for (const name of replicas) {
      const grace = /^(\d+)s$/.exec(services[name]?.stop_grace_period ?? "");
      assert.ok(grace, `${name}: stop_grace_period in seconds`);
      assert.ok(Number(grace[1]) * 1000 > replicaConfig(name).app.stop_timeout, `${name}: ${grace[1]} s against the stop timeout`);
    }
  });
});
