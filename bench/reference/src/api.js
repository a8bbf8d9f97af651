// Every HTTP request the app makes, with Laravel-shaped errors.

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? (status === 0 ? 'Cannot reach the server.' : `The server answered ${status}.`));
    this.status = status;
    /** Field errors of a 422: `{email: ["..."]}`. */
    this.errors = body?.errors ?? {};
  }
}

export function createApi(config) {
  async function request(method, path, { token, body } = {}) {
    const headers = { Accept: 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response;
    try {
      response = await fetch(config.apiBase + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(0);
    }
    const text = await response.text();
    const json = text ? JSON.parse(text) : null;
    if (!response.ok) throw new ApiError(response.status, json);
    return json;
  }

  return {
    login: (email, password) => request('POST', '/api/login', { body: { email, password } }),
    me: (token) => request('GET', '/api/me', { token }),
    logout: (token) => request('POST', '/api/logout', { token }),
  };
}
