// The current npm `consul` client (2.x, promises) against qonsul: kv, session, health, agent,
// catalog and status calls as an application makes them. Usage: node client_calls.js <port>
const assert = require('assert');
const Consul = require('consul');

async function main() {
    const consul = new Consul({ host: '127.0.0.1', port: process.argv[2] });

    // kv
    assert.strictEqual(await consul.kv.set('node2/a', 'one'), true);
    assert.strictEqual(await consul.kv.set({ key: 'node2/b', value: 'two', flags: 7 }), true);
    const a = await consul.kv.get('node2/a');
    assert.strictEqual(a.Value, 'one');
    const b = await consul.kv.get('node2/b');
    assert.strictEqual(b.Flags, 7);
    assert.deepStrictEqual(await consul.kv.keys('node2/'), ['node2/a', 'node2/b']);
    const all = await consul.kv.get({ key: 'node2/', recurse: true });
    assert.strictEqual(all.length, 2);
    // The client reports a refused CAS as a falsy result (it drops a JSON `false` body).
    assert.ok(!(await consul.kv.set({ key: 'node2/a', value: 'x', cas: 1 })));
    assert.strictEqual(await consul.kv.set({ key: 'node2/a', value: 'x', cas: a.ModifyIndex }), true);
    assert.strictEqual(await consul.kv.get('node2/missing'), undefined);
    await consul.kv.del({ key: 'node2/', recurse: true });
    assert.strictEqual(await consul.kv.get('node2/a'), undefined);

    // sessions
    const session = await consul.session.create({ name: 'n2', ttl: '20s', lockdelay: '1s' });
    assert.ok(session.ID);
    const info = await consul.session.info(session.ID);
    assert.strictEqual(info.Name, 'n2');
    assert.strictEqual(info.TTL, '20s');
    const renewed = await consul.session.renew(session.ID);
    assert.strictEqual(renewed[0].ID, session.ID);
    assert.ok((await consul.session.list()).some((s) => s.ID === session.ID));
    assert.strictEqual(await consul.kv.set({ key: 'node2/lock', value: 'me', acquire: session.ID }), true);
    await consul.session.destroy(session.ID);
    const released = await consul.kv.get('node2/lock');
    assert.strictEqual(released.Session, undefined);

    // agent services and checks
    await consul.agent.service.register({ name: 'cache', id: 'cache-1', port: 6379, tags: ['primary'],
                                          check: { ttl: '30s' } });
    const services = await consul.agent.service.list();
    assert.strictEqual(services['cache-1'].Port, 6379);
    await consul.agent.check.pass({ id: 'service:cache-1', note: 'ok' });
    const checks = await consul.agent.check.list();
    assert.strictEqual(checks['service:cache-1'].Status, 'passing');
    const healthy = await consul.health.service({ service: 'cache', passing: true });
    assert.strictEqual(healthy.length, 1);
    assert.strictEqual(healthy[0].Service.Tags[0], 'primary');
    const byNode = await consul.health.node((await consul.agent.self()).Config.NodeName);
    assert.ok(byNode.some((c) => c.CheckID === 'serfHealth'));
    assert.ok((await consul.health.state('passing')).length >= 2);
    assert.ok((await consul.health.checks('cache')).length === 1);
    await consul.agent.service.deregister('cache-1');
    assert.deepStrictEqual(await consul.health.service('cache'), []);

    // catalog and status
    const catalogServices = await consul.catalog.service.list();
    assert.deepStrictEqual(catalogServices.consul, []);
    assert.strictEqual((await consul.catalog.node.list()).length, 1);
    assert.ok(await consul.status.leader());
    assert.strictEqual((await consul.agent.members())[0].Status, 1);
    console.log('consul 2.x client calls: OK');
}

main().catch((err) => { console.error(err); process.exit(1); });
