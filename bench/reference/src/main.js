// Loads the runtime config (never compiled in, as Herald's), then mounts the app with its
// stores and the toast plugin.

import Notifications from '@kyvg/vue3-notification';
import { createPinia } from 'pinia';
import { createApp } from 'vue';

import App from './App.vue';
import { CONFIG, loadConfig } from './config.js';
import './style.css';
import './toasts.css';

async function start() {
  const app = createApp(App);
  try {
    app.provide(CONFIG, await loadConfig());
  } catch (error) {
    document.getElementById('app').textContent = `Cannot start: ${error.message}`;
    return;
  }
  app.use(createPinia()).use(Notifications).mount('#app');
}

start();
