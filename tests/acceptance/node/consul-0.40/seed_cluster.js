// The seed tutorial's Node.js example (000, section 3.2) as written, against a server of the
// tutorial's cluster (tests/acceptance/tst_seeds.cpp checks what it prints). One change: the
// port comes from argv (the tutorial's '4101' by default). Usage: node seed_cluster.js [port]
const consul_module = require('consul');
const consul = consul_module({port: process.argv[2] || '4101'});

function main()
{
    try {
        var lock = consul.lock({ key: 'test-node' });

        lock.on('acquire', function () {
            console.log('lock acquired');

            // 写入,读取 kv
            consul.kv.set('test-zy', 'test-zy', (err, result)=>{
                console.log(result);
                consul.kv.get('test-zy', (err, result)=>{
                    console.log(result);
                });

            });

            // 获取访问的服务
            consul.health.service('web', (err, result) => {
                console.log(result);
            });


            lock.release();
        });

        lock.on('release', function () {
            console.log('lock released');
        });

        lock.on('error', function (err) {
            console.log('lock error:', err);
        });

        lock.on('end', function (err) {
            console.log('lock released or there was a permanent failure');
        });

        lock.acquire();
    }
    catch(e){
        console.log(e);
    }
}


if (require.main == module) {
    main();
}
