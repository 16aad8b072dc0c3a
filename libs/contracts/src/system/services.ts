/** Every bus service of the platform; the gateway is the HTTP edge and answers no bus requests. */
export const SERVICE_NAMES = [
  'identity',
  'tenancy',
  'keys',
  'chains',
  'ingestion',
  'analytics',
  'notifications',
] as const;

export type ServiceName = (typeof SERVICE_NAMES)[number];
