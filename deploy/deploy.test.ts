/**
 * The deploy files are checked like code: every Kubernetes document against the Kubernetes schemas
 * (kubernetes-models), the rules this platform needs on top (probes, drain, disruption budgets,
 * autoscalers, no shipped secret, values the processes accept), and the compose file's structure.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { baseEnv, parseConfig, portVar } from '@petpro/kit';
import { PROCESSES } from '../scripts/scale.ts';
import { parseGatewayConfig } from '../services/gateway/src/config.ts';
import { parseAuthConfig } from '../services/auth/src/config.ts';
import { parseUserConfig } from '../services/user/src/config.ts';
import { parseClinicConfig } from '../services/clinic/src/config.ts';
import { parseBookingConfig } from '../services/booking/src/config.ts';

const here = import.meta.dirname;
/** Variables whose values are secrets: only ever from the operator's Secret or the environment. */
const SECRET_VARS = /SECRET|PASSWORD|TOKEN|PRIVATE|^(DATABASE_URL|\w+_DATABASE_URL|REDIS_URL|SMTP_URL)$/;
/** A service drains for up to 9 s after SIGTERM (exit forced then); a gateway for up to 3 s. */
const DRAIN_SECONDS = 9;
/** The common load-balancer idle timeout (AWS ALB, ingress-nginx) the gateway's keep-alive must outlast. */
const LB_IDLE_MS = 60_000;

/** Parsed YAML, which the assertions below examine. */
type Yaml = any;
type Doc = { apiVersion: string; kind: string; metadata: { name: string }; spec?: Yaml; data?: Record<string, string> };

function k8sDocuments(): Doc[] {
  const docs = parseAllDocuments(readFileSync(path.join(here, 'k8s', 'petpro.yaml'), 'utf8'));
  for (const d of docs) expect([...d.errors, ...d.warnings].map((e) => e.message)).toEqual([]);
  return docs.map((d) => d.toJS() as Doc);
}

/** The kubernetes-models class for a document's apiVersion and kind (`apps/v1` → kubernetes-models/apps/v1). */
async function modelOf(doc: Doc): Promise<new (d: unknown) => { validate(): void }> {
  const mod = (await import(/* @vite-ignore */ `kubernetes-models/${doc.apiVersion}`)) as Record<string, unknown>;
  const model = mod[doc.kind];
  if (typeof model !== 'function') throw new Error(`no schema for ${doc.apiVersion} ${doc.kind}`);
  return model as new (
    d: unknown,
  ) => { validate(): void };
}

describe('Kubernetes manifests (deploy/k8s/petpro.yaml)', () => {
  const docs = k8sDocuments();
  const byKind = (kind: string) => docs.filter((d) => d.kind === kind);
  const deployments = byKind('Deployment');
  const container = (d: Doc) => d.spec.template.spec.containers[0];

  it('every document is valid against the Kubernetes schemas', async () => {
    expect(docs.length).toBeGreaterThan(10);
    for (const doc of docs) {
      const Model = await modelOf(doc);
      expect(() => new Model(doc).validate(), `${doc.kind} ${doc.metadata.name}`).not.toThrow();
    }
  });

  it('the schema check itself refuses a broken document', async () => {
    const broken = structuredClone(deployments[0]!);
    broken.spec.replicas = 'two';
    delete container(broken).readinessProbe.httpGet.port;
    const Model = await modelOf(broken);
    expect(() => new Model(broken).validate()).toThrow(/replicas must be integer|must have required property 'port'/);
  });

  it('ships no Secret and no secret value; every process reads the operator-made Secret', () => {
    expect(byKind('Secret')).toEqual([]);
    for (const cm of byKind('ConfigMap')) {
      expect(
        Object.keys(cm.data ?? {}).filter((k) => SECRET_VARS.test(k)),
        cm.metadata.name,
      ).toEqual([]);
    }
    for (const d of deployments) {
      const c = container(d);
      const literal = (c.env ?? []).filter((e: { name: string; value?: string }) => SECRET_VARS.test(e.name));
      expect(literal, d.metadata.name).toEqual([]);
      expect(c.envFrom).toContainEqual({ secretRef: { name: 'petpro-secrets' } });
    }
  });

  it('has one Deployment per process with probes, a preStop delay and a grace period longer than the drain', () => {
    expect(deployments.map((d) => container(d).args).sort()).toEqual([...PROCESSES].sort().map((p) => [p]));
    for (const d of deployments) {
      const c = container(d);
      const name = c.args[0] as string;
      const ports = (c.ports as Array<{ name: string }>).map((p) => p.name);
      for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
        expect(ports, `${name} ${probe}`).toContain(c[probe].httpGet.port);
      }
      expect(c.livenessProbe.httpGet.path).toBe('/healthz');
      // A service is ready when its database answers; the gateway by its own health (its /readyz
      // reports the upstreams, and one service down must not empty the load balancer).
      expect(c.readinessProbe.httpGet.path).toBe(name === 'gateway' ? '/healthz' : '/readyz');
      const preStop = c.lifecycle.preStop.exec.command as string[];
      expect(preStop[0]).toBe('sleep');
      expect(d.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(Number(preStop[1]) + DRAIN_SECONDS);
      expect(c.resources.requests.cpu, `${name}: autoscaling needs a CPU request`).toBeTruthy();
      expect(d.spec.template.metadata.labels).toMatchObject(d.spec.selector.matchLabels);
    }
  });

  it('every Deployment has a Service and a PodDisruptionBudget that select its pods', () => {
    for (const d of deployments) {
      const labels = d.spec.template.metadata.labels as Record<string, string>;
      const selects = (sel: Record<string, string>) => Object.entries(sel).every(([k, v]) => labels[k] === v);
      const svc = byKind('Service').find((s) => selects(s.spec.selector));
      expect(svc, `${d.metadata.name} Service`).toBeDefined();
      expect((container(d).ports as Array<{ name: string }>).map((p) => p.name)).toContain(
        svc!.spec.ports[0].targetPort,
      );
      const pdb = byKind('PodDisruptionBudget').find((b) => selects(b.spec.selector.matchLabels));
      expect(pdb, `${d.metadata.name} PodDisruptionBudget`).toBeDefined();
      // A budget that allows no eviction at all would block node drains.
      expect(pdb!.spec.minAvailable).toBeLessThan(d.spec.replicas);
    }
  });

  it('autoscales the gateway and booking, and mounts only claims that exist', () => {
    const hpas = byKind('HorizontalPodAutoscaler');
    expect(hpas.map((h) => h.spec.scaleTargetRef.name).sort()).toEqual(['petpro-booking', 'petpro-gateway']);
    for (const h of hpas) {
      expect(deployments.map((d) => d.metadata.name)).toContain(h.spec.scaleTargetRef.name);
      expect(h.spec.minReplicas).toBeGreaterThanOrEqual(2);
    }
    const claims = byKind('PersistentVolumeClaim').map((c) => c.metadata.name);
    for (const d of deployments) {
      for (const v of d.spec.template.spec.volumes ?? []) expect(claims).toContain(v.persistentVolumeClaim.claimName);
    }
  });

  it('every process accepts its configuration (ConfigMap + container env + the Secret keys)', () => {
    const config = byKind('ConfigMap')[0]!.data!;
    expect(Number(config.GATEWAY_KEEP_ALIVE_TIMEOUT_MS)).toBeGreaterThan(LB_IDLE_MS);
    // What `kubectl create secret` in the README puts in petpro-secrets (random values).
    const secret = {
      SERVICE_SECRET: 'b'.repeat(20) + Math.random().toString(36).repeat(3),
      JWT_KEY_SECRET: 'c'.repeat(20) + Math.random().toString(36).repeat(3),
      DATABASE_URL: 'postgres://petpro:pw@postgres.example:5432/postgres',
      REDIS_URL: 'redis://:pw@redis.example:6379',
      SMTP_URL: 'smtp://mailer:pw@smtp.example:587',
    };
    for (const d of deployments) {
      const c = container(d);
      const own: Record<string, string> = {};
      for (const e of c.env as Array<{ name: string; value?: string }>) {
        if (e.value !== undefined) own[e.name] = e.value.replace(/\$\(POD_IP\)/g, '10.1.2.3');
      }
      const env = { ...secret, ...config, ...own };
      const name = c.args[0] as string;
      if (name === 'gateway') {
        expect(parseGatewayConfig(env).GATEWAY_KEEP_ALIVE_TIMEOUT_MS).toBe(
          Number(config.GATEWAY_KEEP_ALIVE_TIMEOUT_MS),
        );
        continue;
      }
      const base = parseConfig({ ...baseEnv, PORT: portVar() }, env);
      expect(base.PORT).toBe(c.ports[0].containerPort);
      expect(base.HOST).toBe('0.0.0.0');
      if (name === 'auth') parseAuthConfig(env);
      if (name === 'user') parseUserConfig(env, base);
      if (name === 'clinic') parseClinicConfig(env);
      if (name === 'booking') parseBookingConfig(env);
    }
  });
});

describe('compose file (deploy/compose.yaml)', () => {
  const compose = parseYaml(readFileSync(path.join(here, 'compose.yaml'), 'utf8'), { merge: true }) as {
    services: Record<string, Yaml>;
  };
  const app = PROCESSES.map((p) => [p, compose.services[p]] as const);

  it('runs PostgreSQL, Redis, two gateways, two booking replicas and one of each other service', () => {
    expect(Object.keys(compose.services).sort()).toEqual([...PROCESSES, 'postgres', 'redis'].sort());
    const Service = z.object({
      image: z.literal('petpro:latest'),
      command: z.tuple([z.enum(PROCESSES)]),
      environment: z.record(z.string(), z.string()),
      depends_on: z.object({
        postgres: z.object({ condition: z.literal('service_healthy') }),
        redis: z.object({ condition: z.literal('service_healthy') }),
      }),
      healthcheck: z.object({ test: z.array(z.string()).min(2) }),
    });
    for (const [name, svc] of app) {
      expect(() => Service.parse(svc), name).not.toThrow();
      expect(svc.command).toEqual([name]);
      expect(svc.deploy?.replicas ?? 1).toBe(name === 'gateway' || name === 'booking' ? 2 : 1);
    }
    for (const s of ['postgres', 'redis']) expect(compose.services[s].healthcheck.test.length).toBeGreaterThan(1);
  });

  it('health checks ask each process on its own port: /readyz for services, /healthz for the gateway', () => {
    for (const [name, svc] of app) {
      const port = name === 'gateway' ? svc.environment.GATEWAY_PORT : svc.environment.PORT;
      expect(svc.healthcheck.test.join(' '), name).toContain(
        `http://127.0.0.1:${port}/${name === 'gateway' ? 'healthz' : 'readyz'}`,
      );
    }
  });

  it('holds no literal secret: every secret comes from the environment or deploy/.env', () => {
    const everyEnv = Object.values(compose.services).flatMap((s) => Object.entries(s.environment ?? {}));
    const secrets = everyEnv.filter(([k]) => SECRET_VARS.test(k));
    expect(secrets.length).toBeGreaterThan(5);
    for (const [name, value] of secrets) {
      // Only `${VAR…}` interpolation, and a database URL whose password is one.
      const withoutVars = String(value).replace(/\$\{[A-Z_]+(:?[-?][^}]*)?\}/g, '');
      expect(withoutVars, name).not.toMatch(/:[^/@:]+@/);
      if (!/_URL$/.test(name)) expect(withoutVars, name).toBe('');
    }
  });
});
