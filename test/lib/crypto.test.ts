import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import vectors from '../fixtures/test-vectors.json';
import * as c from '../../lib/crypto';

describe('crypto: the vendor documents\' examples', () => {
  it('Quectel SMS signature', () => {
    const v = vectors.quectelSmsSignature;
    assert.equal(c.quectelSmsSignature(v.input), v.expected);
  });

  it('Quectel password AES key, IV and ciphertext', () => {
    const [first, second] = vectors.quectelPasswordEncryption;
    assert.deepEqual(c.quectelAesKeyIv(first.input.random), { key: first.expected.key, iv: first.expected.iv });
    assert.equal(c.quectelEncryptPassword(first.input.pwd, first.input.random), first.expected.pwd);
    assert.equal(c.quectelEncryptPassword(second.input.pwd, second.input.random), second.expected.pwd);
    assert.equal(c.quectelDecryptPassword(first.expected.pwd, first.input.random), first.input.pwd);
  });

  it('Quectel phone login signature', () => {
    const v = vectors.quectelLoginSignature;
    assert.equal(c.quectelLoginSignature(v.input), v.expected);
  });

  it('Quectel SaaS AccessKey username and password', () => {
    const v = vectors.quectelSaasLogin;
    const { username, password } = c.quectelSaasCredentials(v.input.accessKey, v.input.accessSecret, v.input.timestamp);
    assert.equal(username, v.expected.username);
    assert.equal(encodeURIComponent(username), v.expected.usernameEncoded);
    assert.equal(password, v.expected.password);
  });

  it('NovaStar sign without encryption', () => {
    const v = vectors.novastarUnencryptedSign;
    assert.equal(c.novastarSign({ ...v.input, encrypt: false }), v.expected);
  });

  it('NovaStar DES body and the sign over it', () => {
    const d = vectors.novastarDes;
    assert.equal(c.desEncrypt(d.input.plaintext, d.input.secretKey), d.expected);
    assert.equal(c.desDecrypt(d.expected, d.input.secretKey), d.input.plaintext);
    const s = vectors.novastarEncryptedSign;
    assert.equal(c.novastarSign({ ...s.input, encrypt: true }), s.expected);
  });

  it('On-Bright Basic header', () => {
    const v = vectors.onbrightBasicAuth;
    assert.equal(c.onbrightBasicAuth(v.input.clientId, v.input.clientSecret), v.expected);
  });
});

describe('crypto: DES from crypto-js equals node:crypto des-ede3-ecb with K|K|K', () => {
  it('on 200 random keys and texts', () => {
    for (let i = 0; i < 200; i++) {
      const key = randomBytes(8).toString('hex').slice(0, 1 + (i % 12)); // 1..12 characters: short keys are zero-padded, long ones cut
      const text = randomBytes(i % 50).toString('base64') + (i % 3 === 0 ? '中文' : '');
      const k = c.novastarDesKey(key);
      const cipher = createCipheriv('des-ede3-ecb', Buffer.concat([k, k, k]), null);
      const expected = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]).toString('base64');
      assert.equal(c.desEncrypt(text, key), expected, `key ${key}`);
      assert.equal(c.desDecrypt(expected, key), text);
    }
  });

  it('refuses ciphertext that is not Base64 or not whole blocks', () => {
    assert.throws(() => c.desDecrypt('not base64!', 'abcdefgh'));
    assert.throws(() => c.desDecrypt('AAAA', 'abcdefgh'));
  });

  it('random strings have the length asked for', () => {
    assert.equal(c.randomString(16).length, 16);
    assert.match(c.randomString(16), /^[A-Za-z0-9]{16}$/);
  });
});
