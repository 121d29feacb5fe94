import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';

/** A random, URL-safe token with `bytes` of entropy (default 32 = 256 bits). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** SHA-256 hex digest: how tokens are stored (high-entropy tokens need no slow hash). */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/**
 * Encrypts private signing keys at rest with AES-256-GCM under a key derived (HKDF) from a secret
 * that is not in the database, so a database dump alone cannot mint tokens.
 */
export class KeyBox {
  private readonly key: Buffer;
  /** `purpose` separates the keys of different uses of one secret (HKDF's info). */
  constructor(secret: string, purpose = 'signing-key-encryption') {
    this.key = Buffer.from(hkdfSync('sha256', secret, 'petpro-auth', purpose, 32));
  }
  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const enc = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [iv, cipher.getAuthTag(), enc].map((b) => b.toString('base64url')).join('.');
  }
  open(sealed: string): string {
    const [iv, tag, enc] = sealed.split('.').map((p) => Buffer.from(p, 'base64url'));
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv!);
    decipher.setAuthTag(tag!);
    return Buffer.concat([decipher.update(enc!), decipher.final()]).toString('utf8');
  }
}

/**
 * HMAC-SHA-256 under a key derived (HKDF) from a secret that is not in the database: how short codes
 * (texted codes, backup codes) are stored, so that a database dump alone cannot test guesses offline.
 */
export class CodeHasher {
  private readonly key: Buffer;
  constructor(secret: string, purpose: string) {
    this.key = Buffer.from(hkdfSync('sha256', secret, 'petpro-auth', purpose, 32));
  }
  hash(value: string): string {
    return createHmac('sha256', this.key).update(value).digest('hex');
  }
}
