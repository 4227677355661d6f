// The console's page: logs in, shows the views gridsync-web builds (HTML
// fragments in which every text from the field is already escaped), sorts
// and filters their tables, sends the acts with the session's CSRF token,
// and reloads the view when the server says the scope changed (server-sent
// events). No other script, no framework: it must work on an office PC
// without the internet.
'use strict';

let me = null;
let events = null;
let loading = null;

const $ = (sel, root = document) => root.querySelector(sel);

function say(text, bad) {
  const m = $('#msg');
  m.textContent = text;
  m.className = bad ? 'bad' : '';
  m.hidden = !text;
}

function clock(ms) {
  return ms > 0 ? new Date(ms).toLocaleTimeString('zh-CN', {hour12: false}) : '—';
}

async function post(url, data) {
  const headers = {'Content-Type': 'application/x-www-form-urlencoded'};
  if (me) headers['X-CSRF-Token'] = me.csrf;
  const r = await fetch(url, {method: 'POST', body: new URLSearchParams(data), headers,
                              credentials: 'same-origin'});
  const text = await r.text();
  if (r.status === 401 && me) return loggedOut();
  if (!r.ok) throw new Error(text || ('HTTP ' + r.status));
  return text;
}

function loggedOut() {
  me = null;
  if (events) events.close();
  events = null;
  $('#nav').hidden = true;
  $('#logout').hidden = true;
  $('#who').textContent = '';
  $('#fresh').textContent = '';
  const view = $('#view');
  view.replaceChildren($('#login-tpl').content.cloneNode(true));
  $('#login-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await post('/api/login', Object.fromEntries(new FormData(e.target)));
      say('');
      start();
    } catch (err) { say(err.message, true); }
  });
  $('#activate-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = Object.fromEntries(new FormData(e.target));
    if (f.password !== f.password2) return say('两次输入的密码不一样', true);
    delete f.password2;
    try {
      say('正在向服务器核对激活码并下载本辖区数据, 请稍候…');
      await post('/api/activate', f);
      say('已开通');
      start();
    } catch (err) { say(err.message, true); }
  });
}

async function start() {
  const r = await fetch('/api/me', {credentials: 'same-origin'});
  if (r.status === 401) return loggedOut();
  me = await r.json();
  $('#nav').hidden = false;
  $('#logout').hidden = false;
  $('#who').textContent = me.name + ' · ' + me.scope_name;
  fresh(me.synced_at_ms, true);
  listen();
  show();
}

function fresh(ms, live) {
  const f = $('#fresh');
  f.textContent = (live ? '实时 · ' : '连接中断, 正在重连 · ') + '数据同步于 ' + clock(ms);
  f.classList.toggle('stale', !live);
  f.dataset.synced = ms;
}

function listen() {
  if (events) events.close();
  events = new EventSource('/api/events');
  events.addEventListener('change', (e) => {
    const d = JSON.parse(e.data);
    fresh(d.synced_at_ms, d.following);
    show(true);
  });
  events.addEventListener('status', (e) => {
    const d = JSON.parse(e.data);
    fresh(d.synced_at_ms, d.following);
  });
  events.addEventListener('refused', (e) => {
    loggedOut();
    say(JSON.parse(e.data), true);
  });
  events.onopen = () => fresh(Number($('#fresh').dataset.synced || 0), true);
  events.onerror = () => {
    fresh(Number($('#fresh').dataset.synced || 0), false);
    fetch('/api/me').then((r) => { if (r.status === 401) loggedOut(); });
  };
}

// The route of the hash: "#/unit?code=1&month=2026-11" -> ["unit", "code=..."].
function routeOf() {
  const h = location.hash.startsWith('#/') ? location.hash.slice(2) : 'overview';
  const q = h.indexOf('?');
  return q < 0 ? [h || 'overview', ''] : [h.slice(0, q), h.slice(q + 1)];
}

async function show(quiet) {
  if (!me) return;
  const [name, query] = routeOf();
  for (const a of document.querySelectorAll('#nav a'))
    a.classList.toggle('on', a.getAttribute('href') === '#/' + name);
  const mine = Symbol();
  loading = mine;
  const r = await fetch('/view/' + encodeURIComponent(name) + (query ? '?' + query : ''),
                        {credentials: 'same-origin'});
  const html = await r.text();
  if (loading !== mine) return;  // a newer view was asked for meanwhile
  if (r.status === 401) {
    loggedOut();
    return say(html, true);
  }
  if (!r.ok) return say(html, true);
  const keep = {};
  for (const i of document.querySelectorAll('#view input.filter, #view input.note'))
    keep[(i.dataset.for || '') + i.className] = i.value;
  const scroll = window.scrollY;
  const t = document.createElement('template');
  t.innerHTML = html;
  const view = $('#view');
  view.replaceChildren(t.content);
  for (const i of view.querySelectorAll('input.filter, input.note'))
    if (keep[(i.dataset.for || '') + i.className]) i.value = keep[(i.dataset.for || '') + i.className];
  enhance(view);
  if (quiet) window.scrollTo(0, scroll);
  view.dataset.version = me.version = (me.version || 0) + 1;
  document.title = ($('h1', view) || {}).textContent + ' · 综治中心管理台';
}

function cellValue(td) {
  const t = td.textContent.trim();
  const n = parseFloat(t.replace('%', ''));
  return isNaN(n) || !/^[-+]?[\d.]/.test(t) ? t : n;
}

function sortBy(table, col, th) {
  const body = table.tBodies[0];
  const asc = !th.classList.contains('asc');
  for (const h of table.tHead.rows[0].cells) h.classList.remove('asc', 'desc');
  th.classList.add(asc ? 'asc' : 'desc');
  const rows = Array.from(body.rows);
  rows.sort((a, b) => {
    const x = cellValue(a.cells[col]), y = cellValue(b.cells[col]);
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y), 'zh-CN');
    return asc ? c : -c;
  });
  body.append(...rows);
}

function filter(input) {
  const table = document.getElementById(input.dataset.for);
  if (!table) return;
  const words = input.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
  for (const row of table.tBodies[0].rows) {
    const text = row.textContent.toLowerCase();
    row.hidden = !words.every((w) => text.includes(w));
  }
}

function enhance(view) {
  for (const table of view.querySelectorAll('table.sortable')) {
    if (!table.tHead) continue;
    Array.from(table.tHead.rows[0].cells).forEach((th, i) =>
      th.addEventListener('click', () => sortBy(table, i, th)));
  }
  for (const input of view.querySelectorAll('input.filter')) {
    input.addEventListener('input', () => filter(input));
    filter(input);
  }
  for (const m of view.querySelectorAll('input.month')) {
    m.addEventListener('change', () => {
      const extra = m.dataset.extra ? '&' + m.dataset.extra : '';
      location.hash = '#/' + m.dataset.route + '?month=' + m.value + extra;
    });
  }
  for (const b of view.querySelectorAll('button[data-act]')) {
    b.addEventListener('click', () => {
      const data = {what: b.dataset.act, id: b.dataset.id};
      for (const k of ['status', 'approve', 'step', 'said']) if (b.dataset[k]) data[k] = b.dataset[k];
      const note = view.querySelector('input.note[data-for="' + CSS.escape(b.dataset.id) + '"]');
      if (note) data.note = note.value;
      act(data, b);
    });
  }
  // A form that acts (the office giving a task): its fields, as a button's.
  for (const f of view.querySelectorAll('form[data-act]')) {
    f.addEventListener('submit', (e) => {
      e.preventDefault();
      act(Object.assign(Object.fromEntries(new FormData(f)), {what: f.dataset.act}), $('button', f));
    });
  }
}

// Sends an act, says the answer and shows the view again; `b` is disabled
// meanwhile, and again usable when the act was refused.
async function act(data, b) {
  b.disabled = true;
  try {
    say(await post('/api/act', data));
    await show(true);
  } catch (err) {
    say(err.message, true);
    b.disabled = false;
  }
}

window.addEventListener('hashchange', () => { say(''); show(); });
window.addEventListener('DOMContentLoaded', () => {
  $('#logout').addEventListener('click', async () => {
    try { await post('/api/logout', {}); } catch (err) { /* ended already */ }
    loggedOut();
  });
  start();
});
