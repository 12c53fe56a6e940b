#!/usr/bin/env python3
# The seed tutorial's python-consul example (section 3.1) against a qonsul agent, plus the calls
# python-consul users make next: a blocking kv.get with index, sessions and locks, agent
# services with a TTL check, health queries. Usage: seed_example.py <http-port>
import sys
import threading
import time

import consul


def main():
    port = int(sys.argv[1])
    c = consul.Consul(host='127.0.0.1', port=port)

    # The tutorial registers `web` from a config file; here through the agent API.
    c.agent.service.register('web', service_id='web', port=8888, tags=['rails-1'])

    # --- the seed example (its `index=index` refers to an unset name; start at None)
    c.kv.put('python-zy', 'python-zy')
    index, data = c.kv.get('python-zy', index=None)
    print(index, data['Value'])
    assert data['Value'] == b'python-zy', data

    services = c.catalog.services()
    print(services)
    assert services[1]['web'] == ['rails-1'], services
    assert 'consul' in services[1], services

    service = c.catalog.service('web')
    print(service)
    assert service[1][0]['ServiceName'] == 'web'
    assert service[1][0]['ServicePort'] == 8888

    # --- a blocking get: returns only after another client writes
    def later():
        time.sleep(0.5)
        consul.Consul(host='127.0.0.1', port=port).kv.put('python-zy', 'changed')
    threading.Thread(target=later).start()
    started = time.time()
    new_index, data = c.kv.get('python-zy', index=index, wait='10s')
    elapsed = time.time() - started
    print('blocking get returned after %.2fs' % elapsed, new_index, data['Value'])
    assert data['Value'] == b'changed', data
    assert int(new_index) > int(index)
    assert 0.3 < elapsed < 5, elapsed

    # a blocking get that times out returns the same index
    same_index, _ = c.kv.get('python-zy', index=new_index, wait='1s')
    assert same_index == new_index, (same_index, new_index)

    # --- flags, cas, recurse, keys, delete
    assert c.kv.put('app/config/a', '1', flags=42)
    assert c.kv.put('app/config/b', '2')
    _, item = c.kv.get('app/config/a')
    assert item['Flags'] == 42
    assert not c.kv.put('app/config/a', 'x', cas=1)
    assert c.kv.put('app/config/a', 'x', cas=item['ModifyIndex'])
    _, items = c.kv.get('app/', recurse=True)
    assert [i['Key'] for i in items] == ['app/config/a', 'app/config/b'], items
    _, keys = c.kv.get('app/', keys=True, separator='/')
    assert keys == ['app/config/'], keys
    assert c.kv.delete('app/', recurse=True)
    _, gone = c.kv.get('app/config/a')
    assert gone is None

    # --- sessions and locks
    session = c.session.create(name='py-lock', ttl=15, lock_delay=0)
    assert c.kv.put('service/leader', 'me', acquire=session)
    other = c.session.create(name='other', lock_delay=0)
    assert not c.kv.put('service/leader', 'them', acquire=other)
    _, held = c.kv.get('service/leader')
    assert held['Session'] == session and held['LockIndex'] == 1, held
    renewed = c.session.renew(session)
    assert renewed['ID'] == session, renewed
    _, info = c.session.info(session)
    assert info['Name'] == 'py-lock' and info['TTL'] == '15s', info
    assert c.kv.put('service/leader', 'me', release=session)
    assert c.session.destroy(session)
    assert c.session.destroy(other)

    # --- agent services, a TTL check, health
    c.agent.service.register('api', service_id='api-1', port=9000, tags=['v1'],
                             check=consul.Check.ttl('30s'))
    _, nodes = c.health.service('api', passing=True)
    assert nodes == [], nodes           # TTL checks start critical
    c.agent.check.ttl_pass('service:api-1', notes='all good')
    _, nodes = c.health.service('api', passing=True)
    assert len(nodes) == 1 and nodes[0]['Service']['ID'] == 'api-1', nodes
    checks = c.agent.checks()
    assert checks['service:api-1']['Status'] == 'passing', checks
    assert checks['service:api-1']['Output'] == 'all good', checks
    _, critical = c.health.state('critical')
    assert all(ch['CheckID'] != 'service:api-1' for ch in critical)
    c.agent.service.deregister('api-1')
    _, nodes = c.health.service('api')
    assert nodes == [], nodes

    # --- misc reads
    assert c.status.leader()
    assert len(c.status.peers()) == 1
    assert c.agent.self()['Config']['Datacenter'] == 'dc1'
    members = c.agent.members()
    assert members[0]['Status'] == 1, members
    _, nodes = c.catalog.nodes()
    assert len(nodes) == 1
    print('python-consul acceptance: OK')


if __name__ == '__main__':
    main()
