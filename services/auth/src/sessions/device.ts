import { UAParser } from 'ua-parser-js';
import { sha256 } from '../shared/crypto.ts';

export interface DeviceInfo {
  ip: string | null;
  userAgent: string | null;
  browser: string | null;
  os: string | null;
  device: string | null;
  deviceId: string | null;
  fingerprint: string;
}

/** Parses a user agent into browser, OS and device, and derives a stable fingerprint of the device. */
export function describeDevice(input: { userAgent?: string; ip?: string; deviceId?: string }): DeviceInfo {
  const ua = (input.userAgent ?? '').slice(0, 512);
  const r = new UAParser(ua).getResult();
  const browser = r.browser.name ? `${r.browser.name}${r.browser.major ? ` ${r.browser.major}` : ''}` : null;
  const os = r.os.name ? `${r.os.name}${r.os.version ? ` ${r.os.version}` : ''}` : null;
  const device =
    r.device.type ??
    (r.device.vendor || r.device.model
      ? [r.device.vendor, r.device.model].filter(Boolean).join(' ')
      : ua
        ? 'desktop'
        : null);
  const deviceId = input.deviceId?.slice(0, 128) ?? null;
  // The fingerprint ignores the IP (it changes between networks) and browser patch versions.
  const fingerprint = sha256(
    [deviceId ?? '', r.browser.name ?? '', r.os.name ?? '', r.device.type ?? '', r.device.model ?? ''].join('|'),
  ).slice(0, 32);
  return { ip: input.ip ?? null, userAgent: ua || null, browser, os, device, deviceId, fingerprint };
}
