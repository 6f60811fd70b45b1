// Every signing and encryption rule of the four platforms.
// node:crypto for SHA-256, MD5 and AES; crypto-js for DES only, because
// OpenSSL 3 (Node 17+) no longer offers single DES.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import CryptoJS from 'crypto-js';

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function md5Hex(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A random alphanumeric string; Quectel's `random` must be exactly 16 characters. */
export function randomString(length = 16): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHANUMERIC[bytes[i] % ALPHANUMERIC.length];
  return out;
}

// ---- Quectel ----

/** AES key and IV for a Quectel password: key = MD5(random) upper-cased, characters 8..24; IV = its halves swapped. */
export function quectelAesKeyIv(random: string): { key: string; iv: string } {
  const key = md5Hex(random).toUpperCase().slice(8, 24);
  return { key, iv: key.slice(8) + key.slice(0, 8) };
}

/** AES-128-CBC, PKCS5 padding, Base64 output. */
export function quectelEncryptPassword(pwd: string, random: string): string {
  const { key, iv } = quectelAesKeyIv(random);
  const cipher = createCipheriv('aes-128-cbc', Buffer.from(key, 'ascii'), Buffer.from(iv, 'ascii'));
  return Buffer.concat([cipher.update(pwd, 'utf8'), cipher.final()]).toString('base64');
}

export function quectelDecryptPassword(encrypted: string, random: string): string {
  const { key, iv } = quectelAesKeyIv(random);
  const decipher = createDecipheriv('aes-128-cbc', Buffer.from(key, 'ascii'), Buffer.from(iv, 'ascii'));
  return Buffer.concat([decipher.update(Buffer.from(encrypted, 'base64')), decipher.final()]).toString('utf8');
}

/** SMS code request: sha256hex(phone + codeType + random + ts + userDomainSecret). */
export function quectelSmsSignature(p: { phone: string; codeType: string | number; random: string; ts: string | number; userDomainSecret: string }): string {
  return sha256Hex(`${p.phone}${p.codeType}${p.random}${p.ts}${p.userDomainSecret}`);
}

/** Email login: sha256hex(email + encryptedPwd + random + userDomainSecret). */
export function quectelEmailLoginSignature(p: { email: string; pwd: string; random: string; userDomainSecret: string }): string {
  return sha256Hex(`${p.email}${p.pwd}${p.random}${p.userDomainSecret}`);
}

/** Phone login: sha256hex(internationalCode + phone + encryptedPwd + random + userDomainSecret). */
export function quectelLoginSignature(p: { internationalCode: string; phone: string; pwd: string; random: string; userDomainSecret: string }): string {
  return sha256Hex(`${p.internationalCode}${p.phone}${p.pwd}${p.random}${p.userDomainSecret}`);
}

/** SaaS AccessKey login: the username and its password, sha256hex(username before encoding + AccessSecret). */
export function quectelSaasCredentials(accessKey: string, accessSecret: string, timestamp: string | number): { username: string; password: string } {
  const username = `ver=1&auth_mode=accessKey&sign_method=sha256&access_key=${accessKey}&timestamp=${timestamp}`;
  return { username, password: sha256Hex(username + accessSecret) };
}

// ---- On-Bright ----

export function onbrightBasicAuth(clientId: string, clientSecret: string): string {
  return 'Basic ' + Buffer.from(`${clientId}:${clientSecret}`, 'utf8').toString('base64');
}

// ---- NovaStar ----

/** The DES key: the first 8 bytes of secretKey, padded with zero bytes when shorter. */
export function novastarDesKey(secretKey: string): Buffer {
  const key = Buffer.alloc(8);
  Buffer.from(secretKey, 'utf8').copy(key, 0, 0, 8);
  return key;
}

function desKeyWords(secretKey: string): CryptoJS.lib.WordArray {
  return CryptoJS.enc.Hex.parse(novastarDesKey(secretKey).toString('hex'));
}

/** DES-ECB with PKCS5 padding, Base64 output. */
export function desEncrypt(plaintext: string, secretKey: string): string {
  return CryptoJS.DES.encrypt(CryptoJS.enc.Utf8.parse(plaintext), desKeyWords(secretKey), {
    mode: CryptoJS.mode.ECB,
    padding: CryptoJS.pad.Pkcs7,
  }).toString();
}

/** Inverse of desEncrypt; throws when the ciphertext or its padding is not valid. */
export function desDecrypt(ciphertextBase64: string, secretKey: string): string {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(ciphertextBase64) || ciphertextBase64.length % 4 !== 0) {
    throw new Error('ciphertext is not Base64');
  }
  const bytes = Buffer.from(ciphertextBase64, 'base64');
  if (bytes.length === 0 || bytes.length % 8 !== 0) throw new Error('ciphertext length is not a multiple of 8');
  const words = CryptoJS.DES.decrypt(
    CryptoJS.lib.CipherParams.create({ ciphertext: CryptoJS.enc.Base64.parse(ciphertextBase64) }),
    desKeyWords(secretKey),
    { mode: CryptoJS.mode.ECB, padding: CryptoJS.pad.Pkcs7 },
  );
  if (words.sigBytes < 0) throw new Error('bad padding');
  // Utf8.stringify throws on invalid UTF-8 ("Malformed UTF-8 data").
  return CryptoJS.enc.Utf8.stringify(words);
}

/** Base64 of the 32-character md5 hex text, which is what the document means by "md5 in hexadecimal". */
export function base64OfMd5Hex(text: string): string {
  return Buffer.from(md5Hex(text), 'ascii').toString('base64');
}

/**
 * The envelope sign. With encryption: Base64(md5hex(bodyCiphertext + timeStamp + pId + secretKey));
 * without: Base64(md5hex(timeStamp + pId)), which holds no secret at all.
 */
export function novastarSign(p: { timeStamp: string; pId: string; body?: string; secretKey?: string; encrypt: boolean }): string {
  return p.encrypt
    ? base64OfMd5Hex(`${p.body ?? ''}${p.timeStamp}${p.pId}${p.secretKey ?? ''}`)
    : base64OfMd5Hex(`${p.timeStamp}${p.pId}`);
}
