// gdb/MI field names that are also Object.prototype's (issue 18): `__proto__` and `constructor` in a record are fields
// of the parsed tuple, and neither replace its prototype nor reach any other object.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MiTuple, parseMiLine } from '../../src/rpc/miClient';

const own = (t: MiTuple, k: string): unknown => Object.getOwnPropertyDescriptor(t, k)?.value;

describe('MI parser: __proto__ and constructor are plain fields', () => {
  it('a top-level __proto__ tuple is an own field; the prototype stays and nothing is polluted', () => {
    const r = parseMiLine('^done,__proto__={polluted="yes",value="1"},constructor="c",name="x"')!;
    assert.equal(Object.getPrototypeOf(r.results), Object.prototype);
    assert.deepEqual(Object.keys(r.results), ['__proto__', 'constructor', 'name']);
    assert.deepEqual({ ...(own(r.results, '__proto__') as MiTuple) }, { polluted: 'yes', value: '1' });
    assert.equal(own(r.results, 'constructor'), 'c');
    assert.equal((r.results as Record<string, unknown>).polluted, undefined, 'the tuple did not inherit the fields');
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype untouched');
  });

  it('__proto__ as a string, inside tuples and as a list result', () => {
    const r = parseMiLine('*stopped,frame={__proto__="s",args=[__proto__={name="a"},{constructor="b"}]}')!;
    const frame = r.results.frame as MiTuple;
    assert.equal(Object.getPrototypeOf(frame), Object.prototype);
    assert.equal(own(frame, '__proto__'), 's');
    const args = frame.args as MiTuple[];
    assert.equal(Object.getPrototypeOf(args[0]), Object.prototype);
    assert.deepEqual({ ...(own(args[0], '__proto__') as MiTuple) }, { name: 'a' });
    assert.equal(own(args[1], 'constructor'), 'b');
    assert.equal(typeof ({} as { constructor: unknown }).constructor, 'function');
  });

  it('a record whose every field is a prototype name stays usable (JSON round trip keeps the fields)', () => {
    const r = parseMiLine('=thread-group-started,__proto__="1",toString="2",hasOwnProperty="3"')!;
    assert.equal(JSON.stringify(r.results), '{"__proto__":"1","toString":"2","hasOwnProperty":"3"}');
    assert.equal(String(Object.prototype.toString.call(r.results)), '[object Object]');
  });
});
