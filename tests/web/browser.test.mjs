// SPDX-License-Identifier: GPL-2.0-or-later
// The browser console in a real headless Chromium (Debian's chromium,
// driven by playwright-core; no browser is downloaded). Run by
// tests/integration/web-browser.sh, which starts xensim, xcmuxd with an
// echo guest, xcmux-web with a PAM service of its own, and passes:
//   XCMUX_WEB_URL        the gateway, e.g. http://127.0.0.1:7681/
//   XCMUX_WEB_MODULES    the directory holding node_modules/playwright-core
//   XCMUX_WEB_CHROMIUM   the browser (/usr/bin/chromium)
//   XCMUX_WEB_USER1/_PASS1, XCMUX_WEB_USER2/_PASS2  two local users
//   XCMUX_WEB_GUEST      the echo guest's name
//   XCMUX_WEB_XENSIM     the xensim command (status, reboot)
//   XCMUX_WEB_OUT        where the screenshot goes
// The steps run in order and share the browser: each leaves the page in
// the state the next one starts from. Waits are bounds on "never", not
// on speed: they are generous so that a loaded machine passes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set (run tests/integration/web-browser.sh)`);
  return v;
};
const URL0 = env('XCMUX_WEB_URL');
const U1 = env('XCMUX_WEB_USER1');
const P1 = env('XCMUX_WEB_PASS1');
const U2 = env('XCMUX_WEB_USER2');
const P2 = env('XCMUX_WEB_PASS2');
const GUEST = env('XCMUX_WEB_GUEST');
const XENSIM = env('XCMUX_WEB_XENSIM');
const OUT = env('XCMUX_WEB_OUT');
const require = createRequire(path.join(env('XCMUX_WEB_MODULES'), 'node_modules', 'x.js'));
const { chromium } = require('playwright-core');

// Stretched with the daemon's speed (XCMUX_TIME_SCALE under memcheck).
const WAIT = Number(process.env.XCMUX_WEB_WAIT_MS) || 30000;
let browser, ctxA, ctxB, tab1, tab2, tab3;

const xensim = (...args) => execFileSync(XENSIM, args, { encoding: 'utf8' }).trim();
const bytesIn = () => {
  const m = /(?:^|\s)bytes_in=(\d+)/.exec(xensim('status', GUEST));
  return m ? Number(m[1]) : NaN;
};

// The steps build on each other: after a failure the rest are skipped
// rather than each waiting out its bounds on a page in the wrong state.
let broken = null;
function step(name, fn) {
  test(name, async (t) => {
    if (broken) return t.skip(`after the failure of: ${broken}`);
    try {
      await fn();
    } catch (e) {
      broken = name;
      throw e;
    }
  });
}

async function newTab(ctx, name) {
  const page = await ctx.newPage();
  page.on('response', (r) => {
    const u = new URL(r.url());
    if (!u.pathname.startsWith('/static/')) console.log(`# ${name}: ${r.request().method()} ${u.pathname} -> ${r.status()}`);
  });
  page.on('pageerror', (e) => console.log(`# ${name}: page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') console.log(`# ${name}: console: ${m.text()}`);
  });
  await page.goto(URL0);
  return page;
}

async function login(page, user, pass) {
  await page.waitForSelector('#login-form', { state: 'visible', timeout: WAIT });
  await page.fill('#login-user', user);
  await page.fill('#login-password', pass);
  await page.click('#login-submit');
}

const screen = (page) => page.evaluate(() => window.xcmux.screenText());
const lines = async (page) => (await screen(page)).split('\n').map((l) => l.trim());
// A line the guest printed on its own (`echo M` prints M alone; the typed
// command shows as "NAME:~# echo M", which does not match).
const waitLine = (page, text) =>
  page.waitForFunction((t) => window.xcmux.screenText().split('\n').some((l) => l.trim() === t), text, {
    timeout: WAIT,
  });
const sessionIs = (page, attrs) => {
  const sel = '#session' + Object.entries(attrs).map(([k, v]) => `[data-${k}="${v}"]`).join('');
  return page.waitForSelector(sel, { state: 'attached', timeout: WAIT });
};
const seatHolder = (page) => page.getAttribute('#status-seat', 'data-holder');
const waitSeat = (page, user) =>
  page.waitForFunction((u) => document.getElementById('status-seat').dataset.holder === u, user, {
    timeout: WAIT,
  });
const hasEvent = (page, pred) =>
  page.waitForFunction(pred, null, { timeout: WAIT });

async function typeLine(page, text) {
  await page.focus('#terminal .xterm-helper-textarea');
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

function attachButton(page, mode) {
  return page.locator(`#console-list button[data-action="attach"][data-mode="${mode}"][data-console="${GUEST}"]`);
}

before(async () => {
  browser = await chromium.launch({
    executablePath: env('XCMUX_WEB_CHROMIUM'),
    headless: true,
    // launch() gives every run a fresh temporary profile of its own.
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  ctxA = await browser.newContext({ viewport: { width: 1000, height: 760 } });
  ctxB = await browser.newContext({ viewport: { width: 1000, height: 760 } });
});

after(async () => {
  if (browser) await browser.close();
});

step('bad logins are refused: error shown, no session, no terminal', async () => {
  tab1 = await newTab(ctxA, 'tab1');
  for (const [user, pass] of [
    [U1, 'not-the-password'],
    ['no-such-user-xcmux', 'x'],
    [U1, ''],
  ]) {
    await login(tab1, user, pass);
    await tab1.waitForSelector('#login-error', { state: 'visible', timeout: WAIT });
    const err = await tab1.textContent('#login-error');
    assert.match(err, /refused|failed/, `error text for ${user}: ${err}`);
    assert.equal(await tab1.isVisible('#consoles'), false);
    assert.equal(await tab1.isVisible('#session'), false);
    assert.equal(await tab1.evaluate(() => window.xcmuxTerm), undefined);
  }
  const who = await tab1.evaluate(() => fetch('whoami').then((r) => r.status));
  assert.equal(who, 401, 'whoami after refused logins');
  assert.equal((await ctxA.cookies()).filter((c) => c.name === 'xcmux_session').length, 0, 'no session cookie');
});

step('a good login shows the console list with the echo guest', async () => {
  await login(tab1, U1, P1);
  await tab1.waitForSelector('#consoles', { state: 'visible', timeout: WAIT });
  assert.equal(await tab1.getAttribute('#host-user', 'data-user'), U1);
  await tab1.waitForSelector(`#console-list tr[data-console="${GUEST}"][data-state="running"]`, { timeout: WAIT });
  // refresh asks again and the row is still there
  const before = await tab1.evaluate(() => window.xcmux.events.filter((e) => e.type === 'list').length);
  await tab1.click('#refresh');
  await tab1.waitForFunction((n) => window.xcmux.events.filter((e) => e.type === 'list').length > n, before, {
    timeout: WAIT,
  });
  assert.equal(await tab1.locator(`#console-list tr[data-console="${GUEST}"]`).count(), 1);
});

step('read-write attach: typing reaches the guest and its echo is shown', async () => {
  await attachButton(tab1, 'rw').click();
  await sessionIs(tab1, { attached: 'true', mode: 'rw', writer: 'true' });
  await waitSeat(tab1, U1);
  assert.match(await tab1.textContent('#status-mode'), /read-write/);
  assert.match(await tab1.textContent('#status-seat'), new RegExp(`${U1} \\(you\\)`));
  await typeLine(tab1, 'echo mark-rw-1');
  await waitLine(tab1, 'mark-rw-1');
});

step('a second tab (second user) attaches read-only: same output, replay, seat holder shown', async () => {
  tab2 = await newTab(ctxB, 'tab2');
  await login(tab2, U2, P2);
  await tab2.waitForSelector(`#console-list tr[data-console="${GUEST}"]`, { timeout: WAIT });
  await attachButton(tab2, 'ro').click();
  await sessionIs(tab2, { attached: 'true', mode: 'ro', writer: 'false' });
  // replay: output from before this tab attached
  await waitLine(tab2, 'mark-rw-1');
  await waitSeat(tab2, U1);
  assert.match(await tab2.textContent('#status-mode'), /read-only/);
  // live: both tabs see what the writer types
  await typeLine(tab1, 'echo mark-rw-2');
  await waitLine(tab1, 'mark-rw-2');
  await waitLine(tab2, 'mark-rw-2');
  // tab 1 hears that tab 2 joined
  await tab1.waitForFunction((u) => document.getElementById('status-viewers').textContent.includes(u), U2, {
    timeout: WAIT,
  });
});

step('read-only typing is refused (NOT_WRITER shown) and never reaches the guest', async () => {
  const inBefore = bytesIn();
  assert.ok(Number.isFinite(inBefore), 'xensim status shows bytes_in');
  await typeLine(tab2, 'echo mark-ro-secret');
  await tab2.waitForSelector('#status-error[data-code="NOT_WRITER"]', { timeout: WAIT });
  assert.equal(await tab2.textContent('#status-error'), 'read-only: input ignored');
  // The writer types after: once its echo is back, anything tab 2's input
  // would have caused has been shown too.
  await typeLine(tab1, 'echo mark-rw-3');
  await waitLine(tab1, 'mark-rw-3');
  await waitLine(tab2, 'mark-rw-3');
  for (const t of [tab1, tab2]) assert.ok(!(await screen(t)).includes('mark-ro'), 'read-only input echoed');
  assert.equal(bytesIn() - inBefore, 'echo mark-rw-3\r'.length, 'the guest got only the writer bytes');
});

step('force from the second tab moves the seat; both tabs show it', async () => {
  await attachButton(tab2, 'force').click();
  await sessionIs(tab2, { attached: 'true', mode: 'rw', writer: 'true' });
  await waitSeat(tab2, U2);
  await waitSeat(tab1, U2);
  assert.equal(await tab2.getAttribute('#status-seat', 'data-you'), 'true');
  await sessionIs(tab1, { attached: 'true', writer: 'false' });
  await tab1.waitForSelector('#status-notice[data-code="FORCED"]', { timeout: WAIT });
  assert.match(await tab1.textContent('#status-notice'), /read-only now/);
  await typeLine(tab2, 'echo mark-forced-4');
  await waitLine(tab2, 'mark-forced-4');
  await waitLine(tab1, 'mark-forced-4');
  // and the old writer is now refused
  await typeLine(tab1, 'echo mark-old-writer');
  await tab1.waitForSelector('#status-error[data-code="NOT_WRITER"]', { timeout: WAIT });
});

step('replay: a tab of the same login attached after the output sees it', async () => {
  tab3 = await newTab(ctxA, 'tab3');
  await tab3.waitForSelector(`#console-list tr[data-console="${GUEST}"]`, { timeout: WAIT });
  assert.equal(await tab3.getAttribute('#host-user', 'data-user'), U1, 'the login cookie is shared');
  await attachButton(tab3, 'ro').click();
  await sessionIs(tab3, { attached: 'true', mode: 'ro' });
  for (const m of ['mark-rw-1', 'mark-rw-3', 'mark-forced-4']) await waitLine(tab3, m);
  await waitSeat(tab3, U2);
});

step('screenshot of the attached terminal', async () => {
  const file = path.join(OUT, 'web-browser.png');
  await tab1.screenshot({ path: file });
  console.log(`# screenshot: ${file}`);
});

// ---- abuse on a raw WebSocket of its own -------------------------------------

function frame(opcode, payload, { mask = true, rsv = 0, fin = true, len } = {}) {
  const n = len ?? payload.length;
  const head = [((fin ? 0x80 : 0) | rsv | opcode) & 0xff];
  const m = mask ? 0x80 : 0;
  if (n < 126) head.push(m | n);
  else if (n < 65536) head.push(m | 126, n >> 8, n & 0xff);
  else {
    head.push(m | 127);
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(n));
    head.push(...b);
  }
  if (!mask) return Buffer.concat([Buffer.from(head), payload]);
  const key = randomBytes(4);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i] ^= key[i & 3];
  return Buffer.concat([Buffer.from(head), key, body]);
}

// Opens a WebSocket with the session cookie, attaches read-only, sends
// `bad` (a Buffer, or a function writing to the socket) and collects what
// the server sends until it closes: { status, attached, closeCode, texts }.
function abuse(cookie, bad) {
  const u = new URL(URL0);
  return new Promise((resolve, reject) => {
    const s = net.connect(Number(u.port), u.hostname);
    let buf = Buffer.alloc(0);
    let upgraded = false;
    const res = { status: 0, attached: false, closeCode: null, texts: [], ended: false };
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error('the server did not close the abusive connection: ' + JSON.stringify(res)));
    }, WAIT);
    s.on('error', () => {}); // a reset while we write is an acceptable close
    s.on('close', () => {
      clearTimeout(timer);
      res.ended = true;
      resolve(res);
    });
    s.on('connect', () => {
      s.write(
        `GET ${u.pathname.replace(/\/?$/, '/')}ws HTTP/1.1\r\nHost: ${u.host}\r\n` +
          `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n` +
          `Sec-WebSocket-Protocol: xcmux.v1\r\nOrigin: ${u.origin}\r\nCookie: xcmux_session=${cookie}\r\n\r\n`,
      );
    });
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (!upgraded) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        res.status = Number(/^HTTP\/1\.1 (\d+)/.exec(buf.subarray(0, end).toString())?.[1] || 0);
        buf = buf.subarray(end + 4);
        upgraded = true;
        if (res.status !== 101) return s.end();
        s.write(frame(1, Buffer.from(JSON.stringify({ type: 'attach', console: GUEST, mode: 'ro', replay: 0, follow: false }))));
      }
      // server frames: unmasked
      for (;;) {
        if (buf.length < 2) return;
        let n = buf[1] & 0x7f;
        let off = 2;
        if (n === 126) {
          if (buf.length < 4) return;
          n = buf.readUInt16BE(2);
          off = 4;
        } else if (n === 127) {
          if (buf.length < 10) return;
          n = Number(buf.readBigUInt64BE(2));
          off = 10;
        }
        if (buf.length < off + n) return;
        const op = buf[0] & 0x0f;
        const payload = buf.subarray(off, off + n);
        buf = buf.subarray(off + n);
        if (op === 1) {
          const t = payload.toString();
          res.texts.push(t);
          if (!res.attached && JSON.parse(t).type === 'attached') {
            res.attached = true;
            if (typeof bad === 'function') bad(s);
            else s.write(bad);
          }
        } else if (op === 8) {
          res.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        }
      }
    });
  });
}

step('oversized and malformed frames close only their own WebSocket; tab 1 keeps every echo', async () => {
  const cookie = (await ctxA.cookies()).find((c) => c.name === 'xcmux_session')?.value;
  assert.ok(cookie, 'the session cookie');
  const cases = [
    ['oversized binary frame (70000 bytes)', (s) => s.write(frame(2, Buffer.alloc(70000, 0x61))), [1009]],
    ['oversized frame, header only (2^40)', (s) => s.write(frame(2, Buffer.alloc(0), { len: 2 ** 40 })), [1009]],
    ['unmasked client frame', (s) => s.write(frame(2, Buffer.from('echo x\r'), { mask: false })), [1002]],
    ['reserved bits set', (s) => s.write(frame(2, Buffer.from('x'), { rsv: 0x40 })), [1002]],
    ['unknown opcode', (s) => s.write(frame(0x3, Buffer.from('x'))), [1002]],
    ['text that is not JSON', (s) => s.write(frame(1, Buffer.from('{not json'))), [1007, 1008]],
  ];
  let i = 0;
  for (const [what, bad, codes] of cases) {
    i++;
    const r = await abuse(cookie, bad);
    assert.equal(r.status, 101, `${what}: upgraded`);
    assert.ok(r.attached, `${what}: attached before the abuse`);
    assert.ok(codes.includes(r.closeCode), `${what}: close code ${r.closeCode}, want ${codes}`);
    assert.ok(r.ended, `${what}: connection closed`);
    // the writer types after each one; every tab still gets every echo
    await typeLine(tab2, `echo mark-after-${i}`);
    await sessionIs(tab1, { attached: 'true' });
  }
  for (const t of [tab1, tab2, tab3])
    for (let k = 1; k <= cases.length; k++) await waitLine(t, `mark-after-${k}`);
  for (const t of [tab1, tab2, tab3]) assert.equal(await t.getAttribute('#conn', 'data-state'), 'open');
});

step('a foreign Origin and a missing session get no WebSocket', async () => {
  const u = new URL(URL0);
  const head = (extra) =>
    new Promise((resolve) => {
      const s = net.connect(Number(u.port), u.hostname, () =>
        s.write(
          `GET ${u.pathname.replace(/\/?$/, '/')}ws HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\n` +
            `Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n` +
            extra + '\r\n',
        ),
      );
      let b = '';
      s.on('data', (d) => {
        b += d;
        if (b.includes('\r\n')) {
          s.destroy();
          resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(b)?.[1] || 0));
        }
      });
      s.on('error', () => resolve(0));
    });
  const cookie = (await ctxA.cookies()).find((c) => c.name === 'xcmux_session').value;
  assert.equal(await head(`Origin: http://evil.example\r\nCookie: xcmux_session=${cookie}\r\n`), 403, 'foreign origin');
  assert.equal(await head(`Origin: ${u.origin}\r\nCookie: xcmux_session=${'0'.repeat(64)}\r\n`), 401, 'unknown session');
  assert.equal(await head(`Origin: ${u.origin}\r\n`), 401, 'no cookie');
});

step('reboot: the tabs show gone and back, then the new guest output', async () => {
  const boots = async (t) => (await lines(t)).filter((l) => l.includes('Linux version')).length;
  const before1 = await boots(tab1);
  const oldDomid = Number(await tab1.getAttribute('#session', 'data-domid'));
  const newDomid = Number(xensim('reboot', GUEST).split(/\s+/).pop());
  assert.ok(newDomid > 0 && newDomid !== oldDomid, `new domid ${newDomid} (was ${oldDomid})`);
  for (const t of [tab1, tab2]) {
    await hasEvent(t, () => window.xcmux.events.some((e) => e.type === 'notice' && e.code === 'DOMAIN_GONE'));
    await hasEvent(t, () => window.xcmux.events.some((e) => e.type === 'notice' && e.code === 'DOMAIN_BACK'));
    await t.waitForFunction(
      (d) => document.getElementById('session').dataset.domid === String(d),
      newDomid,
      { timeout: WAIT },
    );
  }
  // The status bar says it in words (the last notice may be a later one).
  const back = await tab1.evaluate(() => window.xcmux.events.find((e) => e.code === 'DOMAIN_BACK'));
  assert.equal(Number(back.count), newDomid);
  await tab1.waitForFunction(
    (n) => window.xcmux.screenText().split('\n').filter((l) => l.includes('Linux version')).length > n,
    before1,
    { timeout: WAIT },
  );
  assert.ok((await boots(tab1)) > before1, 'the new boot text is shown');
  await sessionIs(tab1, { attached: 'true' });
  // The sessions followed: the first read-write one to arrive took the
  // seat (seat_follow), and its input reaches the new guest, whose echo
  // every tab sees.
  await Promise.any([tab1, tab2].map((t) => sessionIs(t, { attached: 'true', writer: 'true' })));
  const writer = (await tab1.getAttribute('#session', 'data-writer')) === 'true' ? tab1 : tab2;
  await waitSeat(writer === tab1 ? tab2 : tab1, writer === tab1 ? U1 : U2);
  await typeLine(writer, 'echo mark-reborn');
  for (const t of [tab1, tab2, tab3]) await waitLine(t, 'mark-reborn');
});

step('the gone/back notices read as such', async () => {
  // The page's wording, checked on the page's own function with the
  // notices the tabs received.
  const texts = await tab1.evaluate(() => {
    const gone = window.xcmux.events.find((e) => e.code === 'DOMAIN_GONE');
    const back = window.xcmux.events.find((e) => e.code === 'DOMAIN_BACK');
    return [window.xcmux.noticeText(gone), window.xcmux.noticeText(back), back.count];
  });
  assert.match(texts[0], /waiting for the guest to come back/);
  assert.equal(texts[1], `rebooted, following domid ${texts[2]}`);
  // Notices this run does not provoke, worded by the same function.
  const more = await tab1.evaluate(() =>
    [
      { code: 'DROPPED', count: 4096, text: '' },
      { code: 'WRITER', count: 1 },
      { code: 'WRITER', count: 0 },
      { code: 'SHUTDOWN', count: 0, text: '' },
      { code: '77', count: 0, text: 'a notice from a newer daemon' },
    ].map((n) => window.xcmux.noticeText(n)),
  );
  assert.deepEqual(more, [
    '4096 bytes dropped',
    'you hold the write seat',
    'you lost the write seat',
    'the console daemon is shutting down',
    'a notice from a newer daemon',
  ]);
});

step('detach ends the session and the list comes back', async () => {
  await tab3.click('#detach');
  await sessionIs(tab3, { attached: 'false' });
  await tab3.waitForSelector(`#console-list tr[data-console="${GUEST}"]`, { timeout: WAIT });
  await waitLine(tab1, 'mark-reborn'); // tab 1 untouched
  await sessionIs(tab1, { attached: 'true' });
});
