import type { IncomingMessage } from 'node:http';
import { type CidrSet, clientKeyOf, formatIp, parseIp, type IpAddress } from './cidr.ts';

/** Who a request comes from, as far as limits and blocks are concerned. */
export interface ClientIdentity {
  /** The client's address in canonical text. */
  ip: string;
  addr: IpAddress;
  /** What the client is counted and blocked under: the IPv4 address or the IPv6 /64. */
  key: string;
}

declare module 'express-serve-static-core' {
  interface Request {
    clientIdentity?: ClientIdentity;
  }
}

/** Beyond this many X-Forwarded-For hops the rest is not read: no real chain of proxies is longer. */
const MAX_HOPS = 32;

/** One X-Forwarded-For entry; some proxies add a port (`1.2.3.4:5678`, `[2001:db8::1]:443`). */
function parseHop(hop: string): IpAddress | undefined {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(hop);
  if (bracketed) return parseIp(bracketed[1]!);
  const v4port = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(hop);
  if (v4port) return parseIp(v4port[1]!);
  return parseIp(hop);
}

/**
 * The client's address: the socket peer, unless the peer is a trusted proxy; then X-Forwarded-For
 * is walked from the right, skipping trusted hops, and the first untrusted address is the client.
 * An X-Forwarded-For from an untrusted peer is ignored entirely, so a client cannot choose its own
 * address. Returns undefined only when the socket has no address (already closed).
 */
export function resolveClientAddress(
  peer: string | undefined,
  forwardedFor: string | string[] | undefined,
  trusted: CidrSet,
): IpAddress | undefined {
  const peerAddr = peer === undefined ? undefined : parseIp(peer);
  if (!peerAddr) return undefined;
  if (trusted.size === 0 || !trusted.has(peerAddr) || !forwardedFor) return peerAddr;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean)
    .slice(-MAX_HOPS);
  let current = peerAddr;
  for (let i = hops.length - 1; i >= 0; i--) {
    const addr = parseHop(hops[i]!);
    // A hop a trusted proxy wrote should always parse; if not, stop at the last address we can stand behind.
    if (!addr) return current;
    current = addr;
    if (!trusted.has(addr)) return addr;
  }
  return current;
}

/** The identity of each connection's peer, worked out once per connection rather than per request. */
const peers = new WeakMap<object, ClientIdentity>();

/** The identity of a raw request (HTTP or WebSocket upgrade). */
export function identifyClient(req: IncomingMessage, trusted: CidrSet): ClientIdentity | undefined {
  const socket = req.socket;
  let peer = peers.get(socket);
  if (peer === undefined) {
    const addr = resolveClientAddress(socket.remoteAddress, undefined, trusted);
    if (!addr) return undefined;
    peer = { ip: formatIp(addr), addr, key: clientKeyOf(addr) };
    peers.set(socket, peer);
  }
  const forwardedFor = req.headers['x-forwarded-for'];
  if (forwardedFor === undefined || trusted.size === 0 || !trusted.has(peer.addr)) return peer;
  const addr = resolveClientAddress(socket.remoteAddress, forwardedFor, trusted);
  if (!addr) return undefined;
  return { ip: formatIp(addr), addr, key: clientKeyOf(addr) };
}
