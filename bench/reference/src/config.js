// The runtime config, fetched from /config.json at start-up (the same file and format as
// Herald's), and the channels a person may see.

/** The injection key of the loaded config. */
export const CONFIG = Symbol('config');

const DEFAULT_CHANNELS = {
  tenant: 'private-tenant.{tenant_id}',
  user: 'private-user.{user_id}',
  admin: 'private-system.admin',
};

export async function loadConfig() {
  const response = await fetch('/config.json', { cache: 'no-cache' });
  if (!response.ok) throw new Error(`/config.json answered ${response.status}`);
  const config = await response.json();
  return {
    apiBase: config.api_base ?? '',
    authEndpoint: config.auth_endpoint ?? '/broadcasting/auth',
    pusher: {
      key: config.pusher.key,
      wsHost: config.pusher.ws_host ?? '127.0.0.1',
      wsPort: config.pusher.ws_port ?? 6001,
      forceTLS: config.pusher.force_tls ?? false,
      cluster: config.pusher.cluster ?? null,
      activityTimeoutS: config.pusher.activity_timeout_s ?? 120,
    },
    channels: { ...DEFAULT_CHANNELS, ...config.channels },
    // Echo writes namespaces with dots.
    eventNamespace: (config.event_namespace ?? 'App\\Events').replace(/\\/g, '.'),
    debug: Boolean(config.debug) || new URLSearchParams(location.search).has('debug'),
  };
}

/** Tenant admins and users watch their tenant and themselves; system admins the approvals and themselves. */
export function channelsFor(user, config) {
  const fill = (template) =>
    template.replace('{user_id}', String(user.id)).replace('{tenant_id}', String(user.tenant_id));
  if (user.role === 'system_admin') return [config.channels.admin, fill(config.channels.user)];
  if (user.tenant_id == null) return [fill(config.channels.user)];
  return [fill(config.channels.user), fill(config.channels.tenant)];
}
