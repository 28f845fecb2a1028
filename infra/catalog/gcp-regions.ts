/**
 * GCP regions the config may name, with the approximate coordinates of each region's
 * city. The coordinates drive one rule only: a Cloud Run region without its own
 * Artifact Registry repository uses the nearest one (see `upstreamRegionFor` in infra/routing.ts).
 *
 * Restricted or not generally available regions that appear in cloud.json
 * (us-central2, us-east7, us-west8, europe-west15) are left out on purpose.
 */
export interface GcpRegionInfo {
  location: string;
  lat: number;
  lon: number;
}

export const GCP_REGIONS: Readonly<Record<string, GcpRegionInfo>> = {
  "africa-south1": { location: "Johannesburg", lat: -26.2, lon: 28.05 },
  "asia-east1": { location: "Changhua County, Taiwan", lat: 24.07, lon: 120.54 },
  "asia-east2": { location: "Hong Kong", lat: 22.32, lon: 114.17 },
  "asia-northeast1": { location: "Tokyo", lat: 35.68, lon: 139.69 },
  "asia-northeast2": { location: "Osaka", lat: 34.69, lon: 135.5 },
  "asia-northeast3": { location: "Seoul", lat: 37.57, lon: 126.98 },
  "asia-south1": { location: "Mumbai", lat: 19.08, lon: 72.88 },
  "asia-south2": { location: "Delhi", lat: 28.61, lon: 77.21 },
  "asia-southeast1": { location: "Jurong West, Singapore", lat: 1.34, lon: 103.71 },
  "asia-southeast2": { location: "Jakarta", lat: -6.21, lon: 106.85 },
  "asia-southeast3": { location: "Bangkok", lat: 13.76, lon: 100.5 },
  "australia-southeast1": { location: "Sydney", lat: -33.87, lon: 151.21 },
  "australia-southeast2": { location: "Melbourne", lat: -37.81, lon: 144.96 },
  "europe-central2": { location: "Warsaw", lat: 52.23, lon: 21.01 },
  "europe-north1": { location: "Hamina, Finland", lat: 60.57, lon: 27.2 },
  "europe-north2": { location: "Stockholm", lat: 59.33, lon: 18.07 },
  "europe-southwest1": { location: "Madrid", lat: 40.42, lon: -3.7 },
  "europe-west1": { location: "St. Ghislain, Belgium", lat: 50.47, lon: 3.82 },
  "europe-west2": { location: "London", lat: 51.51, lon: -0.13 },
  "europe-west3": { location: "Frankfurt", lat: 50.11, lon: 8.68 },
  "europe-west4": { location: "Eemshaven, Netherlands", lat: 53.44, lon: 6.83 },
  "europe-west6": { location: "Zurich", lat: 47.38, lon: 8.54 },
  "europe-west8": { location: "Milan", lat: 45.46, lon: 9.19 },
  "europe-west9": { location: "Paris", lat: 48.86, lon: 2.35 },
  "europe-west10": { location: "Berlin", lat: 52.52, lon: 13.4 },
  "europe-west12": { location: "Turin", lat: 45.07, lon: 7.69 },
  "me-central1": { location: "Doha", lat: 25.29, lon: 51.53 },
  "me-central2": { location: "Dammam", lat: 26.42, lon: 50.09 },
  "me-west1": { location: "Tel Aviv", lat: 32.09, lon: 34.78 },
  "northamerica-northeast1": { location: "Montreal", lat: 45.5, lon: -73.57 },
  "northamerica-northeast2": { location: "Toronto", lat: 43.65, lon: -79.38 },
  "northamerica-south1": { location: "Queretaro", lat: 20.59, lon: -100.39 },
  "southamerica-east1": { location: "Osasco, Sao Paulo", lat: -23.53, lon: -46.79 },
  "southamerica-west1": { location: "Santiago", lat: -33.45, lon: -70.67 },
  "us-central1": { location: "Council Bluffs, Iowa", lat: 41.26, lon: -95.86 },
  "us-east1": { location: "Moncks Corner, South Carolina", lat: 33.2, lon: -80.01 },
  "us-east4": { location: "Ashburn, Virginia", lat: 39.04, lon: -77.49 },
  "us-east5": { location: "Columbus, Ohio", lat: 39.96, lon: -83.0 },
  "us-south1": { location: "Dallas", lat: 32.78, lon: -96.8 },
  "us-west1": { location: "The Dalles, Oregon", lat: 45.59, lon: -121.18 },
  "us-west2": { location: "Los Angeles", lat: 34.05, lon: -118.24 },
  "us-west3": { location: "Salt Lake City", lat: 40.76, lon: -111.89 },
  "us-west4": { location: "Las Vegas", lat: 36.17, lon: -115.14 },
};

/** Great-circle distance between two regions, in whole kilometres. */
export function distanceKm(a: string, b: string): number {
  const p = GCP_REGIONS[a];
  const q = GCP_REGIONS[b];
  if (!p || !q) throw new Error(`unknown GCP region: ${!p ? a : b}`);
  const rad = Math.PI / 180;
  const dLat = (q.lat - p.lat) * rad;
  const dLon = (q.lon - p.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(p.lat * rad) * Math.cos(q.lat * rad) * Math.sin(dLon / 2) ** 2;
  return Math.round(2 * 6371 * Math.asin(Math.sqrt(h)));
}
