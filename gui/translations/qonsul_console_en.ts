<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="en">
<context>
    <name>HealthStatus</name>
    <message>
        <source>passing</source>
        <translation>passing</translation>
    </message>
    <message>
        <source>warning</source>
        <translation>warning</translation>
    </message>
    <message>
        <source>critical</source>
        <translation>critical</translation>
    </message>
    <message>
        <source>maintenance</source>
        <translation>maintenance</translation>
    </message>
    <message>
        <source>no checks</source>
        <translation>no checks</translation>
    </message>
    <message numerus="yes">
        <source>%n passing</source>
        <translation><numerusform>%n passing</numerusform><numerusform>%n passing</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n warning</source>
        <translation><numerusform>%n warning</numerusform><numerusform>%n warning</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n critical</source>
        <translation><numerusform>%n critical</numerusform><numerusform>%n critical</numerusform></translation>
    </message>
</context>
<context>
    <name>Replies</name>
    <message>
        <source>Cannot reach the agent: %1</source>
        <translation>Cannot reach the agent: %1</translation>
    </message>
    <message>
        <source>Permission denied (403): the ACL token does not allow this. %1</source>
        <translation>Permission denied (403): the ACL token does not allow this. %1</translation>
    </message>
    <message>
        <source>The agent answered %1: %2</source>
        <translation>The agent answered %1: %2</translation>
    </message>
    <message>
        <source>The agent sent an answer that is not valid JSON (%1 at byte %2).</source>
        <translation>The agent sent an answer that is not valid JSON (%1 at byte %2).</translation>
    </message>
</context>
<context>
    <name>ValueCodec</name>
    <message>
        <source>Not valid JSON: %1 (line %2, column %3)</source>
        <translation>Not valid JSON: %1 (line %2, column %3)</translation>
    </message>
    <message>
        <source>Not hexadecimal: '%1'</source>
        <translation>Not hexadecimal: '%1'</translation>
    </message>
    <message>
        <source>Hexadecimal needs an even number of digits.</source>
        <translation>Hexadecimal needs an even number of digits.</translation>
    </message>
    <message>
        <source>Not valid base64.</source>
        <translation>Not valid base64.</translation>
    </message>
</context>
<context>
    <name>qonsul::console::AgentSession</name>
    <message>
        <source>The agent sent a leader that is not valid JSON text (a string was expected).</source>
        <translation>The agent sent a leader that is not valid JSON text (a string was expected).</translation>
    </message>
</context>
<context>
    <name>qonsul::console::ConflictDialog</name>
    <message>
        <source>Save Conflict</source>
        <translation>Save Conflict</translation>
    </message>
    <message>
        <source>Someone changed “%1” after you opened it. Your version was not saved. Compare both versions and choose which one to keep.</source>
        <translation>Someone changed “%1” after you opened it. Your version was not saved. Compare both versions and choose which one to keep.</translation>
    </message>
    <message>
        <source>Your version</source>
        <translation>Your version</translation>
    </message>
    <message>
        <source>On the agent now (ModifyIndex %1)</source>
        <translation>On the agent now (ModifyIndex %1)</translation>
    </message>
    <message>
        <source>Overwrite with Mine</source>
        <translation>Overwrite with Mine</translation>
    </message>
    <message>
        <source>Use Theirs</source>
        <translation>Use Theirs</translation>
    </message>
    <message>
        <source>Keep Editing</source>
        <translation>Keep Editing</translation>
    </message>
</context>
<context>
    <name>qonsul::console::ConnectionDialog</name>
    <message>
        <source>Connect to Agent</source>
        <translation>Connect to Agent</translation>
    </message>
    <message>
        <source>Use HTTPS</source>
        <translation>Use HTTPS</translation>
    </message>
    <message>
        <source>System certificates</source>
        <translation>System certificates</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>Browse…</translation>
    </message>
    <message>
        <source>CA Certificate</source>
        <translation>CA Certificate</translation>
    </message>
    <message>
        <source>PEM certificates (*.pem *.crt);;All files (*)</source>
        <translation>PEM certificates (*.pem *.crt);;All files (*)</translation>
    </message>
    <message>
        <source>Skip certificate verification (insecure)</source>
        <translation>Skip certificate verification (insecure)</translation>
    </message>
    <message>
        <source>Anonymous</source>
        <translation>Anonymous</translation>
    </message>
    <message>
        <source>The agent's own</source>
        <translation>The agent's own</translation>
    </message>
    <message>
        <source>Connection:</source>
        <translation>Connection:</translation>
    </message>
    <message>
        <source>Address:</source>
        <translation>Address:</translation>
    </message>
    <message>
        <source>CA file:</source>
        <translation>CA file:</translation>
    </message>
    <message>
        <source>ACL token:</source>
        <translation>ACL token:</translation>
    </message>
    <message>
        <source>Datacenter:</source>
        <translation>Datacenter:</translation>
    </message>
    <message>
        <source>Connect</source>
        <translation>Connect</translation>
    </message>
    <message>
        <source>Forget This Connection</source>
        <translation>Forget This Connection</translation>
    </message>
</context>
<context>
    <name>qonsul::console::HealthView</name>
    <message>
        <source>Filter by service, node or check</source>
        <translation>Filter by service, node or check</translation>
    </message>
    <message>
        <source>Service / node / check</source>
        <translation>Service / node / check</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Output</source>
        <translation>Output</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>Notes</translation>
    </message>
    <message>
        <source>Node checks</source>
        <translation>Node checks</translation>
    </message>
    <message>
        <source>Node %1</source>
        <translation>Node %1</translation>
    </message>
    <message>
        <source>All checks are passing.</source>
        <translation>All checks are passing.</translation>
    </message>
    <message>
        <source>%1 critical, %2 warning</source>
        <translation>%1 critical, %2 warning</translation>
    </message>
</context>
<context>
    <name>qonsul::console::KvEditor</name>
    <message>
        <source>The agent sent an unexpected answer for this key.</source>
        <translation>The agent sent an unexpected answer for this key.</translation>
    </message>
    <message>
        <source>The agent sent a value that is not valid base64.</source>
        <translation>The agent sent a value that is not valid base64.</translation>
    </message>
    <message>
        <source>Text</source>
        <translation>Text</translation>
    </message>
    <message>
        <source>JSON</source>
        <translation>JSON</translation>
    </message>
    <message>
        <source>Hex</source>
        <translation>Hex</translation>
    </message>
    <message>
        <source>Base64</source>
        <translation>Base64</translation>
    </message>
    <message>
        <source>Validate JSON</source>
        <translation>Validate JSON</translation>
    </message>
    <message>
        <source>Pretty Print</source>
        <translation>Pretty Print</translation>
    </message>
    <message>
        <source>Re-indents the JSON (object keys come out sorted).</source>
        <translation>Re-indents the JSON (object keys come out sorted).</translation>
    </message>
    <message>
        <source>View as:</source>
        <translation>View as:</translation>
    </message>
    <message>
        <source>Flags:</source>
        <translation>Flags:</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Save</translation>
    </message>
    <message>
        <source>Revert</source>
        <translation>Revert</translation>
    </message>
    <message>
        <source>Valid JSON.</source>
        <translation>Valid JSON.</translation>
    </message>
    <message>
        <source>Select a key to see its value.</source>
        <translation>Select a key to see its value.</translation>
    </message>
    <message>
        <source>This key does not exist (any more). Saving creates it.</source>
        <translation>This key does not exist (any more). Saving creates it.</translation>
    </message>
    <message>
        <source>The key was deleted on the agent while you were editing it.</source>
        <translation>The key was deleted on the agent while you were editing it.</translation>
    </message>
    <message>
        <source>Changed on the agent since you opened it: saving will show both versions.</source>
        <translation>Changed on the agent since you opened it: saving will show both versions.</translation>
    </message>
    <message numerus="yes">
        <source>%n byte(s) · ModifyIndex %1 · LockIndex %2</source>
        <translation><numerusform>%n byte · ModifyIndex %1 · LockIndex %2</numerusform><numerusform>%n bytes · ModifyIndex %1 · LockIndex %2</numerusform></translation>
    </message>
    <message>
        <source>This value is not valid UTF-8 text: it is shown as hex.</source>
        <translation>This value is not valid UTF-8 text: it is shown as hex.</translation>
    </message>
    <message>
        <source>This value is not valid UTF-8 text: edit it as hex or base64.</source>
        <translation>This value is not valid UTF-8 text: edit it as hex or base64.</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>Saving…</translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation>Saved.</translation>
    </message>
    <message>
        <source>(deleted)</source>
        <translation>(deleted)</translation>
    </message>
    <message>
        <source>Not saved: the key changed on the agent.</source>
        <translation>Not saved: the key changed on the agent.</translation>
    </message>
    <message>
        <source>Your edits are kept; the key on the agent is unchanged.</source>
        <translation>Your edits are kept; the key on the agent is unchanged.</translation>
    </message>
    <message>
        <source>Locked by session %1</source>
        <translation>Locked by session %1</translation>
    </message>
    <message>
        <source>Locked by session %1 on node %2</source>
        <translation>Locked by session %1 on node %2</translation>
    </message>
    <message>
        <source>Locked by session “%1” (%2) on node %3</source>
        <translation>Locked by session “%1” (%2) on node %3</translation>
    </message>
</context>
<context>
    <name>qonsul::console::KvView</name>
    <message>
        <source>Go to key (e.g. config/web/port), Enter</source>
        <translation>Go to key (e.g. config/web/port), Enter</translation>
    </message>
    <message>
        <source>The key “%1” already exists.</source>
        <translation>The key “%1” already exists.</translation>
    </message>
    <message>
        <source>Created key “%1”.</source>
        <translation>Created key “%1”.</translation>
    </message>
    <message>
        <source>Created folder “%1”.</source>
        <translation>Created folder “%1”.</translation>
    </message>
    <message>
        <source>Not renamed: “%1” already exists or “%2” changed meanwhile.</source>
        <translation>Not renamed: “%1” already exists or “%2” changed meanwhile.</translation>
    </message>
    <message>
        <source>Renamed “%1” to “%2”.</source>
        <translation>Renamed “%1” to “%2”.</translation>
    </message>
    <message>
        <source>Delete Key</source>
        <translation>Delete Key</translation>
    </message>
    <message>
        <source>Delete the key “%1”?</source>
        <translation>Delete the key “%1”?</translation>
    </message>
    <message>
        <source>Deleted key “%1”.</source>
        <translation>Deleted key “%1”.</translation>
    </message>
    <message>
        <source>Delete Folder</source>
        <translation>Delete Folder</translation>
    </message>
    <message numerus="yes">
        <source>Delete the folder “%1” and the %n key(s) in it? This cannot be undone.</source>
        <translation><numerusform>Delete the folder “%1” and the %n key in it? This cannot be undone.</numerusform><numerusform>Delete the folder “%1” and the %n keys in it? This cannot be undone.</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>Deleted the folder “%1” (%n key(s)).</source>
        <translation><numerusform>Deleted the folder “%1” (%n key).</numerusform><numerusform>Deleted the folder “%1” (%n keys).</numerusform></translation>
    </message>
    <message>
        <source>New Key</source>
        <translation>New Key</translation>
    </message>
    <message>
        <source>Key name (inside “%1”):</source>
        <translation>Key name (inside “%1”):</translation>
    </message>
    <message>
        <source>New Folder</source>
        <translation>New Folder</translation>
    </message>
    <message>
        <source>Folder name (inside “%1”):</source>
        <translation>Folder name (inside “%1”):</translation>
    </message>
    <message>
        <source>Select a key to rename (folders cannot be renamed).</source>
        <translation>Select a key to rename (folders cannot be renamed).</translation>
    </message>
    <message>
        <source>Rename Key</source>
        <translation>Rename Key</translation>
    </message>
    <message>
        <source>New full key name:</source>
        <translation>New full key name:</translation>
    </message>
    <message>
        <source>Not connected to an agent.</source>
        <translation>Not connected to an agent.</translation>
    </message>
    <message>
        <source>Unsaved Changes</source>
        <translation>Unsaved Changes</translation>
    </message>
    <message>
        <source>Discard your unsaved changes to “%1”?</source>
        <translation>Discard your unsaved changes to “%1”?</translation>
    </message>
</context>
<context>
    <name>qonsul::console::MainWindow</name>
    <message>
        <source>Qonsul Console</source>
        <translation>Qonsul Console</translation>
    </message>
    <message>
        <source>&amp;Services</source>
        <translation>&amp;Services</translation>
    </message>
    <message>
        <source>&amp;Nodes</source>
        <translation>&amp;Nodes</translation>
    </message>
    <message>
        <source>&amp;Key/Value</source>
        <translation>&amp;Key/Value</translation>
    </message>
    <message>
        <source>&amp;Health</source>
        <translation>&amp;Health</translation>
    </message>
    <message>
        <source>Datacenter</source>
        <translation>Datacenter</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;File</translation>
    </message>
    <message>
        <source>&amp;Connect…</source>
        <translation>&amp;Connect…</translation>
    </message>
    <message>
        <source>Ctrl+K</source>
        <translation>Ctrl+K</translation>
    </message>
    <message>
        <source>&amp;Disconnect</source>
        <translation>&amp;Disconnect</translation>
    </message>
    <message>
        <source>S&amp;ettings…</source>
        <translation>S&amp;ettings…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Quit</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>&amp;Edit</translation>
    </message>
    <message>
        <source>&amp;Find</source>
        <translation>&amp;Find</translation>
    </message>
    <message>
        <source>Copy &amp;Name</source>
        <translation>Copy &amp;Name</translation>
    </message>
    <message>
        <source>Ctrl+Shift+C</source>
        <translation>Ctrl+Shift+C</translation>
    </message>
    <message>
        <source>Copy &amp;Address</source>
        <translation>Copy &amp;Address</translation>
    </message>
    <message>
        <source>Ctrl+Shift+A</source>
        <translation>Ctrl+Shift+A</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>&amp;View</translation>
    </message>
    <message>
        <source>&amp;Refresh</source>
        <translation>&amp;Refresh</translation>
    </message>
    <message>
        <source>&amp;New Key…</source>
        <translation>&amp;New Key…</translation>
    </message>
    <message>
        <source>New &amp;Folder…</source>
        <translation>New &amp;Folder…</translation>
    </message>
    <message>
        <source>Ctrl+Shift+N</source>
        <translation>Ctrl+Shift+N</translation>
    </message>
    <message>
        <source>&amp;Rename…</source>
        <translation>&amp;Rename…</translation>
    </message>
    <message>
        <source>&amp;Save Value</source>
        <translation>&amp;Save Value</translation>
    </message>
    <message>
        <source>&amp;Delete…</source>
        <translation>&amp;Delete…</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Help</translation>
    </message>
    <message>
        <source>&amp;About Qonsul Console</source>
        <translation>&amp;About Qonsul Console</translation>
    </message>
    <message>
        <source>About &amp;Qt</source>
        <translation>About &amp;Qt</translation>
    </message>
    <message>
        <source>Main</source>
        <translation>Main</translation>
    </message>
    <message>
        <source> Datacenter: </source>
        <translation> Datacenter: </translation>
    </message>
    <message>
        <source>Copied “%1”</source>
        <translation>Copied “%1”</translation>
    </message>
    <message>
        <source>Not connected</source>
        <translation>Not connected</translation>
    </message>
    <message>
        <source>Connecting to %1…</source>
        <translation>Connecting to %1…</translation>
    </message>
    <message>
        <source>Connected to %1</source>
        <translation>Connected to %1</translation>
    </message>
    <message>
        <source>Connection lost: %1 (retrying)</source>
        <translation>Connection lost: %1 (retrying)</translation>
    </message>
    <message>
        <source>Agent: %1</source>
        <translation>Agent: %1</translation>
    </message>
    <message>
        <source>Datacenter: %1</source>
        <translation>Datacenter: %1</translation>
    </message>
    <message>
        <source>Leader: %1</source>
        <translation>Leader: %1</translation>
    </message>
    <message>
        <source>none</source>
        <translation>none</translation>
    </message>
    <message>
        <source>Version: %1</source>
        <translation>Version: %1</translation>
    </message>
    <message>
        <source>%1 — Qonsul Console</source>
        <translation>%1 — Qonsul Console</translation>
    </message>
    <message>
        <source>About Qonsul Console</source>
        <translation>About Qonsul Console</translation>
    </message>
    <message>
        <source>&lt;h3&gt;Qonsul Console %1&lt;/h3&gt;&lt;p&gt;A desktop console for Qonsul and Consul agents: services, nodes, key/value and health, kept live with blocking queries.&lt;/p&gt;&lt;p&gt;It talks to an agent only through its HTTP API.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;Qonsul Console %1&lt;/h3&gt;&lt;p&gt;A desktop console for Qonsul and Consul agents: services, nodes, key/value and health, kept live with blocking queries.&lt;/p&gt;&lt;p&gt;It talks to an agent only through its HTTP API.&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Unsaved Changes</source>
        <translation>Unsaved Changes</translation>
    </message>
    <message>
        <source>Discard your unsaved changes to “%1” and quit?</source>
        <translation>Discard your unsaved changes to “%1” and quit?</translation>
    </message>
</context>
<context>
    <name>qonsul::console::NodesView</name>
    <message>
        <source>alive</source>
        <translation>alive</translation>
    </message>
    <message>
        <source>leaving</source>
        <translation>leaving</translation>
    </message>
    <message>
        <source>left</source>
        <translation>left</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>failed</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>unknown</translation>
    </message>
    <message>
        <source>Filter nodes by name or address</source>
        <translation>Filter nodes by name or address</translation>
    </message>
    <message>
        <source>Node</source>
        <translation>Node</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>Address</translation>
    </message>
    <message>
        <source>Datacenter</source>
        <translation>Datacenter</translation>
    </message>
    <message>
        <source>Health</source>
        <translation>Health</translation>
    </message>
    <message>
        <source>Gossip</source>
        <translation>Gossip</translation>
    </message>
    <message>
        <source>Item</source>
        <translation>Item</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>Value</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Output</source>
        <translation>Output</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>ID</source>
        <translation>ID</translation>
    </message>
    <message>
        <source>Tagged addresses</source>
        <translation>Tagged addresses</translation>
    </message>
    <message>
        <source>Meta</source>
        <translation>Meta</translation>
    </message>
    <message>
        <source>Services (%1)</source>
        <translation>Services (%1)</translation>
    </message>
    <message>
        <source>Checks (%1)</source>
        <translation>Checks (%1)</translation>
    </message>
</context>
<context>
    <name>qonsul::console::ServiceDetail</name>
    <message>
        <source>Instance / check</source>
        <translation>Instance / check</translation>
    </message>
    <message>
        <source>Node</source>
        <translation>Node</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>Address</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Tags / output</source>
        <translation>Tags / output</translation>
    </message>
    <message>
        <source>Meta / notes</source>
        <translation>Meta / notes</translation>
    </message>
    <message>
        <source>Select a service to see its instances.</source>
        <translation>Select a service to see its instances.</translation>
    </message>
    <message>
        <source>Service %1</source>
        <translation>Service %1</translation>
    </message>
    <message numerus="yes">
        <source>Service %1: %n instance(s)</source>
        <translation><numerusform>Service %1: %n instance</numerusform><numerusform>Service %1: %n instances</numerusform></translation>
    </message>
</context>
<context>
    <name>qonsul::console::ServicesModel</name>
    <message>
        <source>Service</source>
        <translation>Service</translation>
    </message>
    <message>
        <source>Instances</source>
        <translation>Instances</translation>
    </message>
    <message>
        <source>Health checks</source>
        <translation>Health checks</translation>
    </message>
    <message>
        <source>Tags</source>
        <translation>Tags</translation>
    </message>
</context>
<context>
    <name>qonsul::console::ServicesView</name>
    <message>
        <source>Filter by name or tag (tag:primary, status:critical)</source>
        <translation>Filter by name or tag (tag:primary, status:critical)</translation>
    </message>
    <message>
        <source>All states</source>
        <translation>All states</translation>
    </message>
    <message>
        <source>Passing</source>
        <translation>Passing</translation>
    </message>
    <message>
        <source>Warning</source>
        <translation>Warning</translation>
    </message>
    <message>
        <source>Critical</source>
        <translation>Critical</translation>
    </message>
    <message>
        <source>Unexpected answer for the service list.</source>
        <translation>Unexpected answer for the service list.</translation>
    </message>
    <message numerus="yes">
        <source>%1 of %n service(s)</source>
        <translation><numerusform>%1 of %n service</numerusform><numerusform>%1 of %n services</numerusform></translation>
    </message>
</context>
<context>
    <name>qonsul::console::SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>Settings</translation>
    </message>
    <message>
        <source>System language</source>
        <translation>System language</translation>
    </message>
    <message>
        <source>Language:</source>
        <translation>Language:</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Language</translation>
    </message>
    <message>
        <source>The new language is used from the next start.</source>
        <translation>The new language is used from the next start.</translation>
    </message>
</context>
<context>
    <name>qonsul::console::TokenStore</name>
    <message>
        <source>Tokens are kept in the system keychain.</source>
        <translation>Tokens are kept in the system keychain.</translation>
    </message>
    <message>
        <source>No keychain service answered (%1): tokens are kept in %2, readable only by you (mode 0600).</source>
        <translation>No keychain service answered (%1): tokens are kept in %2, readable only by you (mode 0600).</translation>
    </message>
    <message>
        <source>Tokens are kept in the system keychain when one answers.</source>
        <translation>Tokens are kept in the system keychain when one answers.</translation>
    </message>
    <message>
        <source>no answer</source>
        <translation>no answer</translation>
    </message>
</context>
</TS>