#!/usr/bin/env python
# coding: utf-8
# The seed tutorial's python example (000, section 3.1) as written, against a server of the
# tutorial's cluster (tests/acceptance/tst_seeds.cpp checks what it prints). Two changes: the
# port comes from argv (the tutorial's 4101 by default), and `index=index` becomes `index=None`:
# as written it reads a local name before assigning it, which raises UnboundLocalError in any
# Python, whatever the agent. Usage: seed_cluster.py [http-port]
import sys

import consul

def test():
    # 创建链接
    c = consul.Consul(host='127.0.0.1', port=int(sys.argv[1]) if len(sys.argv) > 1 else 4101)

    # 存储 kv 数据
    c.kv.put('python-zy', 'python-zy')

    # 存储,读取 kv
    index, data = c.kv.get('python-zy', index=None)
    print(index, data['Value'])


    services = c.catalog.services()
    print(services)

    service = c.catalog.service('web')
    print(service)


if __name__ == '__main__':
    test()
