// Secrets are scrubbed from any text that leaves the library, however a
// vendor or a proxy spells them back.
import assert from 'node:assert/strict';
import { redactText } from '../../lib/errors';

describe('redactText', () => {
  const secret = 'p@ss/wörd+1';
  it('scrubs a secret as it is and URL-encoded, with upper- or lower-case hex', () => {
    const encoded = encodeURIComponent(secret);
    const text = `plain ${secret} upper ${encoded} lower ${encoded.toLowerCase()} end`;
    assert.equal(redactText(text, [secret]), 'plain *** upper *** lower *** end');
  });
  it('leaves short values and other text alone', () => {
    assert.equal(redactText('ab and abc', ['ab']), 'ab and abc');
  });
});
