import { describe, expect, it } from 'vitest';
import { describeDevice } from './device.ts';

describe('describeDevice', () => {
  it('parses a mobile Chrome on Android', () => {
    const d = describeDevice({
      userAgent:
        'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile ' +
        'Safari/537.36',
      ip: '203.0.113.7',
      deviceId: 'phone-1',
    });
    expect(d.browser).toBe('Chrome 124');
    expect(d.os).toBe('Android 14');
    expect(d.device).toBe('mobile');
    expect(d.ip).toBe('203.0.113.7');
    expect(d.fingerprint).toHaveLength(32);
  });
  it('gives the same fingerprint for the same device on another network', () => {
    const ua =
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 ' +
      'Safari/605.1.15';
    expect(describeDevice({ userAgent: ua, ip: '1.1.1.1', deviceId: 'mac' }).fingerprint).toBe(
      describeDevice({ userAgent: ua, ip: '2.2.2.2', deviceId: 'mac' }).fingerprint,
    );
    expect(describeDevice({ userAgent: ua, deviceId: 'mac' }).fingerprint).not.toBe(
      describeDevice({ userAgent: ua, deviceId: 'other' }).fingerprint,
    );
  });
  it('copes with no user agent', () => {
    expect(describeDevice({})).toMatchObject({ browser: null, os: null, device: null });
  });
});
