// A self-signed TLS certificate for the simulator's AMQPS endpoint, made at
// start-up with node:crypto alone: nothing to download, nothing kept on disk,
// no dependency. The vendor accepts TLS only, so the simulator does the same;
// clients trust this certificate as their CA (Node-RED: a tls-config node).
//
// X.509 is DER (ASN.1) all the way down; the handful of types a certificate
// needs are written out here. Key: EC P-256; signature: ecdsa-with-SHA256.
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One DER element: tag, length, contents. */
function tlv(tag: number, ...contents: Buffer[]): Buffer {
  const body = Buffer.concat(contents);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

const sequence = (...items: Buffer[]): Buffer => tlv(0x30, ...items);
const set = (...items: Buffer[]): Buffer => tlv(0x31, ...items);
const explicit = (n: number, item: Buffer): Buffer => tlv(0xa0 + n, item);
const octets = (data: Buffer): Buffer => tlv(0x04, data);
const bits = (data: Buffer): Buffer => tlv(0x03, Buffer.from([0]), data);
const utf8 = (text: string): Buffer => tlv(0x0c, Buffer.from(text, 'utf8'));
const bool = (value: boolean): Buffer => tlv(0x01, Buffer.from([value ? 0xff : 0]));

/** An unsigned big-endian integer: a leading zero byte keeps it positive. */
function integer(value: Buffer | number): Buffer {
  let bytes = typeof value === 'number' ? Buffer.from([value]) : value;
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  bytes = bytes.subarray(start);
  return tlv(0x02, bytes[0] & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const out = [40 * a + b];
  for (const arc of rest) {
    const chunk: number[] = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift(0x80 | (v & 0x7f));
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

/** UTCTime, YYMMDDHHMMSSZ (good until 2049). */
function utcTime(date: Date): Buffer {
  const text = date.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';
  return tlv(0x17, Buffer.from(text, 'ascii'));
}

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  basicConstraints: '2.5.29.19',
  subjectAltName: '2.5.29.17',
};

export interface SelfSigned {
  /** PEM of the certificate: the server presents it, clients trust it as their CA. */
  cert: string;
  /** PEM (PKCS#8) of its private key. */
  key: string;
}

/** A certificate for `localhost` and 127.0.0.1 (and ::1), valid from a day ago for `days` days. */
export function selfSignedCertificate(opts: { commonName?: string; days?: number } = {}): SelfSigned {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const name = sequence(
    set(sequence(oid(OID.organization), utf8('iot-openapi simulator'))),
    set(sequence(oid(OID.commonName), utf8(opts.commonName ?? 'localhost'))),
  );
  const algorithm = sequence(oid(OID.ecdsaWithSha256));
  const now = Date.now();
  const altNames = sequence(
    tlv(0x82, Buffer.from('localhost', 'ascii')), // [2] dNSName
    tlv(0x87, Buffer.from([127, 0, 0, 1])), // [7] iPAddress
    tlv(0x87, Buffer.concat([Buffer.alloc(15), Buffer.from([1])])), // ::1
  );
  const extensions = sequence(
    sequence(oid(OID.basicConstraints), bool(true), octets(sequence(bool(true)))),
    sequence(oid(OID.subjectAltName), octets(altNames)),
  );
  const serial = randomBytes(16);
  serial[0] &= 0x7f;
  const tbs = sequence(
    explicit(0, integer(2)), // version 3
    integer(serial),
    algorithm,
    name, // issuer: itself
    sequence(utcTime(new Date(now - 86_400_000)), utcTime(new Date(now + (opts.days ?? 365) * 86_400_000))),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, extensions),
  );
  // For an EC key, crypto.sign gives the DER ECDSA-Sig-Value the certificate carries.
  const signature = sign('sha256', tbs, privateKey);
  const der = sequence(tbs, algorithm, bits(signature));
  const body = der.toString('base64').replace(/(.{64})/g, '$1\n').trimEnd();
  return {
    cert: `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`,
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  };
}
