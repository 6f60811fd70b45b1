// NovaStar H-series processors: every call is a POST of the envelope
// {body, sign, pId, timeStamp}; with encryption on, body is DES and the sign
// covers the secret. Answers are decrypted the same way; their sign is checked
// but refused only when the account asks for it (see read()).
import { desDecrypt, desEncrypt, novastarSign } from '../crypto';
import { ErrorCodes, OpenApiError } from '../errors';
import type { HttpAnswer, NovastarAccount, PreparedRequest } from '../types';
import { KnownLists } from './novastar-known';
import { shown, type Connected } from './platform';
import { httpRetryAfterMs, isHttpTooFrequent, parseJsonObject, vendorError, type PlatformAdapter, type PlatformContext, type ReadAnswer } from './platform';

/** Calls are `<module>/<action>` under the API root (a leading slash is allowed), all POST with a signed envelope. */
const PATH = /^\/?[A-Za-z][A-Za-z0-9]*\/[A-Za-z][A-Za-z0-9]*$/;

/**
 * HTTP 500: processors answer it, valid credentials or not, to calls their
 * firmware does not serve (H9 V1.9.7.1: screen/writeBrightness,
 * layer/writeStreamRule, device/readDetail; some H5: the device calls).
 * Not a broken answer, and not worth repeating.
 */
function firmwareRefusal(answer: HttpAnswer, path: string): OpenApiError {
  let vendorMessage: string | undefined;
  try {
    const parsed: unknown = JSON.parse(answer.text);
    const msg = parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>).msg : undefined;
    if (typeof msg === 'string' && msg.trim() !== '') vendorMessage = msg.slice(0, 200);
  } catch {
    // Not JSON: an HTML page or plain text; its words add nothing.
  }
  const said = vendorMessage ? ` ("${vendorMessage}")` : '';
  return new OpenApiError('HTTP_500', `the processor answered HTTP 500${said}: some firmware does not serve ${path} (known on H9 V1.9.7.1 and on some H5 for the device calls); check the firmware version, or reach the same through another call`, {
    platform: 'novastar',
    path,
    httpStatus: 500,
    vendorMessage,
    retryable: false,
  });
}

export function novastarAdapter(ctx: PlatformContext<NovastarAccount>): PlatformAdapter {
  const { config, clock } = ctx;
  const { pId, secretKey } = config.credentials;
  const encrypt = config.encrypt !== false;
  const verifyAnswerSign = config.verifyAnswerSign === true;
  const known = new KnownLists();

  function read(answer: HttpAnswer, req: PreparedRequest): ReadAnswer {
    const path = req.path;
    if (answer.status === 500) throw firmwareRefusal(answer, path);
    const body = parseJsonObject(answer, 'novastar', path);
    // Some firmware writes the key as "status " with a trailing space.
    const statusValue = 'status' in body ? body.status : body['status '];
    const status = typeof statusValue === 'string' && statusValue.trim() !== '' ? Number(statusValue) : statusValue;
    const message = typeof body.msg === 'string' ? body.msg : '';
    if (typeof status !== 'number' || Number.isNaN(status)) {
      throw new OpenApiError(ErrorCodes.BAD_RESPONSE, 'the answer has no status', { platform: 'novastar', path, httpStatus: answer.status });
    }
    if (status !== 0) throw vendorError(status, message, answer, 'novastar', path);

    // The document shows answers with "sign": "" and no timeStamp, and does not
    // say which time a sign covers: processors sign over the request's
    // timeStamp or over their own (often wrong) clock. Either one verifies.
    // Some of the document's examples put the content under "data" instead of "body".
    const content = body.body !== undefined ? body.body : body.data;
    const cipher = typeof content === 'string' ? content : '';
    let signVerified: boolean | null = null;
    if (body.sign !== undefined && body.sign !== null && body.sign !== '') {
      const times = [(req.body as { timeStamp: string }).timeStamp];
      if (typeof body.timeStamp === 'string' || typeof body.timeStamp === 'number') times.push(String(body.timeStamp));
      signVerified = times.some((timeStamp) => body.sign === novastarSign({ encrypt, timeStamp, pId, secretKey, body: cipher }));
      if (!signVerified && verifyAnswerSign) {
        throw new OpenApiError(ErrorCodes.SIGN_MISMATCH, 'the answer\'s sign does not verify and the account checks answer signs: wrong secretKey, or the answer was altered', { platform: 'novastar', path });
      }
    }

    let data: unknown = content ?? null;
    if (encrypt || typeof data === 'string') {
      try {
        const text = encrypt ? (cipher === '' ? '' : desDecrypt(cipher, secretKey)) : String(data);
        data = text.trim() === '' ? null : JSON.parse(text);
      } catch {
        throw new OpenApiError(ErrorCodes.BAD_RESPONSE, 'the answer\'s body is not JSON after decryption', { platform: 'novastar', path });
      }
    }
    return { data, code: 0, message, raw: body, signVerified };
  }

  const adapter: PlatformAdapter = {
    platform: 'novastar',
    raw: {
      defaultMethod: 'POST',
      auth: 'envelope',
      path: (path) => (PATH.test(path) ? `/${path.replace(/^\//, '')}` : undefined),
      // Every call is a POST of the envelope, whatever method it was given.
      sendsBody: () => true,
    },
    // No login to prove the credentials: a read signed with them.
    // Some H5 and H9 firmware answers device/readDetail with HTTP 500: the screen list is the safer proof.
    probe: { method: 'POST', path: 'screen/readList', body: { deviceId: 0 } },
    needsToken: () => false,

    sign(req: PreparedRequest): PreparedRequest {
      const timeStamp = String(clock.now());
      const plain = req.body ?? {};
      const body = encrypt ? desEncrypt(JSON.stringify(plain), secretKey) : plain;
      const sign = novastarSign({ encrypt, timeStamp, pId, secretKey, body: typeof body === 'string' ? body : undefined });
      return { ...req, method: 'POST', body: { body, sign, pId, timeStamp } };
    },

    read,
    isTooFrequent: isHttpTooFrequent,
    retryAfterMs: httpRetryAfterMs,
    isTokenRejected: () => false,
    isTimestampRejected: () => false,
    secrets: () => [secretKey],
    user: () => pId,
    async connectedAs(caller) {
      const out: Connected = { user: `pId ${shown(pId)}` };
      const device = (await caller.call('novastar.readDevice', { deviceId: 0 }).catch(() => undefined))?.data as Record<string, unknown> | undefined;
      const name = shown(device?.name);
      const modelId = shown(device?.modelId);
      const model = [name, modelId && (name ? `(${modelId})` : modelId)].filter(Boolean).join(' ');
      if (model) out.model = model;
      return out;
    },
    beforeSend: (caller, op, values) => (op.checked ? known.check(caller, op, values) : Promise.resolve()),
    afterSend: (op) => {
      // A layer added or deleted: the lists are read again before the next checked write.
      if (op.checked && (op.creates || op.removes)) known.forget();
    },
  };
  return adapter;
}
