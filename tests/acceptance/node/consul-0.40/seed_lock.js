// The seed tutorial's Node.js example (section 3.2), with the consul package version of its time:
// take a lock, write and read a key, look up the `web` service, release. Usage: node seed_lock.js <port>
const assert = require('assert');
const consul_module = require('consul');
const consul = consul_module({ port: process.argv[2] });

const seen = [];
const timeout = setTimeout(() => { console.log('timed out; saw', seen); process.exit(1); }, 20000);

function main() {
    consul.agent.service.register({ name: 'web', port: 8888, tags: ['rails-1'] }, (err) => {
        assert.ifError(err);
        const lock = consul.lock({ key: 'test-node' });
        lock.on('acquire', function () {
            console.log('lock acquired');
            seen.push('acquire');
            consul.kv.set('test-zy', 'test-zy', (err, result) => {
                assert.ifError(err);
                console.log(result);
                assert.strictEqual(result, true);
                consul.kv.get('test-zy', (err, result) => {
                    assert.ifError(err);
                    console.log(result);
                    assert.strictEqual(result.Value, 'test-zy');
                    seen.push('kv');
                    consul.health.service('web', (err, result) => {
                        assert.ifError(err);
                        console.log(result);
                        assert.strictEqual(result[0].Service.Port, 8888);
                        seen.push('health');
                        lock.release();
                    });
                });
            });
        });
        lock.on('release', function () { console.log('lock released'); seen.push('release'); });
        lock.on('error', function (err) { console.log('lock error:', err); process.exit(1); });
        lock.on('end', function () {
            console.log('lock released or there was a permanent failure');
            assert.deepStrictEqual(seen, ['acquire', 'kv', 'health', 'release']);
            clearTimeout(timeout);
            console.log('consul 0.40 seed lock example: OK');
        });
        lock.acquire();
    });
}

main();
