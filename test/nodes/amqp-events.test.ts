// Reading a subscription message: what a stranger's broker could send is
// bounded before a flow sees it (size, nesting), and a good message reads as
// is; the ids of messages seen already are kept in bounded memory.
import assert from 'node:assert/strict';
import { MAX_EVENT_BYTES, RecentIds, idHash, messageId, parseEvent } from '../../nodes/amqp-events';
import { MAX_MESSAGE_DEPTH } from '../../lib/validate';

describe('subscription messages', () => {
  const report = { productKey: 'p11v14', deviceKey: 'SW000001', type: 'MATTR', subtype: 'REPORT', ticket: 't1', data: { kv: { switch: true } } };

  it('reads a JSON body given as text, bytes or a data section', () => {
    for (const body of [JSON.stringify(report), Buffer.from(JSON.stringify(report)), { typecode: 0x75, content: Buffer.from(JSON.stringify(report)) }]) {
      assert.deepEqual(parseEvent(body), { event: report });
    }
  });

  it('refuses a body too large or nested too deep, and one that is not a JSON object with a type', () => {
    const big = JSON.stringify({ ...report, pad: 'x'.repeat(MAX_EVENT_BYTES) });
    assert.match((parseEvent(big) as { problem: string }).problem, /larger than/);
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < MAX_MESSAGE_DEPTH + 5; i++) deep = { a: deep };
    assert.match((parseEvent(JSON.stringify({ ...report, data: deep })) as { problem: string }).problem, /nested deeper/);
    assert.match((parseEvent('not json') as { problem: string }).problem, /not JSON/);
    assert.match((parseEvent('[1]') as { problem: string }).problem, /not a JSON object/);
    assert.match((parseEvent(JSON.stringify({ productKey: 'p' })) as { problem: string }).problem, /no type/);
  });
});

describe('messages seen already', () => {
  it('keeps a fixed-size hash of each id, however long, a bounded number of them, and still knows a duplicate', () => {
    const seen = new RecentIds(1000);
    const long = (i: number) => messageId({ productKey: 'p', deviceKey: 'd', type: 'MATTR', ticket: `${'T'.repeat(100_000)}${i}` }, undefined)!;
    for (let i = 0; i < 5000; i++) seen.add(long(i));
    assert.equal(seen.size, 1000);
    const stored = [...seen.stored()];
    assert.equal(stored.length, 1000);
    for (const entry of stored) assert.equal(entry.length, 22, 'a 16-byte hash, not the ticket');
    assert.ok(seen.has(long(4999)), 'a duplicate of a recent one is recognised');
    assert.ok(seen.has(long(4000)));
    assert.ok(!seen.has(long(3999)), 'the oldest beyond the limit are forgotten');
    assert.ok(!seen.has(long(5000)));
    assert.equal(idHash('t:a'), idHash('t:a'));
    assert.notEqual(idHash('t:a'), idHash('t:b'));
  });
});
