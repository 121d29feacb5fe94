import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWK } from 'jose';
import { ACCESS_TOKEN_ALG, runEvery } from '@petpro/kit';
import type { Logger, Principal } from '@petpro/kit';
import type { KeyBox } from '../shared/crypto.ts';
import type { StoredKey } from './keys.repository.ts';
import type { AuthStore } from '../store.ts';

export interface AccessTokenInput {
  userId: string;
  sessionId: string;
  roles: string[];
  permissions: string[];
  email: string;
}

/**
 * Access-token signing with Ed25519 (EdDSA). The active private key is kept in the database,
 * encrypted; a rotated key stays published in the JWKS until every token it signed has expired.
 */
export class KeysService {
  private active?: { kid: string; key: CryptoKey };
  private published: JWK[] = [];
  private loadedAt = 0;

  constructor(
    private readonly store: AuthStore,
    private readonly box: KeyBox,
    private readonly opts: { issuer: string; audience: string; accessTtlSeconds: number; rotationDays: number },
    private readonly log: Logger,
  ) {}

  private get keepRetiredMs(): number {
    return (this.opts.accessTtlSeconds + 300) * 1000;
  }

  /**
   * Creates the first key, or a new one when the active one is older than the rotation period (or
   * `force`), unless another replica just did: under the rotation lock, so replicas starting together
   * create one key.
   */
  async ensureKey(force = false): Promise<boolean> {
    const maxAgeMs = this.opts.rotationDays * 86_400_000;
    const rotated = await this.store.transaction(async (repos) => {
      await repos.keys.lockRotation();
      const activeSince = await repos.keys.findActiveCreatedAt();
      if (activeSince && !force && Date.now() - activeSince.getTime() < maxAgeMs) return false;
      await repos.keys.replaceActive(await this.generateKey());
      return true;
    });
    if (rotated) this.log.info('token signing key created');
    await this.loadKeys();
    return rotated;
  }

  /** A new Ed25519 key pair: the public JWK to publish, the private one sealed for the database. */
  private async generateKey() {
    const { publicKey, privateKey } = await generateKeyPair(ACCESS_TOKEN_ALG, { crv: 'Ed25519', extractable: true });
    const kid = randomUUID();
    const pub = { ...(await exportJWK(publicKey)), kid, alg: ACCESS_TOKEN_ALG, use: 'sig' };
    const priv = { ...(await exportJWK(privateKey)), kid, alg: ACCESS_TOKEN_ALG };
    return {
      kid,
      alg: ACCESS_TOKEN_ALG,
      publicJwk: JSON.stringify(pub),
      privateJwkEnc: this.box.seal(JSON.stringify(priv)),
    };
  }

  private async loadKeys(): Promise<void> {
    const keys: StoredKey[] = await this.store.repos.keys.findPublishable(this.keepRetiredMs);
    const current = keys.find((k) => !k.retiredAt);
    if (!current) throw new Error('no active signing key');
    if (this.active?.kid !== current.kid) {
      const jwk = JSON.parse(this.box.open(current.privateJwkEnc)) as JWK;
      this.active = { kid: current.kid, key: (await importJWK(jwk, ACCESS_TOKEN_ALG)) as CryptoKey };
    }
    this.published = keys.map((k) => k.publicJwk as JWK);
    this.loadedAt = Date.now();
  }

  /** Re-reads keys now and then so every replica signs with, and publishes, the same set. */
  private async reloadIfStale(): Promise<void> {
    if (!this.active || Date.now() - this.loadedAt > 30_000) await this.loadKeys();
  }

  async jwks(): Promise<{ keys: JWK[] }> {
    await this.reloadIfStale();
    return { keys: this.published };
  }

  /** The admin's rotation: a new active key at once (recorded in the audit trail); answers the keys now published. */
  async rotateNow(actor: Principal): Promise<{ keys: JWK[] }> {
    await this.ensureKey(true);
    await this.store.repos.audit.record({ type: 'signing_key_rotated', actorId: actor.userId });
    return this.jwks();
  }

  async sign(input: AccessTokenInput): Promise<{ token: string; expiresIn: number }> {
    await this.reloadIfStale();
    const { kid, key } = this.active!;
    const token = await new SignJWT({
      sid: input.sessionId,
      roles: input.roles,
      perms: input.permissions,
      email: input.email,
    })
      .setProtectedHeader({ alg: ACCESS_TOKEN_ALG, kid, typ: 'at+jwt' })
      .setIssuer(this.opts.issuer)
      .setAudience(this.opts.audience)
      .setSubject(input.userId)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime(`${this.opts.accessTtlSeconds}s`)
      .sign(key);
    return { token, expiresIn: this.opts.accessTtlSeconds };
  }

  /** Starts periodic rotation checks (hourly); returns a stop function. */
  startRotation(): () => Promise<void> {
    return runEvery(3_600_000, () => this.ensureKey(), {
      log: this.log,
      failure: 'signing key rotation failed',
      level: 'error',
    });
  }
}
