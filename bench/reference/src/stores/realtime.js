// The one Pusher connection, through Laravel Echo: opened for the signed-in person with
// their channels, closed when they sign out.

import Echo from 'laravel-echo';
import { defineStore } from 'pinia';
import Pusher from 'pusher-js';
import { inject, ref } from 'vue';

import { CONFIG, channelsFor } from '../config.js';
import { useNotificationsStore } from './notifications.js';

export const useRealtimeStore = defineStore('realtime', () => {
  const config = inject(CONFIG);
  const notifications = useNotificationsStore();
  /** pusher-js's connection state: `initialized`, `connecting`, `connected`, `unavailable`, `failed`, `disconnected`. */
  const state = ref('initialized');
  /** The channels the server confirmed. */
  const subscribed = ref([]);
  let echo = null;

  /** Connects for `session` ({token, user}), or disconnects for null. */
  function follow(session) {
    if (echo) {
      echo.disconnect();
      echo = null;
    }
    subscribed.value = [];
    state.value = 'disconnected';
    if (!session) return;

    Pusher.logToConsole = config.debug;
    const { pusher } = config;
    echo = new Echo({
      broadcaster: 'pusher',
      Pusher,
      key: pusher.key,
      // pusher-js insists on a cluster; wsHost takes precedence for self-hosted servers.
      cluster: pusher.cluster ?? 'mt1',
      ...(pusher.cluster ? {} : { wsHost: pusher.wsHost, wsPort: pusher.wsPort, wssPort: pusher.wsPort }),
      forceTLS: pusher.forceTLS,
      enabledTransports: ['ws', 'wss'],
      activityTimeout: pusher.activityTimeoutS * 1000,
      authEndpoint: config.apiBase + config.authEndpoint,
      bearerToken: session.token,
      namespace: config.eventNamespace,
    });
    echo.connector.pusher.connection.bind('state_change', ({ current }) => {
      state.value = current;
      if (current !== 'connected') subscribed.value = [];
    });

    for (const name of channelsFor(session.user, config)) {
      const channel = name.startsWith('private-') ? echo.private(name.slice('private-'.length)) : echo.channel(name);
      channel
        .subscribed(() => {
          if (!subscribed.value.includes(name)) subscribed.value.push(name);
        })
        .error(() => notifications.announce('error', 'Live updates unavailable', `Not allowed to listen on ${name}.`))
        .listenToAll((event, data) => notifications.receive(event, data, name));
    }
  }

  function retryNow() {
    echo?.connector.pusher.connect();
  }

  return { state, subscribed, follow, retryNow };
});
