import { readFileSync } from 'node:fs';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort } from './embedded-db.ts';

const [ephemeralLow] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);

describe('freePort', () => {
  it('picks a port below the ephemeral range: no outgoing connection can hold it across a restart', async () => {
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    for (const p of ports) {
      expect(p).toBeGreaterThanOrEqual(10_000);
      expect(p).toBeLessThan(ephemeralLow!);
      expect(p).not.toBe(5432);
    }
  });

  it('prefers the given port when it is free, and picks another when it is taken', async () => {
    const wanted = await freePort();
    expect(await freePort(wanted)).toBe(wanted);
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(wanted, '127.0.0.1', resolve));
    try {
      expect(await freePort(wanted)).not.toBe(wanted);
    } finally {
      holder.close();
    }
  });
});
