import { canonicalOrigin, splitList, z } from '@petpro/kit';
import { parseCidr } from './cidr.ts';

// Moved to the kit (the auth service's OAuth redirect allow-list reads origins too).
export { canonicalOrigin };

/** A comma-separated list of IP addresses or CIDRs (IPv4 and IPv6); a bad entry is named in the error. */
export const cidrListVar = () =>
  z.string().transform((v, ctx) => {
    const entries = splitList(v);
    const bad = entries.find((e) => !parseCidr(e));
    if (bad !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `must be a comma-separated list of IP addresses or CIDRs; "${bad}" is not one`,
      });
      return z.NEVER;
    }
    return entries;
  });

/** CORS_ORIGINS: `*`, or a comma-separated list of exact origins such as `https://app.petpro.id`. */
export const originListVar = () =>
  z.string().transform((v, ctx) => {
    const entries = splitList(v);
    if (entries.includes('*')) {
      if (entries.length > 1) {
        ctx.addIssue({ code: 'custom', message: 'must be either * alone or a list of origins, not both' });
        return z.NEVER;
      }
      return ['*'];
    }
    const out: string[] = [];
    for (const e of entries) {
      const o = canonicalOrigin(e);
      if (!o) {
        ctx.addIssue({
          code: 'custom',
          message: `must be * or a comma-separated list of origins like https://app.example.com; "${e}" is not one`,
        });
        return z.NEVER;
      }
      out.push(o);
    }
    return out;
  });
