// The session: restored from the stored token on load, set by signing in, ended by signing
// out (or by the backend refusing the token).

import { defineStore } from 'pinia';
import { computed, inject, ref } from 'vue';

import { ApiError, createApi } from '../api.js';
import { CONFIG } from '../config.js';

const TOKEN_KEY = 'reference.token';

export const useAuthStore = defineStore('auth', () => {
  const api = createApi(inject(CONFIG));
  /** `restoring`, `signedOut` or `signedIn`. */
  const status = ref('restoring');
  const token = ref(null);
  const user = ref(null);
  /** Why the last session ended, for the sign-in page. */
  const notice = ref(null);

  const session = computed(() => (status.value === 'signedIn' ? { token: token.value, user: user.value } : null));

  async function restore() {
    const stored = localStorage.getItem(TOKEN_KEY);
    if (!stored) {
      status.value = 'signedOut';
      return;
    }
    try {
      user.value = await api.me(stored);
      token.value = stored;
      status.value = 'signedIn';
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) localStorage.removeItem(TOKEN_KEY);
      notice.value = error.status === 401 ? 'Your session has ended. Please sign in again.' : error.message;
      status.value = 'signedOut';
    }
  }

  /** Throws an ApiError (422 with field errors for bad credentials) for the form to show. */
  async function signIn(email, password) {
    const answer = await api.login(email, password);
    localStorage.setItem(TOKEN_KEY, answer.token);
    notice.value = null;
    token.value = answer.token;
    user.value = answer.user;
    status.value = 'signedIn';
  }

  function signOut(why = null) {
    const ending = token.value;
    localStorage.removeItem(TOKEN_KEY);
    token.value = null;
    user.value = null;
    notice.value = why;
    status.value = 'signedOut';
    if (ending) api.logout(ending).catch(() => {});
  }

  return { status, user, notice, session, restore, signIn, signOut };
});
