import maxmind, { type CityResponse, type Reader } from 'maxmind';

/** Where an IP address roughly is: a country, and a city when the database knows one. */
export interface ApproxLocation {
  country: string;
  countryName: string | null;
  city: string | null;
}

/**
 * Approximate location of session IPs from a MaxMind-format database (`GEOIP_DB_PATH`: GeoLite2 City
 * or Country, or DB-IP's lite databases), read with the `maxmind` library. Without a database every
 * answer is null: the sessions list then shows no location.
 */
export class IpLocator {
  private constructor(private readonly reader: Reader<CityResponse> | null) {}

  static async open(path: string | undefined): Promise<IpLocator> {
    return new IpLocator(path ? await maxmind.open<CityResponse>(path) : null);
  }

  locate(ip: string | null | undefined): ApproxLocation | null {
    if (!this.reader || !ip || !maxmind.validate(ip)) return null;
    const found = this.reader.get(ip);
    if (!found?.country?.iso_code) return null;
    return {
      country: found.country.iso_code,
      countryName: found.country.names?.en ?? null,
      city: found.city?.names?.en ?? null,
    };
  }
}
