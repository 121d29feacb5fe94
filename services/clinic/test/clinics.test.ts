import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startPlatform, type Platform } from '../../../test/platform.ts';
import { createVendor, createVerifiedUser, loginAdmin, type TestUser } from '../../../test/users.ts';
import { distanceKm } from '../src/search/search-query.ts';

let p: Platform;
let admin: TestUser;
let vendorA: TestUser;
let vendorB: TestUser;

const MONAS = { lat: -6.1754, lng: 106.8272 };

interface Seed {
  name: string;
  city: string;
  location: { lat: number; lng: number };
  description?: string;
  published?: boolean;
  services: Array<{ name: string; category: string; species?: string[] }>;
}

const SEEDS: Seed[] = [
  {
    name: 'Klinik Menteng',
    city: 'Jakarta',
    location: { lat: -6.195, lng: 106.83 },
    services: [
      { name: 'Konsultasi', category: 'consultation', species: ['dog', 'cat'] },
      { name: 'Scaling Gigi', category: 'dental', species: ['dog'] },
    ],
  },
  {
    name: 'Petshop Kemang',
    city: 'Jakarta',
    location: { lat: -6.26, lng: 106.813 },
    services: [{ name: 'Grooming Kucing', category: 'grooming', species: ['cat'] }],
  },
  {
    name: 'Klinik Kelapa Gading',
    city: 'Jakarta',
    location: { lat: -6.16, lng: 106.9 },
    services: [{ name: 'Vaksinasi', category: 'vaccination', species: ['rabbit', 'dog'] }],
  },
  {
    name: 'Bogor Vet',
    city: 'Bogor',
    location: { lat: -6.595, lng: 106.816 },
    description: 'Dulu praktik di Menteng',
    services: [{ name: 'Konsultasi', category: 'consultation' }],
  },
  {
    name: 'Bandung Pet Care',
    city: 'Bandung',
    location: { lat: -6.9147, lng: 107.6098 },
    description: 'Spesialis kucing persia dan anggora',
    services: [{ name: 'Konsultasi', category: 'consultation', species: ['cat'] }],
  },
  {
    name: 'Anjing Sehat Bandung',
    city: 'bandung',
    location: { lat: -6.9, lng: 107.62 },
    services: [{ name: 'Mandi Anjing', category: 'grooming', species: ['dog'] }],
  },
  {
    name: 'Klinik Rahasia',
    city: 'Jakarta',
    location: { lat: -6.176, lng: 106.828 },
    published: false,
    services: [{ name: 'Scaling Gigi', category: 'dental' }],
  },
];
const ids = new Map<string, string>();
const serviceIds = new Map<string, string>();

beforeAll(async () => {
  p = await startPlatform({ databaseUrl: inject('databaseUrl'), services: ['auth', 'clinic'] });
  admin = await loginAdmin(p);
  vendorA = await createVendor(p, { admin });
  vendorB = await createVendor(p, { admin });
  for (const s of SEEDS) {
    const res = await p.http.post(
      '/api/v1/clinics',
      {
        name: s.name,
        city: s.city,
        address: `Jl. ${s.name} 1`,
        province: 'Jawa',
        location: s.location,
        description: s.description ?? '',
      },
      { token: vendorA.accessToken },
    );
    expect(res.status, res.text).toBe(201);
    ids.set(s.name, res.body.id);
    for (const svc of s.services) {
      const r = await p.http.post(
        `/api/v1/clinics/${res.body.id}/services`,
        { ...svc, price: { amount: 10_000_000 }, durationMinutes: 30 },
        { token: vendorA.accessToken },
      );
      expect(r.status, r.text).toBe(201);
      serviceIds.set(`${s.name}/${svc.name}`, r.body.id);
    }
    if (s.published !== false)
      expect(
        (await p.http.patch(`/api/v1/clinics/${res.body.id}`, { published: true }, { token: vendorA.accessToken }))
          .status,
      ).toBe(200);
  }
});
afterAll(async () => {
  await p?.stop();
});

const names = (body: { items: Array<{ name: string }> }) => body.items.map((i) => i.name);
const search = async (query: string) => {
  const res = await p.http.get(`/api/v1/clinics?${query}`);
  expect(res.status, res.text).toBe(200);
  return res.body as {
    items: Array<{ id: string; name: string; distanceKm?: number; openNow: boolean }>;
    nextCursor: string | null;
  };
};

describe('clinic search', () => {
  it('lists published clinics by name, never unpublished ones', async () => {
    expect(names(await search(''))).toEqual([
      'Anjing Sehat Bandung',
      'Bandung Pet Care',
      'Bogor Vet',
      'Klinik Kelapa Gading',
      'Klinik Menteng',
      'Petshop Kemang',
    ]);
    // Empty parameters from a search form mean "no filter".
    expect(names(await search('q=&city=&category='))).toHaveLength(6);
  });

  it('filters by city, case-insensitively', async () => {
    expect(names(await search('city=Bandung'))).toEqual(['Anjing Sehat Bandung', 'Bandung Pet Care']);
    expect(names(await search('city=JAKARTA'))).toEqual(['Klinik Kelapa Gading', 'Klinik Menteng', 'Petshop Kemang']);
  });

  it('finds text in names, service names and descriptions, name matches first, prefixes while typing', async () => {
    // A service name ("Grooming Kucing") and a description ("kucing persia") match alike: newest first.
    expect(names(await search('q=kucing'))).toEqual(['Bandung Pet Care', 'Petshop Kemang']);
    // "Menteng" in a name ranks above "Menteng" in a description, although Bogor Vet is newer.
    expect(names(await search('q=ment'))).toEqual(['Klinik Menteng', 'Bogor Vet']);
    expect(names(await search('q=menteng&city=jakarta'))).toEqual(['Klinik Menteng']);
    expect(names(await search('q=klinik%20gading'))).toEqual(['Klinik Kelapa Gading']);
    expect(names(await search('q=scaling'))).toEqual(['Klinik Menteng']);
    expect(names(await search('q=%26%7C!'))).toEqual([]);
  });

  it('filters by service category and species', async () => {
    expect(names(await search('category=dental'))).toEqual(['Klinik Menteng']);
    expect(names(await search('category=grooming'))).toEqual(['Anjing Sehat Bandung', 'Petshop Kemang']);
    expect(names(await search('species=rabbit'))).toEqual(['Klinik Kelapa Gading']);
    expect(names(await search('species=cat&city=bandung'))).toEqual(['Bandung Pet Care']);
  });

  it('sorts by great-circle distance with near, within radiusKm', async () => {
    const res = await search(`near=${MONAS.lat},${MONAS.lng}&radiusKm=10`);
    expect(names(res)).toEqual(['Klinik Menteng', 'Klinik Kelapa Gading', 'Petshop Kemang']);
    for (const item of res.items) {
      const seed = SEEDS.find((s) => s.name === item.name)!;
      expect(item.distanceKm).toBeCloseTo(distanceKm(MONAS, seed.location), 2);
    }
    expect(names(await search(`near=${MONAS.lat},${MONAS.lng}&radiusKm=60`))).toEqual([
      'Klinik Menteng',
      'Klinik Kelapa Gading',
      'Petshop Kemang',
      'Bogor Vet',
    ]);
    expect(names(await search(`near=${MONAS.lat},${MONAS.lng}&radiusKm=60&category=consultation`))).toEqual([
      'Klinik Menteng',
      'Bogor Vet',
    ]);
    expect(names(await search(`near=-6.91,107.61&radiusKm=5&q=anjing`))).toEqual(['Anjing Sehat Bandung']);
    expect((await p.http.get('/api/v1/clinics?near=north')).status).toBe(400);
    expect((await p.http.get('/api/v1/clinics?near=1,2&radiusKm=0')).status).toBe(400);
  });

  it('pages with cursors in every sort without skipping or repeating', async () => {
    for (const query of [`near=${MONAS.lat},${MONAS.lng}&radiusKm=60`, 'q=klinik', 'q=ment', '']) {
      const all = names(await search(query));
      const paged: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await search(`${query}&limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        paged.push(...names(page));
        cursor = page.nextCursor;
      } while (cursor && paged.length < 20);
      expect(paged, query).toEqual(all);
      expect(all.length).toBeGreaterThan(1);
    }
    expect((await p.http.get('/api/v1/clinics?cursor=bm90LWpzb24')).status).toBe(400);
  });

  it('follows catalogue changes (inactive services stop matching)', async () => {
    const kemang = ids.get('Petshop Kemang')!;
    const svc = serviceIds.get('Petshop Kemang/Grooming Kucing')!;
    expect(
      (
        await p.http.patch(
          `/api/v1/clinics/${kemang}/services/${svc}`,
          { active: false },
          { token: vendorA.accessToken },
        )
      ).status,
    ).toBe(200);
    expect(names(await search('category=grooming'))).toEqual(['Anjing Sehat Bandung']);
    expect(names(await search('q=kucing'))).toEqual(['Bandung Pet Care']);
    // The owner still sees the inactive service; the public does not.
    expect(
      (await p.http.get(`/api/v1/clinics/${kemang}/services`, { token: vendorA.accessToken })).body.items,
    ).toHaveLength(1);
    expect((await p.http.get(`/api/v1/clinics/${kemang}/services`)).body.items).toHaveLength(0);
    expect(
      (
        await p.http.patch(
          `/api/v1/clinics/${kemang}/services/${svc}`,
          { active: true },
          { token: vendorA.accessToken },
        )
      ).status,
    ).toBe(200);
    expect(names(await search('category=grooming'))).toEqual(['Anjing Sehat Bandung', 'Petshop Kemang']);
  });
});

describe('documentation', () => {
  it('publishes every public endpoint in its OpenAPI document', async () => {
    const res = await fetch(new URL('/openapi.json', p.services.clinic!.url));
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { paths: Record<string, Record<string, unknown>> };
    for (const path of [
      '/api/v1/clinics',
      '/api/v1/clinics/{id}/hours',
      '/api/v1/clinics/{id}/staff/{staffId}',
      '/api/v1/clinics/{id}/services/{serviceId}',
      '/api/v1/vendor/onboarding/{id}/steps/business',
      '/api/v1/vendor/onboarding/{id}/documents',
      '/api/v1/admin/onboarding/{id}/request-changes',
    ]) {
      expect(doc.paths[path], path).toBeTruthy();
    }
    expect(Object.keys(doc.paths['/api/v1/clinics']!).sort()).toEqual(['get', 'post']);
  });
});

describe('ownership', () => {
  it("a vendor cannot change another vendor's clinic, hours, staff or services", async () => {
    const menteng = ids.get('Klinik Menteng')!;
    const hidden = ids.get('Klinik Rahasia')!;
    const tb = vendorB.accessToken;
    const svc = serviceIds.get('Klinik Menteng/Konsultasi')!;
    const staff = await p.http.post(
      `/api/v1/clinics/${menteng}/staff`,
      { name: 'Drh. Ani', role: 'vet', serviceIds: [svc] },
      { token: vendorA.accessToken },
    );
    expect(staff.status).toBe(201);

    // Published (visible) clinic: 403; unpublished (invisible) clinic: 404.
    expect((await p.http.patch(`/api/v1/clinics/${menteng}`, { name: 'Mine now' }, { token: tb })).status).toBe(403);
    expect((await p.http.patch(`/api/v1/clinics/${hidden}`, { name: 'Mine now' }, { token: tb })).status).toBe(404);
    expect((await p.http.get(`/api/v1/clinics/${hidden}`, { token: tb })).status).toBe(404);
    expect((await p.http.delete(`/api/v1/clinics/${menteng}`, { token: tb })).status).toBe(403);
    expect(
      (await p.http.put(`/api/v1/clinics/${menteng}/hours`, { weekly: [], closures: [] }, { token: tb })).status,
    ).toBe(403);
    expect(
      (await p.http.post(`/api/v1/clinics/${menteng}/staff`, { name: 'Spy', role: 'other' }, { token: tb })).status,
    ).toBe(403);
    expect(
      (await p.http.patch(`/api/v1/clinics/${menteng}/staff/${staff.body.id}`, { name: 'Spy' }, { token: tb })).status,
    ).toBe(403);
    expect((await p.http.delete(`/api/v1/clinics/${menteng}/staff/${staff.body.id}`, { token: tb })).status).toBe(403);
    expect(
      (await p.http.post(`/api/v1/clinics/${hidden}/staff`, { name: 'Spy', role: 'other' }, { token: tb })).status,
    ).toBe(404);
    expect(
      (
        await p.http.post(
          `/api/v1/clinics/${menteng}/services`,
          { name: 'Free', category: 'other', price: { amount: 0 }, durationMinutes: 10 },
          { token: tb },
        )
      ).status,
    ).toBe(403);
    expect(
      (await p.http.patch(`/api/v1/clinics/${menteng}/services/${svc}`, { price: { amount: 1 } }, { token: tb }))
        .status,
    ).toBe(403);
    expect((await p.http.delete(`/api/v1/clinics/${menteng}/services/${svc}`, { token: tb })).status).toBe(403);
    expect((await p.http.get(`/api/v1/clinics/${hidden}/services`, { token: tb })).status).toBe(404);
    // Nothing changed.
    const after = await p.http.get(`/api/v1/clinics/${menteng}`);
    expect(after.body.name).toBe('Klinik Menteng');
    expect((await p.http.get(`/api/v1/clinics/${menteng}/services/${svc}`)).body.price.amount).toBe(10_000_000);

    // A staff id from one clinic is not reachable through another.
    const kemang = ids.get('Petshop Kemang')!;
    expect(
      (
        await p.http.patch(
          `/api/v1/clinics/${kemang}/staff/${staff.body.id}`,
          { name: 'x' },
          { token: vendorA.accessToken },
        )
      ).status,
    ).toBe(404);
    const foreign = await p.http.post(
      `/api/v1/clinics/${kemang}/staff`,
      { name: 'Y', role: 'nurse', serviceIds: [svc] },
      { token: vendorA.accessToken },
    );
    expect(foreign.status).toBe(400);
    expect(foreign.body.code).toBe('unknown_service');
  });

  it('only vendors and admins create clinics; admins may change any clinic', async () => {
    const owner = await createVerifiedUser(p);
    const denied = await p.http.post('/api/v1/clinics', { name: 'Not yet' }, { token: owner.accessToken });
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('vendor_required');
    expect((await p.http.post('/api/v1/clinics', { name: 'Anon' })).status).toBe(401);
    const byAdmin = await p.http.patch(
      `/api/v1/clinics/${ids.get('Bogor Vet')}`,
      { description: 'Checked by PetPro' },
      { token: admin.accessToken },
    );
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.body.description).toBe('Checked by PetPro');
  });

  it('validates clinics: zone, publishing needs an address, a city and a location', async () => {
    const t = vendorA.accessToken;
    expect((await p.http.post('/api/v1/clinics', { name: 'Z', timeZone: 'Jakarta' }, { token: t })).status).toBe(400);
    const bare = await p.http.post('/api/v1/clinics', { name: 'Bare' }, { token: t });
    expect(bare.status).toBe(201);
    expect(bare.body).toMatchObject({ timeZone: 'Asia/Jakarta', published: false, openNow: false, location: null });
    const publish = await p.http.patch(`/api/v1/clinics/${bare.body.id}`, { published: true }, { token: t });
    expect(publish.status).toBe(409);
    expect(publish.body).toMatchObject({ code: 'clinic_incomplete', missing: ['address', 'city', 'location'] });
    expect((await p.http.delete(`/api/v1/clinics/${bare.body.id}`, { token: t })).status).toBe(204);
    expect((await p.http.get(`/api/v1/clinics/${bare.body.id}`, { token: t })).status).toBe(404);
  });

  it('removing a service removes it from staff and from the booking view', async () => {
    const gading = ids.get('Klinik Kelapa Gading')!;
    const svc = serviceIds.get('Klinik Kelapa Gading/Vaksinasi')!;
    const staff = await p.http.post(
      `/api/v1/clinics/${gading}/staff`,
      { name: 'Rina', role: 'nurse', serviceIds: [svc] },
      { token: vendorA.accessToken },
    );
    expect(staff.body.serviceIds).toEqual([svc]);
    expect(
      (await p.http.delete(`/api/v1/clinics/${gading}/services/${svc}`, { token: vendorA.accessToken })).status,
    ).toBe(204);
    expect((await p.http.get(`/api/v1/clinics/${gading}/staff/${staff.body.id}`)).body.serviceIds).toEqual([]);
    expect((await p.http.get(`/api/v1/clinics/${gading}/services/${svc}`)).status).toBe(404);
    expect(names(await search('species=rabbit'))).toEqual([]);
  });
});
