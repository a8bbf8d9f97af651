// Every event becomes a notification: it enters the person's history (the newest 100, kept in
// localStorage per person) and shows as a toast.

import { notify } from '@kyvg/vue3-notification';
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';

import { present, toastDuration } from '../catalogue.js';
import { useAuthStore } from './auth.js';

export const HISTORY_CAPACITY = 100;

const TOAST_TYPES = { info: 'info', success: 'success', warning: 'warn', error: 'error', critical: 'error' };
const historyKey = (userId) => `reference.history.${userId}`;

export const useNotificationsStore = defineStore('notifications', () => {
  /** Newest first: `{ notification, read }`. */
  const history = ref([]);
  let owner = null;

  const unread = computed(() => history.value.filter((entry) => !entry.read).length);

  function receive(event, data, channel) {
    const notification = present(event, data, channel);
    if (history.value.some((entry) => entry.notification.id === notification.id)) return;
    history.value.unshift({ notification, read: false });
    if (history.value.length > HISTORY_CAPACITY) history.value.splice(HISTORY_CAPACITY);
    save();
    notify({
      title: notification.title,
      text: notification.message,
      type: TOAST_TYPES[notification.severity],
      duration: toastDuration(notification),
    });
    if (notification.kind === 'AccountSuspended') useAuthStore().signOut('Your account was suspended.');
  }

  /** A toast about the app itself (a refused channel); not an event, so not in the history. */
  function announce(severity, title, message) {
    notify({ title, text: message, type: TOAST_TYPES[severity], duration: 8000 });
  }

  function markAllRead() {
    for (const entry of history.value) entry.read = true;
    save();
  }

  function loadFor(userId) {
    owner = userId;
    try {
      history.value = JSON.parse(localStorage.getItem(historyKey(userId)) ?? '[]').slice(0, HISTORY_CAPACITY);
    } catch {
      history.value = [];
    }
  }

  function clear() {
    owner = null;
    history.value = [];
    notify({ clean: true });
  }

  function save() {
    if (owner !== null) localStorage.setItem(historyKey(owner), JSON.stringify(history.value));
  }

  return { history, unread, receive, announce, markAllRead, loadFor, clear };
});
