import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryRegistry } from '@petpro/kit';
import { okHandler, startGateway, startUpstream, type FakeUpstream, type TestGateway } from './harness.ts';

/** Sends a raw request with Upgrade headers and returns the whole answer. */
function rawUpgrade(port: number, method: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    let data = '';
    socket.on('data', (d: Buffer) => (data += d.toString('utf8')));
    socket.on('error', reject);
    socket.on('close', () => resolve(data));
    socket.setTimeout(5_000, () => socket.destroy(new Error('no answer to the upgrade')));
    socket.write(
      `${method} ${path} HTTP/1.1\r\n` +
        'Host: gateway\r\n' +
        'Upgrade: websocket\r\n' +
        'Connection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
        'Sec-WebSocket-Version: 13\r\n\r\n',
    );
  });
}

// Regression: the gateway proxied an Upgrade request to any routed path without its access check or
// the revocation list (upgrades bypass Express), so a logged-out token could still, say, DELETE a pet
// by adding `Upgrade: websocket` to the request; and a protected route was reached with no token at all.
describe('WebSocket upgrades only on WebSocket routes', () => {
  const registry = new MemoryRegistry();
  let gw: TestGateway;
  let user: FakeUpstream;
  let booking: FakeUpstream;

  beforeAll(async () => {
    user = await startUpstream(registry, 'user', okHandler('user'));
    booking = await startUpstream(registry, 'booking', okHandler('booking'));
    gw = await startGateway({ registry });
  });
  afterAll(async () => {
    await gw?.stop();
    await user?.stop();
    await booking?.stop();
  });

  it('refuses an upgrade to an HTTP route with 400 problem+json, without reaching the service', async () => {
    const answer = await rawUpgrade(gw.port, 'DELETE', '/api/v1/pets/0190a0a0-0000-7000-8000-000000000000');
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    expect(answer).toMatch(/content-type: application\/problem\+json/i);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)).code).toBe('upgrade_not_supported');
    expect(user.seen.filter((s) => s.includes('/api/v1/pets'))).toEqual([]);
  });

  it('refuses an upgrade of /ws without a token with 401, before the service sees it', async () => {
    const answer = await rawUpgrade(gw.port, 'GET', '/ws?probe=1');
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 401 Unauthorized');
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)).code).toBe('unauthorized');
    expect(booking.seen.filter((s) => s.includes('/ws'))).toEqual([]);
  });
});
