// SPDX-License-Identifier: GPL-2.0-or-later
// xcmux browser console: login, console list, one attached xterm.js
// terminal per page, and a status bar that always says who holds the
// write seat. Speaks protocol/WEB.md to xcmux-web; plain JS, no build step.
//
// Everything the daemon or another user controls (console names, user
// names, notice and error texts) is put into the page as text, never as
// markup. The page holds no policy: whether input is accepted is for the
// daemon to say (NOT_WRITER), so input is always sent while attached.
//
// For tests and debugging, window.xcmux exposes the terminal, the last
// messages received and the page's state; window.xcmuxTerm is the
// terminal itself.
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);
  const encoder = new TextEncoder();
  const EVENT_LOG_MAX = 500;

  const state = {
    user: null,
    ws: null,
    attached: false,
    attaching: false,
    pendingAttach: null, // { ref, mode } to attach once the current session ends
    console: null, // { name, domid, console }
    mode: '', // granted: 'ro' or 'rw'
    writer: false,
    seat: null, // user name of the seat holder, or null
    consoles: [],
  };
  const events = []; // JSON messages received, newest last (bounded)

  let term = null;

  function logEvent(msg) {
    events.push(msg);
    if (events.length > EVENT_LOG_MAX) events.splice(0, events.length - EVENT_LOG_MAX);
  }

  function show(id, on) {
    $(id).hidden = !on;
  }

  function setText(id, text, code) {
    const el = $(id);
    el.textContent = text;
    if (code !== undefined) el.dataset.code = code;
  }

  // ---- login ---------------------------------------------------------

  async function whoami() {
    try {
      const r = await fetch('whoami', { credentials: 'same-origin', cache: 'no-store' });
      if (r.status !== 200) return null;
      const j = await r.json();
      return typeof j.user === 'string' ? j.user : null;
    } catch (e) {
      return null;
    }
  }

  function showLogin(message) {
    state.user = null;
    show('login', true);
    show('consoles', false);
    show('session', false);
    show('logout', false);
    $('host-user').textContent = '';
    $('host-user').dataset.user = '';
    if (message) {
      setText('login-error', message);
      show('login-error', true);
    }
    $('login-user').focus();
  }

  function showMain(user) {
    state.user = user;
    show('login', false);
    show('login-error', false);
    show('consoles', true);
    show('logout', true);
    $('host-user').textContent = user;
    $('host-user').dataset.user = user;
    connect();
  }

  async function onLogin(ev) {
    ev.preventDefault();
    const body = new URLSearchParams();
    body.set('user', $('login-user').value);
    body.set('password', $('login-password').value);
    $('login-submit').disabled = true;
    show('login-error', false);
    let status = 0;
    try {
      const r = await fetch('login', {
        method: 'POST',
        body,
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      });
      status = r.status;
    } catch (e) {
      status = -1;
    }
    $('login-submit').disabled = false;
    $('login-password').value = '';
    if (status === 204 || status === 200) {
      const user = await whoami();
      if (user) return showMain(user);
      return showLogin('logged in, but the session was not kept (cookies blocked?)');
    }
    const why = {
      401: 'login refused: wrong user or password',
      403: 'login refused',
      503: 'too many logins at once: try again',
      '-1': 'the gateway cannot be reached',
    }[status] || 'login failed (HTTP ' + status + ')';
    showLogin(why);
    $('login-error').dataset.status = String(status);
  }

  async function onLogout() {
    try {
      await fetch('logout', { method: 'POST', credentials: 'same-origin' });
    } catch (e) {
      /* the cookie is dropped by the server; nothing else to do */
    }
    if (state.ws) state.ws.close(1000);
    detachedView('logged out');
    showLogin();
  }

  // ---- WebSocket -----------------------------------------------------

  function send(obj) {
    if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify(obj));
  }

  function setConn(s, text) {
    $('conn').dataset.state = s;
    $('conn').textContent = text;
    show('reconnect', s === 'closed');
  }

  function connect() {
    if (state.ws && state.ws.readyState <= WebSocket.OPEN) return;
    const url = new URL('ws', location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(url.href, ['xcmux.v1']);
    ws.binaryType = 'arraybuffer';
    state.ws = ws;
    setConn('connecting', 'connecting…');
    ws.onopen = () => {
      setConn('open', 'connected');
      send({ type: 'list' });
    };
    ws.onmessage = (ev) => {
      if (ws !== state.ws) return;
      if (typeof ev.data === 'string') onText(ev.data);
      else if (term && state.attached) term.write(new Uint8Array(ev.data));
    };
    ws.onclose = async (ev) => {
      if (ws !== state.ws) return;
      state.ws = null;
      state.pendingAttach = null;
      const wasAttached = state.attached;
      setConn('closed', 'connection closed (' + ev.code + (ev.reason ? ': ' + ev.reason : '') + ')');
      if (wasAttached) detachedView('connection closed');
      // A refused upgrade or an expired session looks the same from
      // here: ask whether the login is still good.
      if (state.user && !(await whoami())) showLogin('your session has ended: log in again');
    };
  }

  function onText(data) {
    let msg;
    try {
      msg = JSON.parse(data);
    } catch (e) {
      return;
    }
    if (!msg || typeof msg !== 'object') return;
    logEvent(msg);
    switch (msg.type) {
      case 'list':
        return renderList(Array.isArray(msg.consoles) ? msg.consoles : []);
      case 'attached':
        return onAttached(msg);
      case 'who':
        renderWho(Array.isArray(msg.sessions) ? msg.sessions : []);
        return send({ type: 'list' }); // the list's seat and session columns

      case 'notice':
        return onNotice(msg);
      case 'error':
        return onError(msg);
      case 'detached': {
        detachedView(msg.text ? 'detached: ' + msg.text : 'detached');
        const next = state.pendingAttach;
        state.pendingAttach = null;
        if (next) return attach(next.ref, next.mode);
        return send({ type: 'list' });
      }
    }
  }

  // ---- console list --------------------------------------------------

  function consoleRef(c) {
    return c.console > 0 ? c.name + '/' + c.console : String(c.name);
  }

  function renderList(consoles) {
    state.consoles = consoles;
    const tbody = $('console-list').tBodies[0];
    tbody.replaceChildren();
    for (const c of consoles) {
      const ref = consoleRef(c);
      const tr = document.createElement('tr');
      tr.dataset.console = ref;
      tr.dataset.state = String(c.state);
      const cell = (text) => {
        const td = document.createElement('td');
        td.textContent = text;
        tr.appendChild(td);
        return td;
      };
      cell(ref).className = 'name';
      cell(String(c.domid));
      cell(String(c.state)).className = 'state state-' + String(c.state);
      cell(c.writer ? 'taken' : 'free');
      cell(String(c.sessions));
      const td = cell('');
      for (const [mode, label, title] of [
        ['rw', 'read-write', 'type into the console if the write seat is free'],
        ['ro', 'read-only', 'watch only'],
        ['force', 'force', 'take the write seat from whoever holds it'],
      ]) {
        const b = document.createElement('button');
        b.type = 'button';
        b.textContent = label;
        b.title = title;
        b.dataset.action = 'attach';
        b.dataset.mode = mode;
        b.dataset.console = ref;
        b.addEventListener('click', () => attach(ref, mode));
        td.appendChild(b);
      }
      tbody.appendChild(tr);
    }
    show('list-empty', consoles.length === 0);
    $('console-list').dataset.count = String(consoles.length);
  }

  // ---- session -------------------------------------------------------

  function ensureTerm() {
    if (term) return;
    term = new window.Terminal({
      cols: 80,
      rows: 30,
      scrollback: 5000,
      cursorBlink: true,
      fontFamily: 'DejaVu Sans Mono, Liberation Mono, monospace',
      fontSize: 14,
    });
    term.open($('terminal'));
    term.onData((d) => sendInput(encoder.encode(d)));
    // Some mouse reports are binary strings (one char per byte).
    term.onBinary((d) => sendInput(Uint8Array.from(d, (ch) => ch.charCodeAt(0) & 0xff)));
    window.xcmuxTerm = term;
    window.xcmux.term = term;
  }

  function sendInput(bytes) {
    if (!state.attached || !state.ws || state.ws.readyState !== WebSocket.OPEN) return;
    state.ws.send(bytes);
  }

  function attach(ref, mode) {
    if (!state.ws || state.ws.readyState !== WebSocket.OPEN) return;
    if (state.attached) {
      // One attach per WebSocket at a time: the new one goes out when
      // the gateway says the old session has ended.
      state.pendingAttach = { ref, mode };
      send({ type: 'detach' });
      return;
    }
    show('session', true);
    show('list-error', false);
    ensureTerm();
    term.reset();
    state.attaching = true;
    setText('status-error', '', '');
    setText('status-notice', '', '');
    send({ type: 'attach', console: ref, mode, replay: -1, follow: true });
    // Output that arrives before "attached" is the replay: keep it.
    state.attached = true;
    state.console = { name: ref, domid: null, console: 0 };
    $('session').dataset.attached = 'pending';
    setText('status-console', ref);
    setText('status-mode', 'attaching…');
  }

  function onAttached(msg) {
    state.attaching = false;
    state.attached = true;
    state.console = { name: msg.name, domid: msg.domid, console: msg.console };
    state.mode = msg.mode === 'rw' ? 'rw' : 'ro';
    state.writer = !!msg.writer;
    const ref = consoleRef(msg);
    setText('status-console', ref + ' (domid ' + msg.domid + ')');
    $('session').dataset.attached = 'true';
    $('session').dataset.console = ref;
    $('session').dataset.domid = String(msg.domid);
    renderMode();
    if (msg.replayed > 0) setText('status-notice', 'replayed ' + msg.replayed + ' bytes', 'REPLAY');
    send({ type: 'who' });
    term.focus();
  }

  function renderMode() {
    let text;
    if (state.mode === 'ro') text = 'read-only';
    else if (state.writer) text = 'read-write';
    else text = 'read-write, seat taken: watching';
    $('session').dataset.mode = state.mode;
    $('session').dataset.writer = String(state.writer);
    setText('status-mode', text);
  }

  function renderWho(sessions) {
    const holder = sessions.find((s) => s.writer);
    const me = sessions.find((s) => s.you);
    if (me) {
      state.writer = !!me.writer;
      renderMode();
    }
    state.seat = holder ? String(holder.user) : null;
    const seat = $('status-seat');
    if (holder) {
      seat.textContent = 'seat: ' + holder.user + (holder.you ? ' (you)' : holder.pty ? ' (pty)' : '');
      seat.dataset.holder = String(holder.user);
      seat.dataset.you = String(!!holder.you);
    } else {
      seat.textContent = 'seat: free';
      seat.dataset.holder = '';
      seat.dataset.you = 'false';
    }
    const others = sessions.filter((s) => !s.writer && !s.you).map((s) => s.user + (s.pty ? ' (pty)' : ''));
    setText('status-viewers', others.length ? 'watching: ' + others.join(', ') : '');
    $('status-viewers').dataset.count = String(sessions.length);
  }

  function noticeText(msg) {
    const n = Number(msg.count) || 0;
    const t = msg.text ? String(msg.text) : '';
    switch (msg.code) {
      case 'DROPPED':
        return n + ' bytes dropped' + (t ? ': ' + t : '');
      case 'FORCED':
        return (t || 'write seat taken by uid ' + n) + ': you are read-only now';
      case 'WRITER':
        return n ? 'you hold the write seat' : 'you lost the write seat';
      case 'DOMAIN_GONE':
        return 'guest gone (domid ' + n + '): waiting for the guest to come back';
      case 'DOMAIN_BACK':
        return 'rebooted, following domid ' + n;
      case 'SHUTDOWN':
        return 'the console daemon is shutting down' + (t ? ': ' + t : '');
      case 'DETACHED':
        return 'detached' + (t ? ': ' + t : '');
      default:
        return t || String(msg.code);
    }
  }

  function onNotice(msg) {
    switch (msg.code) {
      case 'FORCED':
        state.writer = false;
        renderMode();
        break;
      case 'WRITER':
        state.writer = !!Number(msg.count);
        renderMode();
        break;
      case 'DOMAIN_BACK':
        if (state.console) {
          state.console.domid = Number(msg.count);
          setText('status-console', consoleRef(state.console) + ' (domid ' + state.console.domid + ')');
          $('session').dataset.domid = String(state.console.domid);
        }
        // The first read-write session to follow takes the seat, and the
        // others hear no notice of it: ask.
        send({ type: 'who' });
        break;
      case 'JOINED':
      case 'LEFT':
        return; // the gateway follows these with a who message
    }
    setText('status-notice', noticeText(msg), String(msg.code));
  }

  function onError(msg) {
    const code = String(msg.code);
    const text = code === 'NOT_WRITER' ? 'read-only: input ignored' : code + (msg.text ? ': ' + msg.text : '');
    if (state.attaching) {
      // The attach itself was refused.
      state.attaching = false;
      detachedView('not attached');
    }
    if (state.attached) return setText('status-error', text, code);
    setText('list-error', text, code);
    show('list-error', true);
  }

  function detachedView(why) {
    state.attached = false;
    state.attaching = false;
    state.writer = false;
    $('session').dataset.attached = 'false';
    $('session').dataset.writer = 'false';
    setText('status-mode', why || 'detached');
    $('status-seat').textContent = '';
    $('status-seat').dataset.holder = '';
    setText('status-viewers', '');
  }

  function onDetach() {
    if (state.attached) send({ type: 'detach' });
  }

  window.xcmux = {
    term: null,
    state,
    events,
    noticeText,
    // The terminal's buffer as text, one line per row (trailing blanks cut).
    screenText() {
      if (!term) return '';
      const b = term.buffer.active;
      const lines = [];
      for (let i = 0; i < b.length; i++) {
        const l = b.getLine(i);
        lines.push(l ? l.translateToString(true) : '');
      }
      return lines.join('\n');
    },
  };

  document.addEventListener('DOMContentLoaded', async () => {
    $('login-form').addEventListener('submit', onLogin);
    $('logout').addEventListener('click', onLogout);
    $('refresh').addEventListener('click', () => send({ type: 'list' }));
    $('reconnect').addEventListener('click', connect);
    $('detach').addEventListener('click', onDetach);
    const user = await whoami();
    if (user) showMain(user);
    else showLogin();
  });
})();
