// Airlock console: sends forms to the admin API as JSON (with the session's CSRF token), and
// keeps each page live by listening to the audit stream (server-sent events) and re-fetching the
// server-rendered fragments that changed. No framework, no build step; the server renders all
// HTML, this file only moves it.
(() => {
  // biome-ignore lint/suspicious/noRedundantUseStrict: the console script is a classic script (<script defer>), not a module, so it is not strict without this
  'use strict';

  const csrf = document.querySelector('meta[name="airlock-csrf"]')?.getAttribute('content');

  // ---- dialogs -------------------------------------------------------------------------------
  document.addEventListener('click', (event) => {
    const opener = event.target.closest('[data-open-dialog]');
    if (opener) {
      const dialog = document.getElementById(opener.dataset.openDialog);
      if (dialog && !dialog.open) dialog.showModal();
      return;
    }
    const closer = event.target.closest('[data-close-dialog]');
    if (closer) closer.closest('dialog')?.close();
    const copier = event.target.closest('[data-copy]');
    if (copier) {
      const text = document.getElementById(copier.dataset.copy)?.textContent ?? '';
      navigator.clipboard?.writeText(text).then(
        () => toast('Copied'),
        () => toast('Select the text and copy it'),
      );
    }
  });

  function toast(message, kind = 'ok') {
    const box = document.getElementById('toast');
    if (!box) return;
    box.textContent = message;
    box.dataset.kind = kind;
    box.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => (box.hidden = true), 4000);
  }

  function showSecret(title, what, value) {
    const dialog = document.getElementById('secret-dialog');
    if (!dialog) return;
    document.getElementById('secret-title').textContent = title;
    document.getElementById('secret-what').textContent = what;
    document.getElementById('secret-value').textContent = value;
    dialog.showModal();
  }

  /** Asks for an authenticator code in a small dialog; resolves to the code, or null. */
  function askCode(purpose) {
    const dialog = document.getElementById('code-dialog');
    if (!dialog) return Promise.resolve(window.prompt(`${purpose}: enter a code from your authenticator app`));
    const form = dialog.querySelector('form');
    const input = dialog.querySelector('input[name="code"]');
    dialog.querySelector('[data-purpose]').textContent = purpose;
    input.value = '';
    dialog.showModal();
    input.focus();
    return new Promise((resolve) => {
      const done = (value) => {
        form.removeEventListener('submit', onSubmit);
        dialog.removeEventListener('close', onClose);
        if (dialog.open) dialog.close();
        resolve(value);
      };
      const onSubmit = (event) => {
        event.preventDefault();
        done(input.value.trim());
      };
      const onClose = () => done(null);
      form.addEventListener('submit', onSubmit);
      dialog.addEventListener('close', onClose);
    });
  }

  // ---- forms → admin API ---------------------------------------------------------------------
  const BUILDERS = {
    stop(data) {
      const body = data.target === 'agent' ? { agent: data.agent } : { all: true };
      if (data.reason) body.reason = data.reason;
      body.code = data.code;
      return body;
    },
    'resume-all'(data) {
      return { all: true, code: data.code };
    },
    'issue-token'(data) {
      const body = {
        agent: data.agent,
        scopes: String(data.scopes ?? '')
          .split(/[\s,]+/)
          .filter(Boolean),
        code: data.code,
      };
      if (data.ttlMs) body.ttlMs = Number(data.ttlMs);
      if (data.label) body.label = data.label;
      return body;
    },
    'start-freeze'(data) {
      const body = { reason: data.reason };
      if (data.for) body.until = new Date(Date.now() + Number(data.for)).toISOString();
      return body;
    },
    'issue-key'(data) {
      const body = { code: data.code };
      if (data.ttlMs) body.ttlMs = Number(data.ttlMs);
      if (data.label) body.label = data.label;
      return body;
    },
  };

  function formData(form, only) {
    const data = {};
    for (const element of form.elements) {
      if (!element.name || element.disabled || element.hasAttribute('data-skip')) continue;
      if (only && !only.includes(element.name)) continue;
      if ((element.type === 'radio' || element.type === 'checkbox') && !element.checked) continue;
      const value = typeof element.value === 'string' ? element.value.trim() : element.value;
      if (value === '') continue;
      data[element.name] = value;
    }
    return data;
  }

  /** A failure is shown in the form that failed, where the operator is looking; a form without a box gets one. */
  function showError(form, message) {
    let box = form.querySelector('.form-error');
    if (!box) {
      box = document.createElement('p');
      box.className = 'form-error';
      box.setAttribute('role', 'alert');
      form.append(box);
    }
    box.textContent = message;
    box.hidden = false;
    if (!form.isConnected) toast(message, 'error');
  }

  /** What identifies a form across a refresh of its region: the action it sends and its label. */
  function formKey(form) {
    return `${form.dataset.api ?? ''}|${form.getAttribute('aria-label') ?? ''}`;
  }

  async function callApi(verb, path, body) {
    const response = await fetch(path, {
      method: verb,
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf ?? '' },
      ...(verb === 'GET' ? {} : { body: JSON.stringify(body ?? {}) }),
    });
    const answer = response.status === 204 ? {} : await response.json().catch(() => ({}));
    if (response.status === 401) signedOut(answer.error);
    return { ok: response.ok, status: response.status, answer };
  }

  document.addEventListener('submit', async (event) => {
    const form = event.target.closest('form[data-api]');
    if (!form) return;
    event.preventDefault();
    const submitter = event.submitter;
    const api = submitter?.dataset.api ?? form.dataset.api;
    const confirmText = submitter?.dataset.confirm ?? form.dataset.confirm;
    if (confirmText && !window.confirm(confirmText)) return;
    const only = submitter?.dataset.fields?.split(/\s+/);
    const data = formData(form, only);
    if (form.dataset.askCode && !data.code) {
      const code = await askCode(form.dataset.askCode);
      if (!code) return;
      data.code = code;
    }
    const builder = BUILDERS[form.dataset.build];
    const body = builder ? builder(data) : data;
    const [verb, path] = api.split(' ');
    const errorBox = form.querySelector('.form-error');
    if (errorBox) errorBox.hidden = true;
    const buttons = form.querySelectorAll('button');
    for (const b of buttons) b.disabled = true;
    try {
      const { ok, answer } = await callApi(verb, path, body);
      if (!ok) return showError(form, answer.error ?? 'Airlock refused this request');
      form.reset();
      form.closest('dialog')?.close();
      const done = submitter?.dataset.done ?? form.dataset.done;
      const success = submitter?.dataset.success ?? form.dataset.success;
      if (done === 'show-token') {
        showSecret(
          `Token for ${answer.agent}`,
          `Scopes ${answer.scopes.join(' ')}, expires ${answer.expiresAt}. This is the only time it is shown: give it to the agent now (e.g. as AIRLOCK_TOKEN).`,
          answer.token,
        );
      } else if (done === 'show-key') {
        showSecret('Your API key', 'This is the only time it is shown. Use it as AIRLOCK_API_KEY with AIRLOCK_URL for the CLI.', answer.key);
      } else if (done === 'reload') {
        window.location.reload();
        return;
      }
      // An approval that cannot run now (the agent is suspended or stopped) says so.
      if (answer.warning) toast(answer.warning, 'error');
      else if (success) toast(success);
      refreshAll();
    } catch (error) {
      showError(form, `Could not reach Airlock (${error.message}); nothing was changed.`);
    } finally {
      for (const b of buttons) b.disabled = false;
    }
  });

  // ---- live regions --------------------------------------------------------------------------
  const TOPICS = {
    holds: (r) => Boolean(r.holdId) || r.type.startsWith('hold.'),
    agents: (r) => /^(agent|token|stop|resume)\./.test(r.type),
    control: (r) => /^(stop|resume|freeze|agent)\./.test(r.type) || TOPICS.holds(r),
    operators: (r) => /^(operator|apikey)\./.test(r.type),
  };

  function signedOut(message) {
    const status = document.getElementById('live-status');
    if (status) {
      status.dataset.state = 'off';
      status.textContent = 'signed out';
    }
    toast(message ?? 'Your session has ended; sign in again.', 'error');
    setTimeout(() => window.location.assign(`/sign-in?next=${encodeURIComponent(window.location.pathname)}`), 1500);
  }

  async function fetchFragment(url) {
    let response;
    try {
      response = await fetch(url, { credentials: 'same-origin', headers: { 'x-csrf-token': csrf ?? '' } });
    } catch {
      // Cut off (the operator navigated away, or Airlock is restarting): the stream's next
      // "ready" catches up, so a lost refresh loses nothing.
      return undefined;
    }
    if (response.status === 401) {
      signedOut();
      return undefined;
    }
    if (!response.ok) return undefined;
    const pending = response.headers.get('x-airlock-pending');
    if (pending !== null) {
      const badge = document.getElementById('pending-count');
      if (badge) {
        badge.textContent = pending;
        badge.hidden = pending === '0';
      }
    }
    return response.text();
  }

  /** Replaces a region's HTML, keeping what the operator was typing and where the focus was. */
  function swap(region, markup) {
    const typed = new Map();
    region.querySelectorAll('input[id], select[id], textarea[id]').forEach((input) => {
      if (input.type !== 'hidden' && input.value) typed.set(input.id, input.value);
    });
    const focused = region.contains(document.activeElement) ? document.activeElement.id : undefined;
    // A failure just shown must survive the refresh its own audit record triggers (a rejected
    // code is recorded, and the record refreshes the very region the form is in).
    const errors = new Map();
    region.querySelectorAll('form[data-api]').forEach((form) => {
      const box = form.querySelector('.form-error');
      if (box && !box.hidden && box.textContent) errors.set(formKey(form), box.textContent);
    });
    region.innerHTML = markup;
    region.querySelectorAll('form[data-api]').forEach((form) => {
      const message = errors.get(formKey(form));
      if (message === undefined) return;
      errors.delete(formKey(form));
      showError(form, message);
    });
    // The form is gone (its hold was decided meanwhile, say): say it where everything is said.
    for (const message of errors.values()) toast(message, 'error');
    for (const [id, value] of typed) {
      const input = document.getElementById(id);
      if (input && region.contains(input)) input.value = value;
    }
    if (focused) document.getElementById(focused)?.focus();
  }

  const dueRegions = new Set();
  let refreshTimer;
  function schedule(region) {
    dueRegions.add(region);
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(flush, 100);
  }
  async function flush() {
    const regions = [...dueRegions];
    dueRegions.clear();
    await Promise.all(
      regions.map(async (region) => {
        const markup = await fetchFragment(region.dataset.liveUrl);
        if (markup !== undefined) swap(region, markup);
      }),
    );
  }
  function refreshAll() {
    document.querySelectorAll('[data-live-url]').forEach(schedule);
    appendAudit();
  }

  // The audit table grows at the top with the rows written since the newest one shown.
  let appending = false;
  let appendAgain = false;
  async function appendAudit() {
    const body = document.querySelector('[data-live-append]');
    if (!body) return;
    if (appending) {
      appendAgain = true;
      return;
    }
    appending = true;
    try {
      do {
        appendAgain = false;
        const newest = Number(body.querySelector('tr[data-seq]')?.dataset.seq ?? 0);
        const base = body.dataset.liveAppend;
        const markup = await fetchFragment(`${base}${base.includes('?') ? '&' : '?'}afterSeq=${newest}`);
        if (markup?.trim()) {
          body.insertAdjacentHTML('afterbegin', markup);
          document.getElementById('audit-empty')?.remove();
          const rows = body.querySelectorAll('tr');
          for (let i = 500; i < rows.length; i++) rows[i].remove();
        }
      } while (appendAgain);
    } finally {
      appending = false;
    }
  }

  function onRecord(record) {
    document.querySelectorAll('[data-refresh-on]').forEach((region) => {
      const topics = region.dataset.refreshOn.split(/\s+/);
      if (topics.some((topic) => TOPICS[topic]?.(record))) schedule(region);
    });
    if (document.querySelector('[data-live-append]')) appendAudit();
  }

  function connect() {
    if (!csrf || typeof EventSource === 'undefined') return;
    const status = document.getElementById('live-status');
    const setStatus = (state, text) => {
      if (!status) return;
      status.dataset.state = state;
      status.textContent = text;
    };
    const source = new EventSource(`/v1/admin/events?csrf=${encodeURIComponent(csrf)}`);
    let connectedOnce = false;
    source.addEventListener('ready', () => {
      setStatus('live', 'live');
      // Whatever happened while (re)connecting: catch up once.
      if (connectedOnce) refreshAll();
      else appendAudit();
      connectedOnce = true;
    });
    source.addEventListener('audit', (event) => {
      try {
        onRecord(JSON.parse(event.data));
      } catch {
        // A record that does not parse changes nothing on the page.
      }
    });
    source.addEventListener('signed-out', () => {
      source.close();
      signedOut();
    });
    source.addEventListener('reset', () => window.location.reload());
    source.addEventListener('error', async () => {
      if (source.readyState === EventSource.CLOSED) {
        // Refused outright (the session ended, or Airlock restarted): find out which.
        const { status: code } = await callApi('GET', '/v1/admin/session').catch(() => ({ status: 0 }));
        if (code === 401) return;
        setStatus('off', 'reconnecting…');
        setTimeout(connect, 3000);
      } else setStatus('off', 'reconnecting…');
    });
    window.addEventListener('pagehide', () => source.close(), { once: true });
  }

  connect();
  // A page restored from the back-forward cache had its stream closed on the way out.
  window.addEventListener('pageshow', (event) => {
    if (!event.persisted) return;
    connect();
    refreshAll();
  });
})();
