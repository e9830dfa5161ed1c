// The simulator page: writes as the customer, a rep or to the bot (POST, with the CSRF token) and
// shows what the stream says: chat lines, the rep's nudges, the bot's answers. Everything is
// rendered as text, never as HTML. Each event has an id, so one shown twice (the page's own post
// and its echo on the stream, a reconnect's history) is shown once.
(() => {
  const root = document.getElementById('sim');
  if (!root) return;
  const $ = (id) => document.getElementById(id);
  const status = $('sim-status');
  const errorBox = $('sim-error');
  const shown = new Set();
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const add = (list, item) => {
    list.querySelector('li.empty')?.remove();
    list.append(item);
    list.scrollTop = list.scrollHeight;
  };
  const setStatus = (state, text) => {
    status.dataset.state = state;
    status.textContent = text;
  };
  const fail = (text) => {
    errorBox.hidden = false;
    errorBox.textContent = text;
  };

  function showMessage(m) {
    if (shown.has(m.id)) return;
    shown.add(m.id);
    const li = el('li', m.side);
    li.dataset.id = m.id;
    li.append(el('span', 'who', m.name), el('time', '', m.time), el('p', 'body', m.text));
    add(m.chat === 'bot' ? $('bot') : $('chat'), li);
  }

  function showSent(kind, d) {
    if (shown.has(d.id)) return;
    shown.add(d.id);
    const li = el('li', kind);
    li.dataset.id = d.id;
    li.append(el('span', 'who', kind === 'nudge' ? `→ ${d.to}` : '机器人'), el('time', '', d.time));
    if (d.title) li.append(el('p', 'title', d.title));
    li.append(el('p', 'body', d.text));
    if (d.buttons.length > 0) li.append(el('p', 'buttons', d.buttons.map((b) => `[${b}]`).join(' ')));
    add(kind === 'nudge' ? $('nudges') : $('bot'), li);
  }

  const source = new EventSource(root.dataset.stream);
  source.addEventListener('ready', () => setStatus('live', '已连接：提醒和回复会实时出现。'));
  source.addEventListener('message', (e) => showMessage(JSON.parse(e.data)));
  source.addEventListener('nudge', (e) => showSent('nudge', JSON.parse(e.data)));
  source.addEventListener('answer', (e) => showSent('answer', JSON.parse(e.data)));
  source.addEventListener('closing', (e) => {
    source.close();
    const why = JSON.parse(e.data).reason;
    setStatus('closed', why === 'signed-out' ? '已退出登录，连接已关闭。' : '服务已停止，连接已关闭。刷新页面重新连接。');
  });
  source.onerror = () => {
    if (source.readyState === EventSource.CLOSED) setStatus('closed', '连接已关闭。刷新页面重新连接。');
    else setStatus('connecting', '连接中断，正在重连…');
  };

  async function send(payload) {
    errorBox.hidden = true;
    const res = await fetch(root.dataset.post, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': root.dataset.csrf },
      body: JSON.stringify({ sandbox: root.dataset.sandbox, ...payload }),
    });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(body.error?.message ?? `HTTP ${res.status}`);
    showMessage(body.event);
  }

  $('chat-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const form = e.currentTarget;
    const as = form.elements.as.value;
    const text = $('chat-text').value.trim();
    if (!text) return;
    // The customer's name goes with the rep's messages too: the first message titles the chat.
    const customerName = $('customer-name').value.trim() || '客户';
    const payload = as === 'rep' ? { as, text, rep: $('rep').value, customerName } : { as, text, customerName };
    send(payload)
      .then(() => {
        $('chat-text').value = '';
      })
      .catch((err) => fail(`发送失败：${err.message}`));
  });

  const botForm = $('bot-form');
  const ask = (text) => send({ as: 'bot', text }).catch((err) => fail(`发送失败：${err.message}`));
  botForm?.addEventListener('submit', (e) => {
    e.preventDefault();
    const text = $('bot-text').value.trim();
    if (text) ask(text).then(() => ($('bot-text').value = ''));
  });
  for (const b of document.querySelectorAll('button[data-command]')) b.addEventListener('click', () => ask(b.dataset.command));
})();
