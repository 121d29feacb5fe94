import { describe, expect, it } from 'vitest';
import { ConfigError } from '@petpro/kit';
import { gatewayPorts, parseScale, planLaunch } from './scale.ts';

const REDIS = { REDIS_URL: 'redis://127.0.0.1:6379' };

describe('launcher plan', () => {
  it('runs one of every process by default, or only the named ones', () => {
    expect(planLaunch([], {})).toEqual({
      replicas: { gateway: 1, auth: 1, user: 1, clinic: 1, booking: 1 },
      scaled: false,
    });
    expect(planLaunch(['--', 'booking', 'gateway'], {}).replicas).toEqual({ gateway: 1, booking: 1 });
  });

  it('takes --scale (both spellings) and PETPRO_SCALE, the flag winning per process', () => {
    expect(planLaunch(['--scale', 'gateway=2,booking=3'], REDIS).replicas).toEqual({
      gateway: 2,
      auth: 1,
      user: 1,
      clinic: 1,
      booking: 3,
    });
    const plan = planLaunch(['--scale=booking=2'], { ...REDIS, PETPRO_SCALE: 'gateway=2, booking=4' });
    expect(plan.replicas).toMatchObject({ gateway: 2, booking: 2 });
    expect(plan.scaled).toBe(true);
    // With names, --scale adds the processes it names.
    expect(planLaunch(['auth', '--scale', 'user=2'], REDIS).replicas).toEqual({ auth: 1, user: 2 });
  });

  it('refuses replicas without REDIS_URL, naming what needs it', () => {
    expect(() => planLaunch(['--scale', 'gateway=2'], {})).toThrow(
      /REDIS_URL is required to run replicas \(gateway=2\)/,
    );
    expect(() => planLaunch([], { PETPRO_SCALE: 'booking=2' })).toThrow(ConfigError);
    // One of each needs no Redis, however it is spelled.
    expect(planLaunch(['--scale', 'booking=1'], {}).scaled).toBe(false);
  });

  it.each([
    ['gateway:2', /--scale must look like gateway=2,booking=2/],
    ['payments=2', /unknown process "payments"/],
    ['booking=0', /booking must be 1\.\.32 replicas \(got 0\)/],
    ['booking=33', /must be 1\.\.32/],
    ['booking=-1', /must look like/],
  ])('refuses --scale %s', (spec, message) => {
    expect(() => planLaunch(['--scale', spec], REDIS)).toThrow(message);
    expect(() => parseScale(spec, '--scale')).toThrow(ConfigError);
  });

  it('refuses unknown names and options, and a --scale without a value', () => {
    expect(() => planLaunch(['payments'], {})).toThrow(/unknown process name payments/);
    expect(() => planLaunch(['--replicas=2'], {})).toThrow(/unknown option --replicas=2/);
    expect(() => planLaunch(['--scale'], REDIS)).toThrow(/--scale needs a value/);
  });

  it('puts gateways on consecutive ports', () => {
    expect(gatewayPorts(8080, 3)).toEqual([8080, 8081, 8082]);
    expect(gatewayPorts(0, 2)).toEqual([0, 0]);
    expect(() => gatewayPorts(65_535, 2)).toThrow(/no room for 2 gateways/);
  });
});
