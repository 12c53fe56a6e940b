<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>HealthStatus</name>
    <message>
        <source>passing</source>
        <translation>通过</translation>
    </message>
    <message>
        <source>warning</source>
        <translation>警告</translation>
    </message>
    <message>
        <source>critical</source>
        <translation>严重</translation>
    </message>
    <message>
        <source>maintenance</source>
        <translation>维护中</translation>
    </message>
    <message>
        <source>no checks</source>
        <translation>无检查</translation>
    </message>
    <message numerus="yes">
        <source>%n passing</source>
        <translation><numerusform>%n 个通过</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n warning</source>
        <translation><numerusform>%n 个警告</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n critical</source>
        <translation><numerusform>%n 个严重</numerusform></translation>
    </message>
</context>
<context>
    <name>Replies</name>
    <message>
        <source>Cannot reach the agent: %1</source>
        <translation>无法连接到代理：%1</translation>
    </message>
    <message>
        <source>Permission denied (403): the ACL token does not allow this. %1</source>
        <translation>权限被拒绝（403）：ACL 令牌不允许此操作。%1</translation>
    </message>
    <message>
        <source>The agent answered %1: %2</source>
        <translation>代理返回 %1：%2</translation>
    </message>
    <message>
        <source>The agent sent an answer that is not valid JSON (%1 at byte %2).</source>
        <translation>代理返回的应答不是有效的 JSON（第 %2 字节处：%1）。</translation>
    </message>
</context>
<context>
    <name>ValueCodec</name>
    <message>
        <source>Not valid JSON: %1 (line %2, column %3)</source>
        <translation>不是有效的 JSON：%1（第 %2 行，第 %3 列）</translation>
    </message>
    <message>
        <source>Not hexadecimal: '%1'</source>
        <translation>不是十六进制字符：“%1”</translation>
    </message>
    <message>
        <source>Hexadecimal needs an even number of digits.</source>
        <translation>十六进制需要偶数个数字。</translation>
    </message>
    <message>
        <source>Not valid base64.</source>
        <translation>不是有效的 base64。</translation>
    </message>
</context>
<context>
    <name>qonsul::console::AgentSession</name>
    <message>
        <source>The agent sent a leader that is not valid JSON text (a string was expected).</source>
        <translation>代理返回的领导者不是有效的 JSON 文本（应为字符串）。</translation>
    </message>
</context>
<context>
    <name>qonsul::console::ConflictDialog</name>
    <message>
        <source>Save Conflict</source>
        <translation>保存冲突</translation>
    </message>
    <message>
        <source>Someone changed “%1” after you opened it. Your version was not saved. Compare both versions and choose which one to keep.</source>
        <translation>在您打开“%1”之后，有人修改了它。您的版本尚未保存。请比较两个版本并选择要保留的一个。</translation>
    </message>
    <message>
        <source>Your version</source>
        <translation>您的版本</translation>
    </message>
    <message>
        <source>On the agent now (ModifyIndex %1)</source>
        <translation>代理上的当前版本（ModifyIndex %1）</translation>
    </message>
    <message>
        <source>Overwrite with Mine</source>
        <translation>用我的版本覆盖</translation>
    </message>
    <message>
        <source>Use Theirs</source>
        <translation>使用对方的版本</translation>
    </message>
    <message>
        <source>Keep Editing</source>
        <translation>继续编辑</translation>
    </message>
</context>
<context>
    <name>qonsul::console::ConnectionDialog</name>
    <message>
        <source>Connect to Agent</source>
        <translation>连接到代理</translation>
    </message>
    <message>
        <source>Use HTTPS</source>
        <translation>使用 HTTPS</translation>
    </message>
    <message>
        <source>System certificates</source>
        <translation>系统证书</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>CA Certificate</source>
        <translation>CA 证书</translation>
    </message>
    <message>
        <source>PEM certificates (*.pem *.crt);;All files (*)</source>
        <translation>PEM 证书 (*.pem *.crt);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Skip certificate verification (insecure)</source>
        <translation>跳过证书验证（不安全）</translation>
    </message>
    <message>
        <source>Anonymous</source>
        <translation>匿名</translation>
    </message>
    <message>
        <source>The agent's own</source>
        <translation>代理自身的数据中心</translation>
    </message>
    <message>
        <source>Connection:</source>
        <translation>连接：</translation>
    </message>
    <message>
        <source>Address:</source>
        <translation>地址：</translation>
    </message>
    <message>
        <source>CA file:</source>
        <translation>CA 文件：</translation>
    </message>
    <message>
        <source>ACL token:</source>
        <translation>ACL 令牌：</translation>
    </message>
    <message>
        <source>Datacenter:</source>
        <translation>数据中心：</translation>
    </message>
    <message>
        <source>Connect</source>
        <translation>连接</translation>
    </message>
    <message>
        <source>Forget This Connection</source>
        <translation>删除此连接</translation>
    </message>
</context>
<context>
    <name>qonsul::console::HealthView</name>
    <message>
        <source>Filter by service, node or check</source>
        <translation>按服务、节点或检查筛选</translation>
    </message>
    <message>
        <source>Service / node / check</source>
        <translation>服务 / 节点 / 检查</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Output</source>
        <translation>输出</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Node checks</source>
        <translation>节点检查</translation>
    </message>
    <message>
        <source>Node %1</source>
        <translation>节点 %1</translation>
    </message>
    <message>
        <source>All checks are passing.</source>
        <translation>所有检查均已通过。</translation>
    </message>
    <message>
        <source>%1 critical, %2 warning</source>
        <translation>%1 个严重，%2 个警告</translation>
    </message>
</context>
<context>
    <name>qonsul::console::KvEditor</name>
    <message>
        <source>The agent sent an unexpected answer for this key.</source>
        <translation>代理对此键返回了意外的应答。</translation>
    </message>
    <message>
        <source>The agent sent a value that is not valid base64.</source>
        <translation>代理返回的值不是有效的 base64。</translation>
    </message>
    <message>
        <source>Text</source>
        <translation>文本</translation>
    </message>
    <message>
        <source>JSON</source>
        <translation>JSON</translation>
    </message>
    <message>
        <source>Hex</source>
        <translation>十六进制</translation>
    </message>
    <message>
        <source>Base64</source>
        <translation>Base64</translation>
    </message>
    <message>
        <source>Validate JSON</source>
        <translation>验证 JSON</translation>
    </message>
    <message>
        <source>Pretty Print</source>
        <translation>格式化</translation>
    </message>
    <message>
        <source>Re-indents the JSON (object keys come out sorted).</source>
        <translation>重新缩进 JSON（对象的键会按顺序排列）。</translation>
    </message>
    <message>
        <source>View as:</source>
        <translation>显示为：</translation>
    </message>
    <message>
        <source>Flags:</source>
        <translation>标志：</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Revert</source>
        <translation>还原</translation>
    </message>
    <message>
        <source>Valid JSON.</source>
        <translation>JSON 有效。</translation>
    </message>
    <message>
        <source>Select a key to see its value.</source>
        <translation>选择一个键以查看其值。</translation>
    </message>
    <message>
        <source>This key does not exist (any more). Saving creates it.</source>
        <translation>此键不存在（或已被删除）。保存将创建它。</translation>
    </message>
    <message>
        <source>The key was deleted on the agent while you were editing it.</source>
        <translation>在您编辑期间，此键已在代理上被删除。</translation>
    </message>
    <message>
        <source>Changed on the agent since you opened it: saving will show both versions.</source>
        <translation>自您打开后，此键已在代理上被修改：保存时将显示两个版本。</translation>
    </message>
    <message numerus="yes">
        <source>%n byte(s) · ModifyIndex %1 · LockIndex %2</source>
        <translation><numerusform>%n 字节 · ModifyIndex %1 · LockIndex %2</numerusform></translation>
    </message>
    <message>
        <source>This value is not valid UTF-8 text: it is shown as hex.</source>
        <translation>此值不是有效的 UTF-8 文本：以十六进制显示。</translation>
    </message>
    <message>
        <source>This value is not valid UTF-8 text: edit it as hex or base64.</source>
        <translation>此值不是有效的 UTF-8 文本：请以十六进制或 base64 编辑。</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>正在保存…</translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation>已保存。</translation>
    </message>
    <message>
        <source>(deleted)</source>
        <translation>（已删除）</translation>
    </message>
    <message>
        <source>Not saved: the key changed on the agent.</source>
        <translation>未保存：此键已在代理上被修改。</translation>
    </message>
    <message>
        <source>Your edits are kept; the key on the agent is unchanged.</source>
        <translation>您的修改已保留；代理上的键未改变。</translation>
    </message>
    <message>
        <source>Locked by session %1</source>
        <translation>被会话 %1 锁定</translation>
    </message>
    <message>
        <source>Locked by session %1 on node %2</source>
        <translation>被节点 %2 上的会话 %1 锁定</translation>
    </message>
    <message>
        <source>Locked by session “%1” (%2) on node %3</source>
        <translation>被节点 %3 上的会话“%1”（%2）锁定</translation>
    </message>
</context>
<context>
    <name>qonsul::console::KvView</name>
    <message>
        <source>Go to key (e.g. config/web/port), Enter</source>
        <translation>转到键（例如 config/web/port），按回车</translation>
    </message>
    <message>
        <source>The key “%1” already exists.</source>
        <translation>键“%1”已存在。</translation>
    </message>
    <message>
        <source>Created key “%1”.</source>
        <translation>已创建键“%1”。</translation>
    </message>
    <message>
        <source>Created folder “%1”.</source>
        <translation>已创建文件夹“%1”。</translation>
    </message>
    <message>
        <source>Not renamed: “%1” already exists or “%2” changed meanwhile.</source>
        <translation>未重命名：“%1”已存在，或“%2”在此期间已被修改。</translation>
    </message>
    <message>
        <source>Renamed “%1” to “%2”.</source>
        <translation>已将“%1”重命名为“%2”。</translation>
    </message>
    <message>
        <source>Delete Key</source>
        <translation>删除键</translation>
    </message>
    <message>
        <source>Delete the key “%1”?</source>
        <translation>删除键“%1”？</translation>
    </message>
    <message>
        <source>Deleted key “%1”.</source>
        <translation>已删除键“%1”。</translation>
    </message>
    <message>
        <source>Delete Folder</source>
        <translation>删除文件夹</translation>
    </message>
    <message numerus="yes">
        <source>Delete the folder “%1” and the %n key(s) in it? This cannot be undone.</source>
        <translation><numerusform>删除文件夹“%1”及其中的 %n 个键？此操作无法撤销。</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>Deleted the folder “%1” (%n key(s)).</source>
        <translation><numerusform>已删除文件夹“%1”（%n 个键）。</numerusform></translation>
    </message>
    <message>
        <source>New Key</source>
        <translation>新建键</translation>
    </message>
    <message>
        <source>Key name (inside “%1”):</source>
        <translation>键名（位于“%1”中）：</translation>
    </message>
    <message>
        <source>New Folder</source>
        <translation>新建文件夹</translation>
    </message>
    <message>
        <source>Folder name (inside “%1”):</source>
        <translation>文件夹名（位于“%1”中）：</translation>
    </message>
    <message>
        <source>Select a key to rename (folders cannot be renamed).</source>
        <translation>请选择要重命名的键（文件夹不能重命名）。</translation>
    </message>
    <message>
        <source>Rename Key</source>
        <translation>重命名键</translation>
    </message>
    <message>
        <source>New full key name:</source>
        <translation>新的完整键名：</translation>
    </message>
    <message>
        <source>Not connected to an agent.</source>
        <translation>未连接到代理。</translation>
    </message>
    <message>
        <source>Unsaved Changes</source>
        <translation>未保存的更改</translation>
    </message>
    <message>
        <source>Discard your unsaved changes to “%1”?</source>
        <translation>放弃对“%1”的未保存更改？</translation>
    </message>
</context>
<context>
    <name>qonsul::console::MainWindow</name>
    <message>
        <source>Qonsul Console</source>
        <translation>Qonsul 控制台</translation>
    </message>
    <message>
        <source>&amp;Services</source>
        <translation>服务(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Nodes</source>
        <translation>节点(&amp;N)</translation>
    </message>
    <message>
        <source>&amp;Key/Value</source>
        <translation>键/值(&amp;K)</translation>
    </message>
    <message>
        <source>&amp;Health</source>
        <translation>健康(&amp;H)</translation>
    </message>
    <message>
        <source>Datacenter</source>
        <translation>数据中心</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Connect…</source>
        <translation>连接(&amp;C)…</translation>
    </message>
    <message>
        <source>Ctrl+K</source>
        <translation>Ctrl+K</translation>
    </message>
    <message>
        <source>&amp;Disconnect</source>
        <translation>断开连接(&amp;D)</translation>
    </message>
    <message>
        <source>S&amp;ettings…</source>
        <translation>设置(&amp;E)…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <source>&amp;Find</source>
        <translation>查找(&amp;F)</translation>
    </message>
    <message>
        <source>Copy &amp;Name</source>
        <translation>复制名称(&amp;N)</translation>
    </message>
    <message>
        <source>Ctrl+Shift+C</source>
        <translation>Ctrl+Shift+C</translation>
    </message>
    <message>
        <source>Copy &amp;Address</source>
        <translation>复制地址(&amp;A)</translation>
    </message>
    <message>
        <source>Ctrl+Shift+A</source>
        <translation>Ctrl+Shift+A</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Refresh</source>
        <translation>刷新(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;New Key…</source>
        <translation>新建键(&amp;N)…</translation>
    </message>
    <message>
        <source>New &amp;Folder…</source>
        <translation>新建文件夹(&amp;F)…</translation>
    </message>
    <message>
        <source>Ctrl+Shift+N</source>
        <translation>Ctrl+Shift+N</translation>
    </message>
    <message>
        <source>&amp;Rename…</source>
        <translation>重命名(&amp;R)…</translation>
    </message>
    <message>
        <source>&amp;Save Value</source>
        <translation>保存值(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Delete…</source>
        <translation>删除(&amp;D)…</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;About Qonsul Console</source>
        <translation>关于 Qonsul 控制台(&amp;A)</translation>
    </message>
    <message>
        <source>About &amp;Qt</source>
        <translation>关于 &amp;Qt</translation>
    </message>
    <message>
        <source>Main</source>
        <translation>主工具栏</translation>
    </message>
    <message>
        <source> Datacenter: </source>
        <translation> 数据中心： </translation>
    </message>
    <message>
        <source>Copied “%1”</source>
        <translation>已复制“%1”</translation>
    </message>
    <message>
        <source>Not connected</source>
        <translation>未连接</translation>
    </message>
    <message>
        <source>Connecting to %1…</source>
        <translation>正在连接到 %1…</translation>
    </message>
    <message>
        <source>Connected to %1</source>
        <translation>已连接到 %1</translation>
    </message>
    <message>
        <source>Connection lost: %1 (retrying)</source>
        <translation>连接中断：%1（正在重试）</translation>
    </message>
    <message>
        <source>Agent: %1</source>
        <translation>代理：%1</translation>
    </message>
    <message>
        <source>Datacenter: %1</source>
        <translation>数据中心：%1</translation>
    </message>
    <message>
        <source>Leader: %1</source>
        <translation>领导者：%1</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>Version: %1</source>
        <translation>版本：%1</translation>
    </message>
    <message>
        <source>%1 — Qonsul Console</source>
        <translation>%1 — Qonsul 控制台</translation>
    </message>
    <message>
        <source>About Qonsul Console</source>
        <translation>关于 Qonsul 控制台</translation>
    </message>
    <message>
        <source>&lt;h3&gt;Qonsul Console %1&lt;/h3&gt;&lt;p&gt;A desktop console for Qonsul and Consul agents: services, nodes, key/value and health, kept live with blocking queries.&lt;/p&gt;&lt;p&gt;It talks to an agent only through its HTTP API.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;Qonsul 控制台 %1&lt;/h3&gt;&lt;p&gt;用于 Qonsul 和 Consul 代理的桌面控制台：服务、节点、键/值与健康状态，通过阻塞查询实时更新。&lt;/p&gt;&lt;p&gt;它只通过代理的 HTTP API 与代理通信。&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Unsaved Changes</source>
        <translation>未保存的更改</translation>
    </message>
    <message>
        <source>Discard your unsaved changes to “%1” and quit?</source>
        <translation>放弃对“%1”的未保存更改并退出？</translation>
    </message>
</context>
<context>
    <name>qonsul::console::NodesView</name>
    <message>
        <source>alive</source>
        <translation>存活</translation>
    </message>
    <message>
        <source>leaving</source>
        <translation>正在离开</translation>
    </message>
    <message>
        <source>left</source>
        <translation>已离开</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <source>Filter nodes by name or address</source>
        <translation>按名称或地址筛选节点</translation>
    </message>
    <message>
        <source>Node</source>
        <translation>节点</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Datacenter</source>
        <translation>数据中心</translation>
    </message>
    <message>
        <source>Health</source>
        <translation>健康</translation>
    </message>
    <message>
        <source>Gossip</source>
        <translation>Gossip 状态</translation>
    </message>
    <message>
        <source>Item</source>
        <translation>项目</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>值</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Output</source>
        <translation>输出</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>ID</source>
        <translation>ID</translation>
    </message>
    <message>
        <source>Tagged addresses</source>
        <translation>标记地址</translation>
    </message>
    <message>
        <source>Meta</source>
        <translation>元数据</translation>
    </message>
    <message>
        <source>Services (%1)</source>
        <translation>服务（%1）</translation>
    </message>
    <message>
        <source>Checks (%1)</source>
        <translation>检查（%1）</translation>
    </message>
</context>
<context>
    <name>qonsul::console::ServiceDetail</name>
    <message>
        <source>Instance / check</source>
        <translation>实例 / 检查</translation>
    </message>
    <message>
        <source>Node</source>
        <translation>节点</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Tags / output</source>
        <translation>标签 / 输出</translation>
    </message>
    <message>
        <source>Meta / notes</source>
        <translation>元数据 / 备注</translation>
    </message>
    <message>
        <source>Select a service to see its instances.</source>
        <translation>选择一个服务以查看其实例。</translation>
    </message>
    <message>
        <source>Service %1</source>
        <translation>服务 %1</translation>
    </message>
    <message numerus="yes">
        <source>Service %1: %n instance(s)</source>
        <translation><numerusform>服务 %1：%n 个实例</numerusform></translation>
    </message>
</context>
<context>
    <name>qonsul::console::ServicesModel</name>
    <message>
        <source>Service</source>
        <translation>服务</translation>
    </message>
    <message>
        <source>Instances</source>
        <translation>实例数</translation>
    </message>
    <message>
        <source>Health checks</source>
        <translation>健康检查</translation>
    </message>
    <message>
        <source>Tags</source>
        <translation>标签</translation>
    </message>
</context>
<context>
    <name>qonsul::console::ServicesView</name>
    <message>
        <source>Filter by name or tag (tag:primary, status:critical)</source>
        <translation>按名称或标签筛选（tag:primary、status:critical）</translation>
    </message>
    <message>
        <source>All states</source>
        <translation>所有状态</translation>
    </message>
    <message>
        <source>Passing</source>
        <translation>通过</translation>
    </message>
    <message>
        <source>Warning</source>
        <translation>警告</translation>
    </message>
    <message>
        <source>Critical</source>
        <translation>严重</translation>
    </message>
    <message>
        <source>Unexpected answer for the service list.</source>
        <translation>服务列表的应答不符合预期。</translation>
    </message>
    <message numerus="yes">
        <source>%1 of %n service(s)</source>
        <translation><numerusform>%1 / %n 个服务</numerusform></translation>
    </message>
</context>
<context>
    <name>qonsul::console::SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>System language</source>
        <translation>跟随系统语言</translation>
    </message>
    <message>
        <source>Language:</source>
        <translation>语言：</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>The new language is used from the next start.</source>
        <translation>新语言将在下次启动时生效。</translation>
    </message>
</context>
<context>
    <name>qonsul::console::TokenStore</name>
    <message>
        <source>Tokens are kept in the system keychain.</source>
        <translation>令牌保存在系统钥匙串中。</translation>
    </message>
    <message>
        <source>No keychain service answered (%1): tokens are kept in %2, readable only by you (mode 0600).</source>
        <translation>没有可用的钥匙串服务（%1）：令牌保存在 %2 中，仅您本人可读（权限 0600）。</translation>
    </message>
    <message>
        <source>Tokens are kept in the system keychain when one answers.</source>
        <translation>有可用的钥匙串服务时，令牌保存在系统钥匙串中。</translation>
    </message>
    <message>
        <source>no answer</source>
        <translation>无应答</translation>
    </message>
</context>
</TS>