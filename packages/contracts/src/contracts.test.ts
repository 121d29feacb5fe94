import { describe, expect, it } from 'vitest';
import { InternalClinic, InternalPets, InternalUserContact, parseContract, roleGrantPath } from './index.ts';

const clinic = {
  id: 'c1',
  ownerUserId: 'u1',
  name: 'Klinik Sehat',
  timeZone: 'Asia/Jakarta',
  published: true,
  openingHours: {
    weekly: [{ weekday: 1, ranges: [{ start: '08:00', end: '24:00' }] }],
    closures: [{ date: '2027-01-01', reason: null, ranges: null }],
  },
  staff: [{ id: 's1', name: 'drh. Ayu', role: 'vet', serviceIds: ['v1'], userId: null }],
};

describe('internal contracts', () => {
  it('read what the producing service sends', () => {
    const view = parseContract(InternalClinic, clinic, 'clinic');
    expect(view.openingHours.closures[0]!.reason).toBeUndefined();
    expect(view.staff[0]!.serviceIds).toEqual(['v1']);
    expect(parseContract(InternalPets, { items: [] }, 'user')).toEqual({ items: [] });
  });

  it('turn an answer the consumer cannot read into a 502 naming the service, not a wrong result', () => {
    const drifted = [
      { ...clinic, timeZone: 'Mars/Olympus' },
      { ...clinic, openingHours: { weekly: [{ weekday: 1, ranges: [{ start: '8:00', end: '25:00' }] }] } },
      { ...clinic, staff: undefined },
    ];
    for (const body of drifted)
      expect(() => parseContract(InternalClinic, body, 'clinic')).toThrow(
        expect.objectContaining({ status: 502, code: 'upstream_invalid_response' }),
      );
    expect(() =>
      parseContract(
        InternalUserContact,
        { id: 'u', email: 'a@b.c', name: 'A', language: 'fr', emailVerified: true },
        'auth',
      ),
    ).toThrow(/auth service sent an answer/);
  });

  it('escape the parts of a role path', () => {
    expect(roleGrantPath('u1', 'clinic staff')).toBe('/internal/users/u1/roles/clinic%20staff');
  });
});
