// What each event of the contract says: severity, title and message (CONTRACT.md's table).

const money = (payment) => `${payment?.amount} ${payment?.currency} from ${payment?.payer}`;
const LEVELS = ['info', 'success', 'warning', 'error', 'critical'];
const level = (value) => (LEVELS.includes(value) ? value : 'info');

const EVENTS = {
  TenantCreated: (d) => ['info', 'Tenant created', `${d.tenant?.name} was created.`],
  TenantUpdated: (d) => ['info', 'Tenant updated', `${d.tenant?.name}'s details were updated.`],
  TenantSuspended: (d) => ['error', 'Tenant suspended', `${d.reason}`, true],
  UserCreated: (d) => ['success', 'User created', `${d.user?.name} has been added to the system.`],
  UserUpdated: (d) => ['info', 'User updated', `${d.user?.name}'s details were updated.`],
  UserDeleted: (d) => ['warning', 'User removed', `${d.user?.name} was removed.`],
  PaymentCompleted: (d) => ['success', 'Payment received', `${money(d.payment)}.`],
  PaymentFailed: (d) => ['error', 'Payment failed', `${money(d.payment)}: ${d.reason}`],
  HotspotUserCreated: (d) => [
    'success',
    'Hotspot user created',
    `${d.hotspot_user?.username} on ${d.hotspot_user?.package}.`,
  ],
  HotspotUserExpired: (d) => [
    'warning',
    'Hotspot session expired',
    `${d.hotspot_user?.username}'s session ended.`,
  ],
  SystemNotification: (d) => [level(d.level), d.title, d.message],
  PasswordChanged: () => ['warning', 'Password changed', "If this wasn't you, contact your administrator."],
  AccountSuspended: (d) => ['error', 'Account suspended', `${d.reason}. The user is signed out.`, true],
  AccountActivated: () => ['success', 'Account activated', 'Your account is active again.'],
  ProfileUpdated: () => ['info', 'Profile updated', 'Your profile was updated.'],
  TenantRegistered: (d) => ['info', 'New tenant registration', `${d.tenant?.name} is waiting for approval.`],
  TenantApproved: (d) => ['success', 'Tenant approved', `${d.tenant?.name} was approved.`],
  SystemAlert: (d) => [level(d.level), d.title, d.message, d.level === 'critical'],
  BroadcastNotificationCreated: (d) => [level(d.level), d.title ?? humanize(d.type ?? 'Notification'), d.message ?? ''],
};

let localIds = 0;

/** `App\Events\UserCreated`, `.UserCreated` or `UserCreated` → `UserCreated`. */
export function shortName(event) {
  return event.replace(/^\./, '').split(/[\\.]/).pop();
}

/** `RouterWentOffline` or `router_went_offline` → `Router went offline`. */
export function humanize(name) {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The notification an event becomes. Unknown events get a generic one titled from their name. */
export function present(event, data, channel) {
  const kind = shortName(event);
  const payload = typeof data === 'string' ? safeParse(data) : (data ?? {});
  const describe = EVENTS[kind] ?? (() => ['info', humanize(kind), '']);
  const [severity, title, message, sticky = false] = describe(payload);
  return {
    id: payload.id ?? `local-${++localIds}`,
    kind,
    severity,
    sticky: sticky || severity === 'critical',
    title,
    message,
    channel,
    occurredAt: payload.occurred_at ?? new Date().toISOString(),
  };
}

/** How long a toast stays, in ms; -1 for toasts that stay until dismissed. */
export function toastDuration(notification) {
  if (notification.sticky) return -1;
  return { info: 5000, success: 5000, warning: 8000, error: 10000 }[notification.severity] ?? -1;
}

function safeParse(text) {
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}
