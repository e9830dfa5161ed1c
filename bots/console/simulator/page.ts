/**
 * The simulator page: one sandbox chat where the viewer types as the customer or as a rep, the
 * rep's private nudges beside it, and the viewer's own chat with the bot (commands such as /deal
 * or /team). The lists fill from the event stream (assets/simulator.js); without the local
 * adapter the page says so and offers nothing to type into.
 */
import type { Person } from '../../catalog/catalog.ts';
import { esc, page, stamp } from '../html.ts';
import type { PageContext } from '../pages.ts';

export interface SimulatorView {
  localAdapter: boolean;
  /** The sandbox open on the page, or null (the list and the form to open one). */
  sandbox: string | null;
  sandboxes: Array<{ chatId: string; title: string | null; createdAt: Date }>;
  /** The reps the viewer may play. */
  reps: Person[];
  /** Whether the viewer has a local id to write to the bot with. */
  canAskBot: boolean;
  script: string;
  style: string;
}

const COMMANDS = ['/deal', '/team 本周', '/kb 价格异议', '/funnel'];

export function simulatorPage(ctx: PageContext, view: SimulatorView): string {
  const shell = (body: string, scripts: string[] = []) =>
    page({ title: '模拟器', assets: ctx.assets, viewer: ctx.viewer, active: 'simulator', styles: [view.style], scripts, body });
  if (!view.localAdapter) {
    return shell(`<h1>模拟器</h1>
<section class="card message" data-state="local-off"><h2>本地适配器未开启</h2>
<p>模拟器通过本地适配器收发消息，而这个服务启动时没有开启它，所以这里不能发消息。</p>
<p class="hint">用 <code>LOCAL_ADAPTER=true npm start</code> 启动，或运行 <code>npm run demo</code>（已开启）。</p></section>`);
  }
  const csrf = esc(ctx.viewer.csrf);
  const list = view.sandboxes
    .map(
      (s) =>
        `<li><a href="/console/simulator?s=${encodeURIComponent(s.chatId)}"${s.chatId === view.sandbox ? ' aria-current="page"' : ''}>${esc(s.title ?? s.chatId)}</a> <time>${esc(stamp(s.createdAt, ctx.timeZone, ctx.now))}</time></li>`,
    )
    .join('');
  const picker = `<section class="card sim-pick">
  <h2>模拟对话</h2>
  <p class="hint">你同时扮演客户和销售；消息走真实的接收、分析和提醒流程，销售收到的私聊提醒会实时出现在右侧。模拟对话只有你自己能看到，但生成的商机会出现在商机列表里。</p>
  ${list ? `<ul class="sim-list">${list}</ul>` : ''}
  <form method="post" action="/console/simulator"><input type="hidden" name="_csrf" value="${csrf}"><button type="submit" id="sim-new">新建模拟对话</button></form>
</section>`;
  if (!view.sandbox) return shell(`<h1>模拟器</h1>\n${picker}`);
  if (view.reps.length === 0)
    return shell(`<h1>模拟器</h1>\n${picker}<p class="card">你所管的团队里没有可以扮演的销售（需要在 org.yaml 里有本地适配器 id）。</p>`);
  const reps = view.reps.map((p) => `<option value="${esc(p.id)}">${esc(p.name)}</option>`).join('');
  const quick = COMMANDS.map((c) => `<button type="button" class="chip" data-command="${esc(c)}">${esc(c)}</button>`).join('');
  const bot = view.canAskBot
    ? `<form id="bot-form" class="composer"><input id="bot-text" name="text" maxlength="2000" autocomplete="off" placeholder="给机器人发命令，如 /deal" required><button type="submit">发送</button></form>
  <div class="chips">${quick}</div>`
    : '<p class="hint">你在组织名单里没有本地适配器的 id，不能在这里给机器人发命令。</p>';
  const body = `<h1>模拟器</h1>
${picker}
<section id="sim" class="sim" data-sandbox="${esc(view.sandbox)}" data-stream="/v1/console/simulator/stream?s=${esc(encodeURIComponent(view.sandbox))}" data-post="/v1/console/simulator/messages" data-csrf="${csrf}">
  <p id="sim-status" class="hint" data-state="connecting" role="status">正在连接…</p>
  <div class="card sim-chat">
    <h2>客户群聊</h2>
    <ol id="chat" class="sim-lines" aria-live="polite"></ol>
    <form id="chat-form" class="composer">
      <div class="as">
        <label><input type="radio" name="as" value="customer" checked> 客户</label>
        <input id="customer-name" name="customerName" maxlength="40" value="李主任" aria-label="客户称呼">
        <label><input type="radio" name="as" value="rep"> 销售</label>
        <select id="rep" name="rep" aria-label="扮演的销售">${reps}</select>
      </div>
      <textarea id="chat-text" name="text" rows="2" maxlength="2000" required placeholder="例如：48 万？太贵了，超出预算了。"></textarea>
      <button type="submit" id="chat-send">发送</button>
    </form>
  </div>
  <div class="card sim-nudges">
    <h2>销售收到的私聊提醒</h2>
    <ol id="nudges" class="sim-lines" aria-live="polite"><li class="empty">还没有提醒。客户提出异议、报价没有回复时，机器人会私聊提醒销售。</li></ol>
  </div>
  <div class="card sim-bot">
    <h2>我和机器人</h2>
    <ol id="bot" class="sim-lines" aria-live="polite"></ol>
    ${bot}
  </div>
  <p id="sim-error" class="flash error" hidden></p>
</section>`;
  return shell(body, [view.script]);
}
